#!/usr/bin/env bash
# `crisk draw --roster FILE` reads the file with the roster reader of `crisk roster` (one reader,
# docs/respond.md "Roster"): every row `crisk roster` refuses (an id with a space or non-ASCII,
# an unknown role, a division that is not a street code, a bad field count) is refused by the
# draw too, exit 3, naming the line, and nothing is drawn; a folder given as --roster is exit 3
# with a message. The inspectors of a draw staffed from --roster are the valid ones of its
# inspections: naming them with `crisk inspect --inspectors` is accepted exactly as leaving them
# out is, though the store's roster (crisk roster) is empty.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "draw_roster_file: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
cat > "$tmp/plan.yaml" <<'YAML'
name: roster file
year: 2026
routine: false
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
YAML
"$crisk" plan --db "$db" --file "$tmp/plan.yaml" --today 2026-01-05 > /dev/null
q() { sqlite3 "$db" "$1"; }
good=$tmp/city/roster.csv
# one bad row at a time, each after a good copy of the roster: crisk roster and crisk draw agree
line=$(grep -m1 -n ',inspector,' "$good" | cut -d: -f1)
row=$(sed -n "${line}p" "$good")
IFS=, read -r id name role div quals <<< "$row"
bad_rows=(
  "I 9,某人,inspector,$div,$quals"
  "Ｉ９,某人,inspector,$div,$quals"
  "I9,某人,inspektor,$div,$quals"
  "I9,某人,inspector,4401,$quals"
  "I9,某人,inspector,$div"
  "I9,,inspector,$div,$quals"
)
for b in "${bad_rows[@]}"; do
  { cat "$good"; printf '%s\n' "$b"; } > "$tmp/bad.csv"
  n=$(wc -l < "$tmp/bad.csv")
  rc=0; "$crisk" roster --db "$tmp/other.db" --file "$tmp/bad.csv" > /dev/null 2>&1 || rc=$?
  [ $rc = 3 ] || fail "crisk roster took '$b' (exit $rc): the test's row is not bad"
  rc=0; "$crisk" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/bad.csv" \
    > /dev/null 2> "$tmp/err" || rc=$?
  [ $rc = 3 ] || fail "draw --roster with '$b': exit $rc, want 3 ($(cat "$tmp/err"))"
  grep -q "bad.csv:$n" "$tmp/err" || fail "draw --roster with '$b': line $n not named: $(cat "$tmp/err")"
  [ "$(q 'SELECT count(*) FROM draw')" = 0 ] || fail "a draw was recorded from '$b'"
done
# a folder, and a file that is not there: bad input
mkdir "$tmp/folder"
rc=0; "$crisk" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/folder" \
  > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 3 ] || fail "draw --roster FOLDER: exit $rc, want 3 ($(cat "$tmp/err"))"
grep -q "folder" "$tmp/err" || fail "draw --roster FOLDER: no message: $(cat "$tmp/err")"
rc=0; "$crisk" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/none.csv" \
  > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 3 ] || fail "draw --roster MISSING: exit $rc, want 3 ($(cat "$tmp/err"))"
# the near miss: the good roster draws
"$crisk" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$good" > /dev/null \
  || fail "the good roster was refused"
[ "$(q 'SELECT count(*) FROM staff')" = 0 ] || fail "the store has a roster: the test needs none"
# the drawn inspectors of a --roster draw, named or left out, both accepted
q "SELECT id || ' ' || drawn FROM inspection WHERE unstaffed IS NULL ORDER BY id LIMIT 2" > "$tmp/two"
[ "$(wc -l < "$tmp/two")" = 2 ] || fail "fewer than 2 staffed inspections"
read -r i1 w1 < <(sed -n 1p "$tmp/two")
read -r i2 w2 < <(sed -n 2p "$tmp/two")
"$crisk" inspect --db "$db" --inspection "$i1" --result 1 --by u --date 2026-01-07 --today 2026-01-08 \
  > /dev/null || fail "inspection $i1 without --inspectors refused"
rev=$(echo "$w2" | tr ';' '\n' | sort -r | paste -sd';')
"$crisk" inspect --db "$db" --inspection "$i2" --result 1 --by u --date 2026-01-07 --today 2026-01-08 \
  --inspectors "$rev" > /dev/null 2> "$tmp/err" || fail "inspection $i2 --inspectors '$rev' (its drawn ones) refused: $(cat "$tmp/err")"
[ "$(q "SELECT inspectors FROM inspection WHERE id=$i2")" = "$w2" ] || fail "inspection $i2's inspectors not recorded sorted"
# near miss: an id that is neither drawn nor on any roster is still refused
i3=$(q "SELECT id FROM inspection WHERE unstaffed IS NULL AND result IS NULL ORDER BY id LIMIT 1")
rc=0; "$crisk" inspect --db "$db" --inspection "$i3" --result 1 --by u --date 2026-01-07 --today 2026-01-08 \
  --inspectors "NOBODY;ALSO-NOBODY" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 3 ] || fail "--inspectors of nobody: exit $rc, want 3"
echo "draw_roster_file: crisk roster and crisk draw --roster refuse the same rows; --roster inspectors accepted"
