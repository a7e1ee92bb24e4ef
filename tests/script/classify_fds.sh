#!/usr/bin/env bash
# A city load that cannot open its extra connections (too few file descriptors: ulimit -n)
# reads the blocks on fewer threads and gives the levels of a normal run; it never closes or
# uses the caller's store after a failed open (a heap use-after-free the ASan build reports).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
[ "$(sqlite3 "$db" "SELECT count(*) >= 64 FROM event_block")" = 1 ] || { echo "too few blocks for a parallel load"; exit 1; }
CRISK_COLUMN_CACHE=0 "$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" scores --db "$db" --csv > "$tmp/normal.csv"
for limit in 5 6 7 8 9; do
  for cache in 0 1; do
    rm -f "$db.cols"
    set +e
    (ulimit -n $limit; CRISK_COLUMN_CACHE=$cache exec "$crisk" classify --db "$db" --as-of 2025-12-31) \
      > "$tmp/out" 2> "$tmp/err"
    rc=$?
    set -e
    if grep -q -E "Sanitizer|misuse|not an error" "$tmp/err"; then
      echo "ulimit -n $limit cache $cache:"; cat "$tmp/err"; exit 1
    fi
    if [ $rc != 0 ]; then
      # Too few descriptors to open the store at all: a clear message, never a crash.
      [ $rc = 1 ] && grep -q -E "crisk classify: .*(cannot open store|cannot configure store)" "$tmp/err" \
        || { echo "ulimit -n $limit cache $cache: exit $rc"; cat "$tmp/err"; exit 1; }
      continue
    fi
    "$crisk" scores --db "$db" --csv | diff -q "$tmp/normal.csv" - > /dev/null \
      || { echo "ulimit -n $limit cache $cache: other levels than a normal run"; exit 1; }
    ok=1
  done
done
[ "${ok:-}" = 1 ] || { echo "no run under a low descriptor limit succeeded"; exit 1; }
echo "classify_fds: loads under ulimit -n 5..9 give a normal run's levels or a clear error"
