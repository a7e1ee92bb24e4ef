#!/usr/bin/env bash
# crisk show gives a registry map indicator (industry, type, status: industry_section,
# enterprise_type, reg_status, …) the firm's own text as its value — compared with the store by
# python for 120 firms, one of them with its industry and status emptied (null then, the near
# miss) — and the text portrait prints that text for such a driver, not "值 缺失".
set -euo pipefail
crisk=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
sqlite3 "$db" "UPDATE enterprise SET industry=NULL, status='' WHERE subject=(SELECT subject FROM enterprise WHERE uscc IS NOT NULL ORDER BY subject LIMIT 1 OFFSET 5)"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
IFS=$'\t' read -r checked nulls firm name value < <(python3 "$here/show_registry.py" "$crisk" "$db")
[ "$nulls" -ge 2 ] || { echo "show_registry: the emptied firm's values were not null"; exit 1; }
"$crisk" show --db "$db" "$firm" > "$tmp/show.txt"
grep -q "$name *值 $value " "$tmp/show.txt" || { echo "show_registry: '$name' is not shown with its text $value"; cat "$tmp/show.txt"; exit 1; }
echo "show_registry: $checked registry map values equal the store's ($nulls null); $firm's $name shows $value"
