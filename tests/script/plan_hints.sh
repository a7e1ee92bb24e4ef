#!/usr/bin/env bash
# Hints where a plan file goes wrong in a way its author cannot see: a percentage written with the
# full-width ％ (5％, as a Chinese input method types it) or full-width digits is refused at its
# line with the ASCII form to write (5%); a plan or list file of 50 MB is refused by its size
# before it is read, naming the size and the limit (docs/inspect.md "Sizes"), exit 3, nothing
# recorded. Near misses: 5% and 12.5% are taken; a list of normal size is read.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "plan_hints: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 200 --seed 11 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
plan() { # expect-exit file
  local rc=0
  "$crisk" plan --db "$db" --file "$2" --today 2026-01-05 > /dev/null 2> "$tmp/err" || rc=$?
  [ $rc = "$1" ] || fail "plan $2: exit $rc, want $1: $(cat "$tmp/err")"
}
printf 'name: h\nyear: 2026\nratios: {A: 5%%, B: 15％, C: 30%%, D: 50%%}\n' > "$tmp/fw.yaml"
plan 3 "$tmp/fw.yaml"
grep -q "fw.yaml:3:.*15％.*write 15%" "$tmp/err" || fail "full-width ％ without the hint at its line: $(cat "$tmp/err")"
printf 'name: h\nyear: 2026\nrandom_share: １０%%\n' > "$tmp/fw2.yaml"
plan 3 "$tmp/fw2.yaml"
grep -q "fw2.yaml:3:.*write 10%" "$tmp/err" || fail "full-width digits without the hint: $(cat "$tmp/err")"
# sizes: a sparse 50 MB plan and list are refused by their size (nothing is read)
truncate -s 50M "$tmp/big.yaml"
plan 3 "$tmp/big.yaml"
grep -q "big.yaml: is 52428800 bytes, over the limit of 1048576 bytes" "$tmp/err" || fail "a 50 MB plan: $(cat "$tmp/err")"
truncate -s 50M "$tmp/items.csv"
printf 'name: h\nyear: 2026\ncheck_items: items.csv\nitems: [X]\n' > "$tmp/l.yaml"
plan 3 "$tmp/l.yaml"
grep -q "items.csv: is 52428800 bytes, over the limit of 16777216 bytes" "$tmp/err" || fail "a 50 MB list: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM plan')" = 0 ] || fail "a plan was recorded"
# near misses
printf 'code,name,basis,qualifications\nX,检查,依据,general\n' > "$tmp/items.csv"
printf 'name: h\nyear: 2026\ncheck_items: items.csv\nitems: [X]\nratios: {A: 5%%, B: 12.5%%, C: 30%%, D: 50%%}\n' > "$tmp/ok.yaml"
plan 0 "$tmp/ok.yaml"
echo "plan_hints: full-width percentages refused with the ASCII form; 50 MB files refused by size"
