#!/usr/bin/env bash
# The column cache's temporary file (STORE.cols.PID.tmp) is created new, never opened through a
# symlink: one planted at that name pointing at a file left the file truncated and overwritten.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 200 --seed 6 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
printf 'precious\n' > "$tmp/victim"
rm -f "$db.cols"
# The classify process gets the shell's pid by exec: the link is at its temporary name.
sh -c 'ln -s "$1/victim" "$2.cols.$$.tmp"; exec "$3" classify --db "$2" --as-of 2025-12-31' \
  sh "$tmp" "$db" "$crisk" > /dev/null
[ "$(tr -d "\\000" < "$tmp/victim")" = precious ] || { echo "cache_tmp_symlink: the link's target was written"; exit 1; }
[ -f "$db.cols" ] && [ ! -L "$db.cols" ] || { echo "cache_tmp_symlink: no cache file built"; exit 1; }
ls "$tmp" | grep >/dev/null '\.tmp$' && { echo "cache_tmp_symlink: a temporary file left: $(ls "$tmp")"; exit 1; }
echo ok
