#!/usr/bin/env bash
# crisk draw verify on a voided draw says so — when, by whom, why, and which redraw replaced it —
# and still recomputes it (a void draw is kept and verifiable). It checks each inspection row's
# recorded inspectors (inspection.inspectors) against the draw's: a staffed inspection is made by
# its drawn inspectors, an unstaffed one keeps them (completed with --inspectors once it has a
# result). A removed row is named as one missing firm, not as a shift of every row after it.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "draw_verify_void: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 6 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
printf 'name: v\nyear: 2026\nroutine: false\nratios: {A: 50%%, B: 50%%, C: 50%%, D: 50%%}\n' > "$tmp/p.yaml"
"$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 > /dev/null
q() { sqlite3 "$db" "$1"; }
# draw 1 with the roster file, then a redraw (draw 2) voids it
"$crisk" draw --db "$db" --plan 1 --seed one --today 2026-01-06 --roster "$tmp/city/roster.csv" > /dev/null
"$crisk" draw --db "$db" --plan 1 --seed two --today 2026-01-07 --roster "$tmp/city/roster.csv" \
  --redraw --reason "种子读错" --by 王五 > /dev/null
"$crisk" draw verify --db "$db" --draw 1 > "$tmp/out" || fail "the void draw 1 does not verify: $(cat "$tmp/out")"
grep -q "voided on 2026-01-07 by 王五" "$tmp/out" && grep -q "种子读错" "$tmp/out" && grep -q "redraw: draw 2" "$tmp/out" \
  || fail "verify of draw 1 does not say it was voided by draw 2: $(cat "$tmp/out")"
"$crisk" draw verify --db "$db" --draw 1 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
v = r["void"]
assert r["match"] and v["redraw"] == 2 and v["by"] == "王五" and v["day"] == "2026-01-07", r' \
  || fail "verify --json of draw 1: no void"
# the redraw's stored report names the draw it voided
[ "$(sqlite3 "$db" "SELECT json_extract(report, '$.voided_draw') FROM draw WHERE id=2")" = 1 ] \
  || fail "draw 2's stored report does not name the voided draw 1"
# the near miss: the standing draw 2 is not said to be void
"$crisk" draw verify --db "$db" --draw 2 > "$tmp/out" || fail "draw 2 does not verify: $(cat "$tmp/out")"
! grep -qi "void" "$tmp/out" || fail "the standing draw 2 is said void: $(cat "$tmp/out")"
"$crisk" draw verify --db "$db" --draw 2 --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["void"] is None and r["inspections_checked"], r' || fail "verify --json of draw 2"
# results: a staffed inspection with its drawn inspectors; an unstaffed one completed from the
# store's roster. Both still verify.
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
i1=$(q "SELECT id FROM inspection WHERE draw=2 AND unstaffed IS NULL ORDER BY id LIMIT 1")
"$crisk" inspect --db "$db" --inspection "$i1" --result 1 --by u --date 2026-01-08 --today 2026-01-09 > /dev/null
"$crisk" draw verify --db "$db" --draw 2 > "$tmp/out" || fail "a result broke verify: $(cat "$tmp/out")"
# tampering with inspection.inspectors: a staffed one given others, one with no result changed
tamper() { # sql regex
  cp "$db" "$tmp/t.db"; sqlite3 "$tmp/t.db" "$1"
  local rc=0; "$crisk" draw verify --db "$tmp/t.db" --draw 2 > "$tmp/out" || rc=$?
  [ $rc = 1 ] && grep -Eq "$2" "$tmp/out" || fail "verify after '$1': exit $rc: $(cat "$tmp/out")"
}
tamper "UPDATE inspection SET inspectors='X-1;X-2' WHERE id=$i1" "inspection $i1 .*recorded inspectors 'X-1;X-2'"
i2=$(q "SELECT id FROM inspection WHERE draw=2 AND result IS NULL ORDER BY id LIMIT 1")
tamper "UPDATE inspection SET inspectors=inspectors || ';X-3' WHERE id=$i2" "inspection $i2 .*recorded inspectors"
# a removed inspection row is one missing firm, named; the others still match
k=$(q "SELECT s.key FROM inspection i JOIN subject s ON s.id=i.subject WHERE i.draw=2 ORDER BY s.key LIMIT 1 OFFSET 1")
tamper "DELETE FROM inspection WHERE draw=2 AND subject=(SELECT id FROM subject WHERE key='$k')" "$k is in the recomputed draw but not recorded"
{ "$crisk" draw verify --db "$tmp/t.db" --draw 2 --json || true; } | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["differences"] == 1, r' || fail "a removed row counts as more than one difference"
echo "draw_verify_void: a void draw is said void and by which redraw; inspection inspectors checked"
