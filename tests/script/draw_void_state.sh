#!/usr/bin/env bash
# A redraw's voided draw shows as such: `crisk inspections --csv` gives each inspection its state
# (open, done, cancelled — the cancelled ones are the voided draw's inspections without a
# result), and `crisk draw --draw N --csv` of a void draw has draw_state void on every row (and
# says so on stderr). A redraw dated before the draw it voids is refused, exit 3, naming both
# days, and nothing changes.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "draw_void_state: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 6 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
printf 'name: v\nyear: 2026\nroutine: false\nratios: {A: 50%%, B: 50%%, C: 50%%, D: 50%%}\n' > "$tmp/p.yaml"
"$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 > /dev/null
"$crisk" draw --db "$db" --plan 1 --seed one --today 2026-01-08 --roster "$tmp/city/roster.csv" > /dev/null
# a result on draw 1 before it is voided: that inspection stays done
i0=$(q "SELECT id FROM inspection WHERE draw=1 AND unstaffed IS NULL ORDER BY id LIMIT 1")
[ -n "$i0" ] || fail "draw 1 staffed no inspection"
"$crisk" inspect --db "$db" --inspection "$i0" --result 1 --by u --date 2026-01-08 --today 2026-01-09 > /dev/null

# item 3: a redraw dated before the draw it voids (but after the plan's day) is refused
before=$(sqlite3 "$db" .dump | sha256sum)
rc=0
"$crisk" draw --db "$db" --plan 1 --seed two --today 2026-01-07 --roster "$tmp/city/roster.csv" \
  --redraw --reason r --by w > "$tmp/out" 2> "$tmp/err" || rc=$?
[ $rc = 3 ] || fail "a redraw dated 2026-01-07 before draw 1 (2026-01-08): exit $rc, want 3: $(cat "$tmp/err")"
grep -q "2026-01-07" "$tmp/err" && grep -q "2026-01-08" "$tmp/err" && grep -q "draw 1" "$tmp/err" \
  || fail "the refusal does not name both days and the draw: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" .dump | sha256sum)" = "$before" ] || fail "the refused redraw changed the store"
# the near miss: the same day as the draw it voids is a redraw
"$crisk" draw --db "$db" --plan 1 --seed two --today 2026-01-08 --roster "$tmp/city/roster.csv" \
  --redraw --reason r --by w > /dev/null || fail "a redraw on the voided draw's own day was refused"

# item 2: the inspections' states, against the store's own columns
"$crisk" inspections --db "$db" --csv > "$tmp/list.csv"
head -1 "$tmp/list.csv" | grep ',late,state$' > /dev/null || fail "no state column: $(head -1 "$tmp/list.csv")"
python3 - "$tmp/list.csv" "$db" <<'PY' || fail "the state column does not match the store"
import csv, sqlite3, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
db = sqlite3.connect(sys.argv[2])
want = {i: ("done" if r is not None else "cancelled" if c else "open")
        for i, r, c in db.execute("SELECT id, result, cancelled FROM inspection")}
got = {int(r["id"]): r["state"] for r in rows}
assert got == want, [(i, got.get(i), want[i]) for i in want if got.get(i) != want[i]][:5]
states = {(int(r["draw"]), r["state"]) for r in rows}
# draw 1 (void): one done, the rest cancelled; draw 2 (standing): all open
assert (1, "done") in states and (1, "cancelled") in states and (1, "open") not in states, states
assert {s for d, s in states if d == 2} == {"open"}, states
PY
# --due lists results only: all done
"$crisk" inspections --db "$db" --due --today 2026-01-09 --csv | tail -n +2 | awk -F, '$NF != "done" {exit 1}' \
  || fail "--due lists a result that is not done"

# the draw CSV: void on every row of draw 1, standing on draw 2, and said on stderr
"$crisk" draw --db "$db" --draw 1 --csv > "$tmp/d1.csv" 2> "$tmp/d1.err"
head -1 "$tmp/d1.csv" | grep '^uscc,level,arm,inspectors,inspection,unstaffed,draw_state$' > /dev/null || fail "draw csv header: $(head -1 "$tmp/d1.csv")"
n1=$(tail -n +2 "$tmp/d1.csv" | wc -l)
[ "$n1" = "$(q "SELECT count(*) FROM inspection WHERE draw=1")" ] && [ "$n1" -gt 0 ] || fail "draw 1 lists $n1 rows"
[ "$(tail -n +2 "$tmp/d1.csv" | awk -F, '{print $NF}' | sort -u)" = void ] || fail "draw 1 rows are not all void"
grep -q "draw 1 is void (voided on 2026-01-08" "$tmp/d1.err" || fail "draw 1 --csv does not say it is void: $(cat "$tmp/d1.err")"
"$crisk" draw --db "$db" --draw 2 --csv > "$tmp/d2.csv" 2> "$tmp/d2.err"
[ "$(tail -n +2 "$tmp/d2.csv" | awk -F, '{print $NF}' | sort -u)" = standing ] || fail "draw 2 rows are not all standing"
[ ! -s "$tmp/d2.err" ] || fail "the standing draw 2 says something on stderr: $(cat "$tmp/d2.err")"
echo "draw_void_state: inspections' states, a void draw's CSV, a backdated redraw refused"
