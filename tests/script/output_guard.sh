#!/usr/bin/env bash
# An output file option never writes over the store or a file kept beside it (issue 8: an export
# given the store's own path replaced the store with the CSV).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ $rc = "$code" ] || { echo "expected exit $code, got $rc: $*"; echo "$out"; exit 1; }
  echo "$out" | grep >/dev/null -- "$pat" || { echo "expected '$pat' in: $out"; exit 1; }
}
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > "$tmp/c.yaml"
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\nbad,2021-01-01\n' > "$tmp/a.csv"
"$crisk" ingest --db "$tmp/z.db" --catalog "$tmp/c.yaml" > /dev/null 2>&1 || true
sqlite3 "$tmp/z.db" 'PRAGMA journal_mode=DELETE' > /dev/null
before=$(md5sum < "$tmp/z.db")
check() {
  [ "$(md5sum < "$tmp/z.db")" = "$before" ] || { echo "the store changed: $*"; exit 1; }
}
expect 2 "is the store itself: refusing" -- "$crisk" quarantine --db "$tmp/z.db" --export "$tmp/z.db"
check export
# The same file under another name: a relative path, a path through .., a hard link, a symlink.
(cd "$tmp" && expect 2 "is the store itself" -- "$crisk" quarantine --db "$tmp/z.db" --export z.db)
mkdir "$tmp/sub"
expect 2 "is the store itself" -- "$crisk" quarantine --db "$tmp/z.db" --export "$tmp/sub/../z.db"
ln "$tmp/z.db" "$tmp/hard.csv"
expect 2 "is the store itself" -- "$crisk" quarantine --db "$tmp/z.db" --export "$tmp/hard.csv"
ln -s "$tmp/z.db" "$tmp/soft.csv"
expect 2 "is the store itself" -- "$crisk" quarantine --db "$tmp/sub/../z.db" --export "$tmp/soft.csv"
check links
# The files beside it, whether they exist yet or not.
for f in -wal -shm -journal .lock .cols; do
  side=$({ cat "$tmp/z.db$f" 2>/dev/null || true; } | sha256sum)
  expect 2 "is the $f file of the store" -- "$crisk" quarantine --db "$tmp/z.db" --export "$tmp/z.db$f"
  expect 2 "is the $f file of the store" -- "$crisk" classify --db "$tmp/z.db" --indicators "$tmp/z.db$f"
  [ "$({ cat "$tmp/z.db$f" 2>/dev/null || true; } | sha256sum)" = "$side" ] || { echo "z.db$f was written"; exit 1; }
done
CRISK_DB=$tmp/z.db expect 2 "is the store itself" -- "$crisk" classify --indicators "$tmp/z.db"
check others
# Another file is written as before.
expect 0 "exported 1 rows" -- "$crisk" quarantine --db "$tmp/z.db" --export "$tmp/q.csv"
head -1 "$tmp/q.csv" | grep >/dev/null '^id,topic,file,line,reason,detail,raw$' || { echo "no export"; exit 1; }
echo "output guard: the store is never an output file"
