#!/usr/bin/env bash
# A store whose subject ids are out of range (damaged, or edited by hand) is refused by the city
# load with a clear message: a subject id near 2^62 wrapped the dense index's allocation and the
# load wrote past it (a heap overflow under ASan).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 50 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
for id in 4611686018427387904 2147483648 -5; do
  sqlite3 "$db" "PRAGMA foreign_keys=OFF; UPDATE enterprise SET subject=$id WHERE subject=(SELECT max(subject) FROM enterprise WHERE subject>=0)"
  for cache in 0 1; do
    set +e
    CRISK_COLUMN_CACHE=$cache "$crisk" classify --db "$db" --as-of 2025-12-31 > "$tmp/out" 2> "$tmp/err"
    rc=$?
    set -e
    if grep -q -E "Sanitizer|runtime error" "$tmp/err" || [ $rc -ge 128 ] || [ $rc = 0 ]; then
      echo "subject $id cache $cache: exit $rc"; cat "$tmp/err"; exit 1
    fi
    grep -q "the store is damaged" "$tmp/err" || { echo "subject $id cache $cache: no clear message"; cat "$tmp/err"; exit 1; }
  done
done
echo ok
