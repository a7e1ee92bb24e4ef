#!/usr/bin/env bash
# A run's level changes are found against the previous run in subject order whatever index the
# store has (the query had no ORDER BY: with an index on run_score(run, level) SQLite read the
# previous levels in level order, and most changes were missed).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
# Every previous level becomes one no run gives, in an order unlike the subjects'.
sqlite3 "$db" "UPDATE run_score SET level = char(69 + (subject * 7919) % 3); CREATE INDEX run_score_by_level ON run_score(run, level)"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
n=$(sqlite3 "$db" "SELECT count(*) FROM run_score WHERE run = (SELECT max(id) FROM run)")
c=$(sqlite3 "$db" "SELECT count(*) FROM level_change WHERE run = (SELECT max(id) FROM run)")
[ "$n" -gt 0 ] && [ "$c" = "$n" ] || { echo "run_changes: $c level changes for $n enterprises whose level all changed"; exit 1; }
echo ok
