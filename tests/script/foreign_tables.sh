#!/usr/bin/env bash
# Foreign input (tests/golden/foreign/*/README.md): small hand-made tables in the shapes real
# departments and public data sets send, mapped as they are — NA tokens, dates in their own
# forms and as periods, codes written as floats, registries without names and with kept
# columns. Each folder's outputs must equal its expected/ exactly.
# Usage: foreign_tables.sh CRISK [--update]
set -euo pipefail
crisk=$1
root=$(cd "$(dirname "$0")/../golden/foreign" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zero_times() { sed -E 's/"seconds":[0-9.e+-]+/"seconds":0/; s/"rows_per_s":[0-9.e+-]+/"rows_per_s":0/; s/"index_seconds":[0-9.e+-]+/"index_seconds":0/'; }
fail=0
for dir in "$root"/*/; do
  name=$(basename "$dir")
  out=$tmp/$name
  mkdir -p "$out"
  db=$out/store.db
  "$crisk" ingest --db "$db" --catalog "$dir/catalog.yaml" --json | zero_times > "$out/ingest.json"
  sqlite3 "$db" "SELECT f.path, q.line, q.reason, q.detail FROM quarantine q JOIN feed_file f ON f.id = q.file ORDER BY 1, 2" > "$out/quarantine.txt"
  "$crisk" events --db "$db" --csv | tail -n +2 | cut -d, -f2- | LC_ALL=C sort > "$out/events.csv"
  sqlite3 "$db" "SELECT s.key, e.name, e.industry, e.capital_fen, e.established, e.status, e.district, e.street, e.lon, e.lat, e.attrs FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1" > "$out/enterprises.txt"
  if [ "${2:-}" = --update ]; then
    mkdir -p "$dir/expected"
    cp "$out"/ingest.json "$out"/quarantine.txt "$out"/events.csv "$out"/enterprises.txt "$dir/expected/"
    continue
  fi
  for f in ingest.json quarantine.txt events.csv enterprises.txt; do
    if ! diff -u "$dir/expected/$f" "$out/$f"; then echo "foreign $name: $f differs"; fail=1; fi
  done
done
[ "${2:-}" = --update ] && { echo "updated $root/*/expected"; exit 0; }
[ $fail = 0 ] && echo "foreign tables: $(ls -d "$root"/*/ | wc -l) folders match their expected outputs"
exit $fail
