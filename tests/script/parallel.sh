#!/usr/bin/env bash
# Ingest with one parser thread, with four and with the most allowed (64, more threads than the
# sink's spare batches: each holds one from the start) gives the same store: the same rows by
# key, the same counts per file (listed in the same order), the same quarantine.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 4000 --seed 21 > /dev/null
report() { sed -E 's/"(seconds|rows_per_s|index_seconds)":[0-9.e+-]+/"\1":0/g'; }
for t in 1 4 64; do
  timeout 300 "$crisk" ingest --db "$tmp/t$t.db" --catalog "$tmp/city/catalog.yaml" --threads $t --json | report > "$tmp/t$t.json"
  "$crisk" events --db "$tmp/t$t.db" --csv | cut -d, -f2- | LC_ALL=C sort > "$tmp/t$t.events"
  "$crisk" quarantine --db "$tmp/t$t.db" --json | sed -E 's/"id":[0-9]+,//g' > "$tmp/t$t.quarantine"
  sqlite3 "$tmp/t$t.db" "SELECT s.key, r.role, p.name, r.start_day, (SELECT count(*) FROM person) FROM role r
    JOIN subject s ON s.id = r.subject JOIN person p ON p.id = r.person ORDER BY 1, 2, 3, 4;
    SELECT uscc, name, addr_key, grid FROM enterprise ORDER BY 1" > "$tmp/t$t.registry"
done
for t in 4 64; do
  for f in json events quarantine registry; do
    cmp -s "$tmp/t1.$f" "$tmp/t$t.$f" || { echo "parallel: $f differs between 1 and $t threads"; diff "$tmp/t1.$f" "$tmp/t$t.$f" | head -5; exit 1; }
  done
done
rows=$(wc -l < "$tmp/t1.events")
[ "$rows" -gt 100000 ] || { echo "parallel: only $rows events, too few to mean anything"; exit 1; }
echo "parallel: 1, 4 and 64 parser threads give the same $rows events, counts, quarantine and registry"
