#!/usr/bin/env bash
# A catalog pattern that matches the store's own files (files: ["s*"] in the store's folder)
# reads the feeds only: the store, its -wal, -shm, .lock and .cols are never feeds (each was an
# error line and exit 3).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'catalog: g\ndepartments:\n  - {code: D1, name: 甲局}\ntopics:\n  - {code: T1, name: 处罚, department: D1, kind: penalty, files: ["s*"], key: k, fields: {date: d}}\n' > "$tmp/c.yaml"
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\n' > "$tmp/s1.csv"
for run in 1 2 3; do
  rc=0; out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" 2>&1) || rc=$?
  [ $rc = 0 ] || { echo "store_glob: run $run exit $rc: $out"; exit 1; }
  echo "$out" | grep -E '^ +T1 ' | grep -v 's1.csv' && { echo "store_glob: run $run read a store file: $out"; exit 1; }
  [ $run = 1 ] && printf 'a column cache\n' > "$tmp/s.db.cols"   # as classify leaves it
done
[ -e "$tmp/s.db.cols" ] && [ -e "$tmp/s.db.lock" ] || { echo "store_glob: the side files were not there to test"; ls "$tmp"; exit 1; }
echo "store_glob: a pattern matching the store's files reads the feeds only"
