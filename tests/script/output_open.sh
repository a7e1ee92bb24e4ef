#!/usr/bin/env bash
# An output file (quarantine --export, classify --indicators) is opened by the one helper that
# compares the opened file with the store's and only then empties it, and never through a
# symbolic link: a link at the output name wrote over its target (any file of the user's).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > c.yaml
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\nbad,2021-01-01\n' > a.csv
"$crisk" ingest --db s.db --catalog c.yaml > /dev/null 2>&1 || true
printf 'precious\n' > victim
ln -s victim out.csv
rc=0; out=$("$crisk" quarantine --db s.db --export out.csv 2>&1) || rc=$?
[ $rc = 1 ] && echo "$out" | grep >/dev/null 'cannot create out.csv: it is a symbolic link' \
  || { echo "output_open: export through a link ($rc): $out"; exit 1; }
"$crisk" gen --out city --enterprises 100 --seed 2 > /dev/null
"$crisk" ingest --db g.db --catalog city/catalog.yaml > /dev/null
rc=0; out=$("$crisk" classify --db g.db --as-of 2025-12-31 --indicators out.csv 2>&1) || rc=$?
[ $rc = 1 ] && echo "$out" | grep >/dev/null 'cannot create out.csv: it is a symbolic link' \
  || { echo "output_open: indicators through a link ($rc): $out"; exit 1; }
[ "$(cat victim)" = precious ] || { echo "output_open: the link's target was written"; exit 1; }
# A plain file is emptied and written; a longer old content leaves nothing behind.
head -c 100000 /dev/zero | tr '\0' x > e.csv
"$crisk" quarantine --db s.db --export e.csv 2> /dev/null
head -1 e.csv | grep >/dev/null '^id,topic,file,line,reason,detail,raw$' && ! grep -q xxx e.csv \
  || { echo "output_open: export not written over the old file"; exit 1; }
echo ok
