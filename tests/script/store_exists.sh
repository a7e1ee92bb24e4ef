#!/usr/bin/env bash
# Only crisk ingest creates a store: every other verb opens an existing one, and a missing
# store is a clear error that leaves no file behind (issue 8: quarantine --retry created an
# empty store and reported "0 retried"; classify and tag left an empty store file).
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
none() { # none: no file of a store at $tmp/m.db
  for f in "$tmp"/m.db*; do
    [ ! -e "$f" ] || { echo "a store file was left behind: $f"; exit 1; }
  done
}
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > "$tmp/c.yaml"
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\n' > "$tmp/a.csv"
printf 'id,topic,file,line,reason,detail,raw\n' > "$tmp/fix.csv"
expect 3 "m.db: no store here (only crisk ingest creates one" -- "$crisk" quarantine --retry --catalog "$tmp/c.yaml" --db "$tmp/m.db" "$tmp/fix.csv"
none
expect 3 "m.db: no store here (only crisk ingest creates one" -- "$crisk" quarantine --retry --catalog "$tmp/c.yaml" --db "$tmp/m.db"
none
expect 3 "m.db: no store here (only crisk ingest creates one" -- "$crisk" classify --db "$tmp/m.db"
none
expect 3 "m.db: no store here (only crisk ingest creates one" -- "$crisk" tag --db "$tmp/m.db"
none
CRISK_DB=$tmp/m.db expect 3 "m.db: no store here" -- "$crisk" classify
none
# An empty $CRISK_DB is a usage error like --db "", for every verb with --db; ./crisk.db is
# never used behind it.
cd "$tmp"
for v in "classify" "tag" "scores --csv" "events --csv" "quarantine" "show 91440101MA5CJQ4N59" "ingest --catalog $tmp/c.yaml"; do
  CRISK_DB= expect 2 "CRISK_DB is set but empty" -- "$crisk" $v
done
[ ! -e "$tmp/crisk.db" ] || { echo "an empty \$CRISK_DB used ./crisk.db"; exit 1; }
# --db given wins over an empty $CRISK_DB; ingest still creates its store.
CRISK_DB= expect 0 "" -- "$crisk" ingest --db "$tmp/m.db" --catalog "$tmp/c.yaml"
expect 3 "the store has no enterprises" -- "$crisk" classify --db "$tmp/m.db"
echo "store exists: only ingest creates a store"
