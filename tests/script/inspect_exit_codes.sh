#!/usr/bin/env bash
# Exit codes of the inspect stage's verbs (0 ok, 1 failure, 2 usage, 3 bad input) where a new
# user met the wrong one: `crisk inspections --plan 999` of an unknown plan is 3 "there is no plan
# 999" (was 0 with an empty list); `crisk inspect --date 2026-13-40` is 3 like a bad date in an
# --import file (was 2); `crisk draw --roster FOLDER` is 3 with a message (was 1); `crisk draw
# --out` onto a symbolic link is refused as every verb's output file is (cli_open_output: exit 1,
# the link's target untouched), onto the store through a link 2. Near misses: the known plan
# lists, a good date records, a plain --out file is written.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
db=s.db
fail() { echo "inspect_exit_codes: $*"; exit 1; }
expect() { # code what command...
  local want=$1 what=$2 rc=0; shift 2
  "$@" > out 2> err || rc=$?
  [ $rc = "$want" ] || fail "$what: exit $rc, want $want ($(cat err))"
}
"$crisk" gen --out city --enterprises 300 --seed 8 > /dev/null
"$crisk" ingest --db $db --catalog city/catalog.yaml > /dev/null
"$crisk" classify --db $db --as-of 2025-12-31 > /dev/null
"$crisk" roster --db $db --file city/roster.csv > /dev/null
printf 'name: e\nyear: 2026\nroutine: false\n' > p.yaml
"$crisk" plan --db $db --file p.yaml --today 2026-01-05 > /dev/null
"$crisk" draw --db $db --plan 1 --seed e --today 2026-01-06 > /dev/null
# inspections --plan of no plan
expect 3 "inspections --plan 999" "$crisk" inspections --db $db --plan 999 --csv
grep -q "there is no plan 999" err || fail "inspections --plan 999: $(cat err)"
[ ! -s out ] || fail "inspections --plan 999 printed: $(cat out)"
expect 0 "inspections --plan 1" "$crisk" inspections --db $db --plan 1 --csv
[ "$(wc -l < out)" -gt 1 ] || fail "inspections --plan 1 listed nothing"
# inspect --date that is no date: bad input, as in an --import file
i=$(sqlite3 $db "SELECT id FROM inspection WHERE unstaffed IS NULL ORDER BY id LIMIT 1")
expect 3 "inspect --date 2026-13-40" "$crisk" inspect --db $db --inspection "$i" --result 1 --by u --date 2026-13-40
grep -q "2026-13-40" err || fail "inspect --date: $(cat err)"
printf 'inspection,result,items,by,date\n%s,1,,u,2026-13-40\n' "$i" > imp.csv
expect 3 "inspect --import with date 2026-13-40" "$crisk" inspect --db $db --import imp.csv
expect 0 "inspect --date 2026-01-07" "$crisk" inspect --db $db --inspection "$i" --result 1 --by u --date 2026-01-07
# draw --roster of a folder
mkdir folder
expect 3 "draw --roster FOLDER" "$crisk" draw --db $db --plan 1 --seed f --today 2026-01-06 --roster folder --redraw --reason r --by u
grep -q "folder" err || fail "draw --roster FOLDER: $(cat err)"
# draw --out: a link refused as quarantine --export refuses it; a link to the store is usage
printf 'precious\n' > victim
ln -s victim link.csv
expect 1 "draw --out LINK" "$crisk" draw --db $db --draw 1 --csv --out link.csv
grep -q "cannot create link.csv: it is a symbolic link" err || fail "draw --out LINK: $(cat err)"
cp err draw.err
expect 1 "quarantine --export LINK" "$crisk" quarantine --db $db --export link.csv
sed 's/crisk quarantine/crisk draw/' err | cmp -s - draw.err || fail "draw --out and quarantine --export say otherwise: $(cat draw.err) / $(cat err)"
[ "$(cat victim)" = precious ] || fail "the link's target was written"
ln -s $db store-link
expect 2 "draw --out STORE-LINK" "$crisk" draw --db $db --draw 1 --csv --out store-link
expect 0 "draw --out FILE" "$crisk" draw --db $db --draw 1 --csv --out plain.csv
head -1 plain.csv | grep '^uscc,level,arm,inspectors,inspection,unstaffed,draw_state$' > /dev/null || fail "plain --out not written"
# a store that cannot be opened: a message and an exit code, not a crash (was a segfault)
expect 3 "inspect --db NO-STORE" "$crisk" inspect --db "$PWD/no-such.db" --inspection 1 --result 1 --by u
echo x > not-a-store.db
set +e; "$crisk" inspect --db not-a-store.db --inspection 1 --result 1 --by u > /dev/null 2>&1; rc=$?; set -e
[ "$rc" = 1 ] || [ "$rc" = 3 ] || fail "inspect on a file that is no store: exit $rc"
echo "inspect_exit_codes: unknown plan 3, bad --date 3, roster folder 3, --out link as every verb"
