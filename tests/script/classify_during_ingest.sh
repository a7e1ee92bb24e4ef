#!/usr/bin/env bash
# crisk classify while crisk ingest writes the store: each run reads one committed state (one
# read transaction for the whole load) or fails with a clear message, never "not an error";
# a successful run's counts are those of a state the store was in. A store with flipped bits
# in some pages gives a clear error (or, where the damage goes unseen, a run), never a crash
# or "not an error".
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2> /dev/null; rm -rf "$tmp"' EXIT
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
"$crisk" ingest --db "$db" --catalog "$tmp/b/catalog.yaml" > "$tmp/ingest.out" 2>&1 &
pid=$!
# A store has one writer (docs/store.md): the classify runs start once the ingest holds the
# writer lock, so that none of them takes it first and refuses the ingest. While the ingest
# runs they fail with a clear message naming it; after it, they complete.
for _ in $(seq 1 2000); do
  grep -q "crisk ingest" "$db.lock" 2> /dev/null && break
  kill -0 $pid 2> /dev/null || break
  sleep 0.01
done
runs=0 ok=0
while kill -0 $pid 2> /dev/null || [ $runs -lt 4 ]; do
  for cache in 1 0; do
    set +e
    CRISK_COLUMN_CACHE=$cache "$crisk" classify --db "$db" --as-of 2025-12-31 --json > "$tmp/out" 2> "$tmp/err"
    rc=$?
    set -e
    runs=$((runs + 1))
    if bad "$tmp/out" "$tmp/err" $rc; then echo "classify during ingest: exit $rc"; cat "$tmp/err"; exit 1; fi
    if [ $rc = 0 ]; then
      ok=$((ok + 1))
      # The run's enterprises are exactly the ones it scored.
      run=$(sed -E 's/.*"run":([0-9]+).*/\1/' "$tmp/out")
      n=$(sed -E 's/.*"enterprises":([0-9]+).*/\1/' "$tmp/out")
      [ "$(sqlite3 "$db" "SELECT count(*) FROM run_score WHERE run = $run")" = "$n" ] \
        || { echo "run $run: scores differ from its $n enterprises"; exit 1; }
    fi
  done
  [ $runs -lt 200 ] || break
done
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
echo "classify_during_ingest: $runs runs during an ingest ($ok completed) and $damaged damaged stores: one state each, clear errors"
