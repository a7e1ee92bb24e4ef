#!/usr/bin/env bash
# The respond stage's ownership, outcome events, escalation chain and calendar fallback on a
# hand-built fixture (docs/respond.md): one outcome event per (warning, firm) however many tasks
# close; the coordinator of a street and one of its grids is the street; an overdue task is
# handed to the warning's open task one level up (never a second one there); a deadline past the
# calendar's years is an estimate with a warning, not a failure; a clashing outcome topic is named.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_chain: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 7")
place() { q "UPDATE enterprise SET district='$2', street=$3, grid=$4 WHERE subject=$1"; }
place "${S[0]}" 440106 "'440106001'" "'440106001001'"   # A grid 001 of street 001
place "${S[1]}" 440106 "'440106001'" "'440106001001'"   # B grid 001
place "${S[2]}" 440106 "'440106001'" "'440106001002'"   # C grid 002
place "${S[3]}" 440106 "'440106001'" "NULL"             # D owned by the street 440106001
place "${S[4]}" 440106 "'440106002'" "'440106002001'"   # E W2, grid 001 of street 002
place "${S[5]}" 440106 "'440106002'" "'440106002002'"   # F W2, grid 002 of street 002
place "${S[6]}" 440106 "'440106003'" "'440106003001'"   # G W3
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'address_cluster', 'k1', 'open', 1, 1, 1, 20000, '同一地址登记 4 户', '{}'),
   (2, 'address_cluster', 'k2', 'open', 1, 1, 1, 20000, '同一地址登记 2 户', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (1, ${S[1]}), (1, ${S[2]}), (1, ${S[3]}),
     (2, ${S[4]}), (2, ${S[5]});"
printf 'id,name,role,division,qualifications\nC1,陈市,city,440100,\n' > "$tmp/roster.csv"
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null

"$crisk" dispatch --db "$db" --today 2025-03-03 --json > /dev/null
# W1: grid tasks at 001, 002 and the street (D's owner); the coordinator is the street itself,
# the deepest division common to a street and its grids (not the district)
[ "$(q "SELECT group_concat(kind||':'||division, ' ') FROM (SELECT * FROM task WHERE warning=1 ORDER BY kind, division)")" = \
  "coordinate:440106001 grid:440106001 grid:440106001001 grid:440106001002" ] \
  || fail "W1's routing: $(q 'SELECT kind, division FROM task WHERE warning=1')"

# close every task of W1 confirmed: one task_outcome event per firm, four in all
for t in $(q "SELECT id FROM task WHERE warning=1 ORDER BY id"); do
    "$crisk" task --db "$db" "$t" --accept --by C1 --today 2025-03-04 > /dev/null
    "$crisk" task --db "$db" "$t" --close confirmed --by C1 --today 2025-03-04 > /dev/null
done
"$crisk" events --db "$db" --csv > "$tmp/ev.csv"
python3 - "$tmp/ev.csv" "${S[0]}" "${S[1]}" "${S[2]}" "${S[3]}" <<'P' || fail "outcome events: $(grep task_outcome "$tmp/ev.csv")"
import collections, csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['topic'] == 'crisk/task_outcome']
n = collections.Counter(r['subject'] for r in rows)
assert n == {s: 1 for s in sys.argv[2:6]}, n
P

# A moves to a new grid of the street after its task closed: a grid task for the new grid, but
# closing it confirmed again writes no second event for A (W1, confirmed)
q "UPDATE enterprise SET grid='440106001003' WHERE subject=${S[0]}"
"$crisk" dispatch --db "$db" --today 2025-03-05 > /dev/null
t=$(q "SELECT id FROM task WHERE warning=1 AND division='440106001003'")
[ -n "$t" ] || fail "no task for A's new grid"
"$crisk" task --db "$db" "$t" --accept --by C1 --today 2025-03-05 > /dev/null
"$crisk" task --db "$db" "$t" --close confirmed --by C1 --today 2025-03-05 > /dev/null
[ "$("$crisk" events --db "$db" --csv | grep -c "^${S[0]},.*crisk/task_outcome")" = 1 ] || fail "A's outcome written twice"

# escalation of W2 (nobody acts): grids → the street's open coordinating task; it → a new
# district task; that → a new city task; never two open tasks of W2 at one division
for d in 2025-04-03 2025-05-06 2025-06-03; do
    "$crisk" dispatch --db "$db" --today "$d" > /dev/null
    [ -z "$(q "SELECT division FROM task WHERE warning=2 AND status!='closed' GROUP BY division HAVING count(*) > 1")" ] \
      || fail "two open tasks of W2 at one division on $d: $(q 'SELECT id, kind, division FROM task WHERE warning=2')"
done
[ "$(q "SELECT group_concat(kind||':'||division, ' ') FROM (SELECT * FROM task WHERE warning=2 ORDER BY id)")" = \
  "grid:440106002001 grid:440106002002 coordinate:440106002 escalation:440106 escalation:440100" ] \
  || fail "W2's chain: $(q 'SELECT id, kind, division, parent, escalated_to FROM task WHERE warning=2')"
coord=$(q "SELECT id FROM task WHERE warning=2 AND kind='coordinate'")
[ "$(q "SELECT count(*) FROM task WHERE warning=2 AND kind='grid' AND escalated_to=$coord")" = 2 ] || fail "grids not handed to the coordinating task"
# every handing-up is in the overdue task's history, dates as YYYY-MM-DD
[ "$(q "SELECT count(*) FROM task_history h JOIN task t ON t.id=h.task WHERE t.warning=2 AND h.action='escalate'")" = 4 ] \
  || fail "escalate lines: $(q "SELECT task, note FROM task_history WHERE action='escalate'")"
[ "$(q "SELECT count(*) FROM task_history WHERE action='escalate' AND note NOT GLOB '*overdue since 2025-0[3-5]-[0-3][0-9]*'")" = 0 ] \
  || fail "escalate notes: $(q "SELECT note FROM task_history WHERE action='escalate'")"

# a deadline in a year the calendar does not cover: an estimate and a warning naming the year
cp "$db" "$tmp/y.db"
sqlite3 "$tmp/y.db" "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run,
   opened_day, summary, evidence) VALUES (3, 'address_cluster', 'k3', 'open', 1, 1, 1, 20000, '三', '{}');
   INSERT INTO warning_firm VALUES (3, ${S[6]});"
# (dates after the machine's: a policy of its own allows them, today_ahead_days)
sed 's/^today_ahead_days: .*/today_ahead_days: 36500/' "$(dirname "$0")/../../models/respond.yaml" > "$tmp/future.yaml"
for today in 2028-01-05:2028:2028-01-12 2026-12-28:2027:2027-01-04; do
    IFS=: read -r d year want <<< "$today"
    cp "$tmp/y.db" "$tmp/z.db"
    "$crisk" dispatch --db "$tmp/z.db" --config "$tmp/future.yaml" --today "$d" --json > "$tmp/o.json" 2> "$tmp/err" \
      || fail "dispatch on $d failed: $(cat "$tmp/err")"
    grep -q "does not cover $year" "$tmp/err" || fail "no warning naming $year: $(cat "$tmp/err")"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["estimated"]>=1 and d["created"]==1, d' "$tmp/o.json" \
      || fail "estimated count on $d: $(cat "$tmp/o.json")"
    [ "$("$crisk" tasks --db "$tmp/z.db" --grid 440106003001 --today "$d" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["due"])')" = "$want" ] \
      || fail "estimated deadline on $d is not $want"
    [ "$(sqlite3 "$tmp/z.db" "SELECT count(*) FROM task_history h JOIN task t ON t.id=h.task WHERE t.warning=3 AND h.action='deadline_estimated' AND h.note LIKE '%$want%$year%'")" = 1 ] \
      || fail "no estimate note on $d: $(sqlite3 "$tmp/z.db" 'SELECT * FROM task_history WHERE task IN (SELECT id FROM task WHERE warning=3)')"
done
# near miss: a deadline inside the calendar warns of nothing
cp "$tmp/y.db" "$tmp/z.db"
"$crisk" dispatch --db "$tmp/z.db" --today 2026-12-01 --json > "$tmp/o.json" 2> "$tmp/err"
[ ! -s "$tmp/err" ] || fail "warning inside the calendar: $(cat "$tmp/err")"
grep -q '"estimated":0' "$tmp/o.json" || fail "estimated inside the calendar: $(cat "$tmp/o.json")"

# a topic crisk/task_outcome that is not crisk's: the refusal names it
q "UPDATE topic SET kind='other' WHERE code='crisk/task_outcome'"
t=$(q "SELECT id FROM task WHERE warning=2 AND kind='grid' ORDER BY id LIMIT 1")
"$crisk" task --db "$db" "$t" --accept --by C1 --today 2025-06-04 > /dev/null
set +e; "$crisk" task --db "$db" "$t" --close confirmed --by C1 --today 2025-06-04 2> "$tmp/err"; rc=$?; set -e
[ $rc -ne 0 ] || fail "closing with a clashing topic succeeded"
grep -q 'topic crisk/task_outcome' "$tmp/err" || fail "the clash is not named: $(cat "$tmp/err")"
[ "$(q "SELECT status FROM task WHERE id=$t")" = accepted ] || fail "the refused close changed the task"
echo ok
