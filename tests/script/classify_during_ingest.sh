#!/usr/bin/env bash
# crisk classify while crisk ingest writes the store: classify is a writer (it records a run), and
# a store has one writer at a time (docs/store.md), so every classify during the ingest is refused
# with exit 1 naming the ingest, with the column cache and without, never "not an error" or a
# crash; a read-only verb works beside it. The ingest is held at a row by the test hook
# CRISK_PAUSE_ROW (after some batches are committed), so the overlap is certain. After the
# ingest, a run sees all of it, cached or not. A store with flipped bits in some pages gives a
# clear error (or, where the damage goes unseen, a run), never a crash or "not an error".
set -euo pipefail
crisk=$1
. "$(dirname "$0")/pause_lib.sh"
tmp=$(mktemp -d)
pid=
trap 'rm -f "$tmp/pause"; [ -n "$pid" ] && wait $pid 2> /dev/null; rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/a" --enterprises 1500 --seed 3 > /dev/null
"$crisk" gen --out "$tmp/b" --enterprises 2500 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/a/catalog.yaml" > /dev/null
# bad OUT ERR RC: the run failed without saying why, or crashed.
bad() {
  grep -q -E "not an error|Sanitizer|runtime error" "$2" && return 0
  [ "$3" -ge 128 ] && return 0
  [ "$3" != 0 ] && ! grep -q "crisk classify: ." "$2" && return 0
  return 1
}
CRISK_PAUSE_ROW=3000 CRISK_PAUSE_FILE="$tmp/pause" \
  "$crisk" ingest --db "$db" --catalog "$tmp/b/catalog.yaml" --batch-rows 500 > "$tmp/ingest.out" 2>&1 &
pid=$!
wait_paused classify_during_ingest "$tmp/pause" "$pid" "$tmp/ingest.out"
runs=0
for cache in 1 0; do
  set +e
  CRISK_COLUMN_CACHE=$cache "$crisk" classify --db "$db" --as-of 2025-12-31 --json > "$tmp/out" 2> "$tmp/err"
  rc=$?
  set -e
  runs=$((runs + 1))
  if bad "$tmp/out" "$tmp/err" $rc; then echo "classify during ingest: exit $rc"; cat "$tmp/err"; exit 1; fi
  [ $rc = 1 ] && grep -q "another writer: crisk ingest, pid $pid on " "$tmp/err" \
    || { echo "classify during ingest (cache $cache): exit $rc, not refused naming the ingest"; cat "$tmp/err"; exit 1; }
done
"$crisk" quarantine --db "$db" > /dev/null || { echo "classify_during_ingest: a read-only verb failed beside the ingest"; exit 1; }
rm -f "$tmp/pause"
wait $pid || { echo "the ingest failed"; cat "$tmp/ingest.out"; exit 1; }
pid=
# After the ingest, a run sees all of it, with and without the cache.
CRISK_COLUMN_CACHE=0 "$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" scores --db "$db" --csv > "$tmp/plain.csv"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" scores --db "$db" --csv | diff -q "$tmp/plain.csv" - > /dev/null || { echo "cached and plain runs differ"; exit 1; }

# Flipped bits: 64 bytes set to 0xFF in some pages of a copy of the store: leaf pages of the
# event blocks (subjects and days of events), of the enterprises and of the roles.
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
pages=$(sqlite3 "$db" "SELECT pageno FROM (SELECT pageno, name, row_number() OVER (PARTITION BY name ORDER BY pageno) AS k
                        FROM dbstat WHERE name IN ('event_block', 'enterprise', 'role') AND pagetype = 'leaf')
                      WHERE k IN (3, 150) ORDER BY pageno")
damaged=0
for pg in $pages; do
  for where in 200 9000; do
    cp "$db" "$tmp/bad.db"
    rm -f "$tmp/bad.db.cols"
    head -c 64 /dev/zero | tr '\000' '\377' \
      | dd of="$tmp/bad.db" bs=1 seek=$(( (pg - 1) * 16384 + where )) conv=notrunc 2> /dev/null
    damaged=$((damaged + 1))
    for cache in 1 0; do
      set +e
      CRISK_COLUMN_CACHE=$cache "$crisk" classify --db "$tmp/bad.db" --as-of 2025-12-31 > "$tmp/out" 2> "$tmp/err"
      rc=$?
      set -e
      if bad "$tmp/out" "$tmp/err" $rc; then echo "page $pg + $where damaged: exit $rc"; cat "$tmp/err"; exit 1; fi
    done
  done
done
[ $damaged -ge 8 ] || { echo "only $damaged damaged copies"; exit 1; }
echo "classify_during_ingest: $runs runs during an ingest refused naming it, $damaged damaged stores: clear errors"
