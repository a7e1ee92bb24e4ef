#!/usr/bin/env bash
# Bad input gets a clear error, the documented exit code, and loses nothing.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ $rc = "$code" ] || { echo "expected exit $code, got $rc: $*"; echo "$out"; exit 1; }
  echo "$out" | grep >/dev/null -- "$pat" || { echo "expected '$pat' in: $out"; exit 1; }
}
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {dat: d}\n' > "$tmp/bad.yaml"
expect 3 "bad.yaml:11:.*unknown field 'dat'" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/bad.yaml"
expect 3 "none.yaml: cannot open" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/none.yaml"
expect 2 "unknown option" -- "$crisk" ingest --db "$tmp/s.db" --catalg x
expect 2 "unknown verb" -- "$crisk" frobnicate
expect 2 "required" -- "$crisk" ingest --db "$tmp/s.db"
# A feed whose header lacks a mapped column is reported with its file and the catalog line,
# the other files still load, and the exit code says bad input.
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n  - code: T2\n    name: t\n    department: D1\n    kind: penalty\n    files: [b.csv]\n    key: k\n    fields: {date: d}\n' > "$tmp/ok.yaml"
printf 'k,x\n91440101MA5CJQ4N59,1\n' > "$tmp/a.csv"
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\n' > "$tmp/b.csv"
expect 3 "a.csv:1: column 'd' mapped by topic T1 (catalog line 11)" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/ok.yaml"
[ "$(sqlite3 "$tmp/s.db" 'SELECT sum(n) FROM event_block')" = 1 ] || { echo "the good file was not loaded"; exit 1; }
expect 2 "needs --out" -- "$crisk" gen --enterprises 5
# An empty path is a usage error, never a temporary database whose data are lost (issue 8).
expect 2 "option --db needs a value" -- "$crisk" ingest --db "" --catalog "$tmp/ok.yaml"
expect 2 "option --db needs a value" -- "$crisk" ingest --db= --catalog "$tmp/ok.yaml"
expect 2 "option --catalog needs a value" -- "$crisk" ingest --db "$tmp/e.db" --catalog ""
expect 2 "option --data needs a value" -- "$crisk" ingest --db "$tmp/e.db" --catalog "$tmp/ok.yaml" --data ""
expect 2 "option --db needs a value" -- "$crisk" scores --db "" --csv
expect 2 "option --model needs a value" -- "$crisk" classify --db "$tmp/s.db" --model ""
expect 2 "option --out needs a value" -- "$crisk" gen --out ""
expect 2 "option --export needs a value" -- "$crisk" quarantine --db "$tmp/s.db" --export ""
[ ! -e "$tmp/e.db" ] || { echo "a usage error created a store"; exit 1; }
# Every numeric option takes a whole number in its range, or is a usage error saying so: zero,
# negative, non-numeric, fractional and overflowing values (issue 8).
for v in 0 -1 x 1.5 " 2" 99999999999999999999999; do
  expect 2 "threads needs a whole number from 1 to 64" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/ok.yaml" --threads "$v"
  expect 2 "batch-rows needs a whole number from 1 to" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/ok.yaml" --batch-rows "$v"
  expect 2 "threads needs a whole number from 1 to 64" -- "$crisk" classify --db "$tmp/s.db" --threads "$v"
  expect 2 "run needs a whole number from 1" -- "$crisk" scores --db "$tmp/s.db" --csv --run "$v"
  expect 2 "run needs a whole number from 1" -- "$crisk" tag --db "$tmp/s.db" --run "$v"
  expect 2 "enterprises needs a whole number from 1" -- "$crisk" gen --out "$tmp/g" --enterprises "$v"
  expect 2 "years needs a whole number from 1 to 10" -- "$crisk" gen --out "$tmp/g" --years "$v"
done
for v in -1 x 1.5 99999999999999999999999; do
  expect 2 "limit needs a whole number from 0" -- "$crisk" quarantine --db "$tmp/s.db" --limit "$v"
  expect 2 "events needs a whole number from 0" -- "$crisk" show --db "$tmp/s.db" --events "$v" 91440101MA5CJQ4N59
  expect 2 "seed needs a whole number from 0" -- "$crisk" gen --out "$tmp/g" --seed "$v"
  expect 2 "start-year needs a whole number from 1990 to 2090" -- "$crisk" gen --out "$tmp/g" --start-year "$v"
done
for v in -0.1 1.5 x nan inf 1e; do
  expect 2 "dirt needs a number from 0 to 1" -- "$crisk" gen --out "$tmp/g" --dirt "$v"
done
[ ! -e "$tmp/g" ] || { echo "a usage error wrote a city"; exit 1; }
# The reading verbs never create a store: a path with none is bad input (exit 3), and a
# store's file is opened read-only, so a reader works on a store it may not write (issue 8).
for v in "scores --csv" "events --csv" "quarantine" "quarantine --export $tmp/q.csv" "show 91440101MA5CJQ4N59"; do
  expect 3 "none.db: no store here" -- "$crisk" $v --db "$tmp/none.db"
  [ ! -e "$tmp/none.db" ] || { echo "crisk $v created a store"; exit 1; }
done
CRISK_DB=$tmp/none.db expect 3 "none.db: no store here" -- "$crisk" scores --csv
[ ! -e "$tmp/none.db" ] || { echo "crisk scores created a store from \$CRISK_DB"; exit 1; }
cp "$tmp/s.db" "$tmp/ro.db"
sqlite3 "$tmp/ro.db" 'PRAGMA journal_mode=DELETE' > /dev/null
chmod a-w "$tmp/ro.db"
before=$(md5sum < "$tmp/ro.db")
expect 0 "subject,key,topic" -- "$crisk" events --db "$tmp/ro.db" --csv
expect 0 "quarantine: 0 open" -- "$crisk" quarantine --db "$tmp/ro.db"
[ "$(md5sum < "$tmp/ro.db")" = "$before" ] || { echo "a reader changed the store"; exit 1; }
chmod u+w "$tmp/ro.db"
printf 'not a store' > "$tmp/junk.db"
expect 1 "junk.db: .*file is not a database" -- "$crisk" scores --db "$tmp/junk.db" --csv
# A file pattern that matches nothing is named in the text report as a warning, not only
# counted in --json; the rest still loads and the exit code stays 0 (issue 8).
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [b.csv, "typo_*.csv"]\n    key: k\n    fields: {date: d}\n  - code: T2\n    name: t\n    department: D1\n    kind: complaint\n    files: [gone.csv]\n    key: k\n    fields: {date: d}\n' > "$tmp/pat.yaml"
expect 0 "T1 .*typo_\*.csv: WARNING this pattern matches no file" -- "$crisk" ingest --db "$tmp/p.db" --catalog "$tmp/pat.yaml"
echo "$out" | grep >/dev/null "T2 .*gone.csv: WARNING this pattern matches no file" || { echo "gone.csv not named: $out"; exit 1; }
echo "$out" | grep >/dev/null "^total: 1 files, 1 read" || { echo "patterns counted as files: $out"; exit 1; }
echo "$out" | grep >/dev/null "2 catalog file pattern(s) matched no file" || { echo "no summary of unmatched patterns: $out"; exit 1; }
expect 0 '"path":"typo_\*.csv","topic":"T1".*"unmatched":true' -- "$crisk" ingest --db "$tmp/p2.db" --catalog "$tmp/pat.yaml" --json
echo "$out" | grep >/dev/null '"unmatched_patterns":2' || { echo "json count wrong: $out"; exit 1; }
# Store errors carry SQLite's own message, never a bare "store error" or "not an error"
# (issue 8): a page of a table zeroed in a copy of the store.
corrupt() { # corrupt TABLE: a copy of s.db with the root page of TABLE zeroed, as $tmp/bad.db
  cp "$tmp/s.db" "$tmp/bad.db"; rm -f "$tmp/bad.db-wal" "$tmp/bad.db-shm"
  sqlite3 "$tmp/bad.db" 'PRAGMA journal_mode=DELETE' > /dev/null
  local size page
  size=$(sqlite3 "$tmp/bad.db" 'PRAGMA page_size')
  page=$(sqlite3 "$tmp/bad.db" "SELECT rootpage FROM sqlite_master WHERE name = '$1'")
  dd if=/dev/zero of="$tmp/bad.db" bs="$size" seek=$((page - 1)) count=1 conv=notrunc 2> /dev/null
}
corrupt event_block
expect 1 "cannot read the events: database disk image is malformed" -- "$crisk" events --db "$tmp/bad.db" --csv
# (the latest event date comes from the index event_block_by_day: the damage shows at the load)
expect 1 "cannot load the city from the store: database disk image is malformed" -- "$crisk" classify --db "$tmp/bad.db"
corrupt subject
expect 1 "cannot read keys and topics: database disk image is malformed" -- "$crisk" events --db "$tmp/bad.db" --csv
expect 1 "cannot load subjects: database disk image is malformed" -- "$crisk" ingest --db "$tmp/bad.db" --catalog "$tmp/ok.yaml"
corrupt quarantine
expect 1 "cannot read the quarantine: database disk image is malformed" -- "$crisk" quarantine --db "$tmp/bad.db"
# --threads: the help states the default's cap and the range the option takes (crisk/ingest.h).
"$crisk" ingest --help | tr -s ' \n' ' ' | grep >/dev/null "1 to 64 (default: one per core, at most 8)" \
  || { echo "cli_errors: ingest --help does not state the threads default and range"; exit 1; }
expect 2 "from 1 to 64, not '65'" -- "$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/ok.yaml" --threads 65
echo "cli errors: all reported with place and exit code"
