#!/usr/bin/env bash
# The real CUMCM 2020 C invoices through the shipped catalog: a department's own key links
# rows to the registry, and the duplicate count equals an independent count of identical rows
# (803 input + 4,436 output invoices, counted with Python's csv module when the catalog was
# written).
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$("$crisk" ingest --db "$tmp/c.db" --catalog "$src/catalogs/cumcm2020c/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":373554,"loaded":368315,"duplicates":5239,"quarantined":0,"unlinked":0}' \
  || { echo "unexpected totals: $out"; exit 1; }
[ "$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM enterprise WHERE uscc IS NULL")" = 123 ] || exit 1
[ "$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM subject WHERE key LIKE 'cumcm:E%'")" = 123 ] || exit 1
# Red-letter invoices are negative amounts, kept as such.
"$crisk" events --db "$tmp/c.db" --csv | awk -F, 'NR > 1 && $6 != "" && $6 < 0 { n++ } END { exit !n }' \
  || { echo "no negative amount was kept"; exit 1; }
echo "cumcm: 373,554 real invoice rows accounted for, 5,239 duplicates as counted independently"
