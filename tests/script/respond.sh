#!/usr/bin/env bash
# The respond stage on a hand-built fixture (docs/respond.md): firms placed by hand in two grids
# of one street, one firm with no grid, warnings written into the monitor's tables; routing,
# idempotent dispatch, a firm gained in a new grid, the lifecycle and its refusals, deadlines
# and overdue escalation across the 2024 Spring Festival (recomputed in python from the
# calendar file), history, outcome events, a closed warning's note.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
# five firms A..E, placed by hand
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 5")
place() { q "UPDATE enterprise SET district='$2', street=$3, grid=$4 WHERE subject=$1"; }
place "${S[0]}" 440106 "'440106001'" "'440106001001'"   # A grid G1
place "${S[1]}" 440106 "'440106001'" "'440106001001'"   # B grid G1
place "${S[2]}" 440106 "'440106001'" "'440106001002'"   # C grid G2
place "${S[3]}" 440106 "'440106002'" "NULL"             # D no grid: its street
place "${S[4]}" 440106 "'440106001'" "'440106001003'"   # E grid G3, joins W1 later
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'address_cluster', 'k1', 'open', 1, 1, 1, 19700, '同一地址登记 3 户', '{}'),
   (2, 'person_cluster', 'k2', 'open', 1, 1, 1, 19700, '同一人关联 1 户', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (1, ${S[1]}), (1, ${S[2]}), (2, ${S[3]});"
cat > "$tmp/roster.csv" <<'R'
id,name,role,division,qualifications
C1,陈市,city,440100,
D1,林区,district,440106,
S1,黄所,station,440106001,
G1,张网,grid,440106001001,
G2,王网,grid,440106001002,
R
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null

"$crisk" dispatch --db "$db" --today 2024-02-01 --json > "$tmp/d1.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["warnings"],d["created"],d["coordinating"],d["escalated"])==(2,3,1,0), d' "$tmp/d1.json" \
  || fail "first dispatch counts: $(cat "$tmp/d1.json")"
# routing: W1 → G1, G2 and a coordinating task at their street; W2 → D's street
[ "$(q "SELECT group_concat(warning||':'||kind||':'||division, ' ') FROM (SELECT * FROM task ORDER BY warning, kind, division)")" = \
  "1:coordinate:440106001 1:grid:440106001001 1:grid:440106001002 2:grid:440106002" ] \
  || fail "routing: $(q 'SELECT warning,kind,division FROM task')"
# idempotent
"$crisk" dispatch --db "$db" --today 2024-02-01 --json | grep '"created":0' > /dev/null || fail "second dispatch created tasks"
[ "$(q 'SELECT count(*) FROM task')" = 4 ] || fail "second dispatch changed the task count"
# deadlines: the n-th working day after 2024-02-01, recomputed from the calendar file
python3 - "$src/data/calendar/cn_workdays.csv" "$db" <<'P' || fail "deadlines"
import csv, datetime, sqlite3, sys
ex = {r['date']: r['type'] for r in csv.DictReader(open(sys.argv[1]))}
def work(d):
    t = ex.get(d.isoformat())
    return t == 'workday' if t else d.weekday() < 5
def add(d, n):
    while n:
        d += datetime.timedelta(1)
        n -= work(d)
    return d
epoch = datetime.date(1970, 1, 1)
want = {3: 5, 2: 10, 1: 15, 0: 20}
for lvl, due, created in sqlite3.connect(sys.argv[2]).execute('SELECT level, due_day, created_day FROM task'):
    d = add(epoch + datetime.timedelta(created), want[lvl])
    assert (d - epoch).days == due, (lvl, d, epoch + datetime.timedelta(due))
assert add(datetime.date(2024, 2, 1), 5) == datetime.date(2024, 2, 7)  # 2-4 (Sunday) is worked
P
t_g1=$(q "SELECT id FROM task WHERE division='440106001001'")
t_g2=$(q "SELECT id FROM task WHERE division='440106001002'")
# the list
"$crisk" tasks --db "$db" --street 440106001 --today 2024-02-01 --csv > "$tmp/t.csv"
[ "$(tail -n +2 "$tmp/t.csv" | wc -l)" = 3 ] || fail "tasks --street lists $(cat "$tmp/t.csv")"
head -1 "$tmp/t.csv" | grep '^id,warning,detector,level,division' > /dev/null || fail "tasks header"
"$crisk" tasks --db "$db" --grid 440106001002 --json | python3 -c 'import json,sys; t=json.load(sys.stdin)["tasks"]; assert len(t)==1 and t[0]["level"]=="grid" and t[0]["due"]=="2024-02-07", t' \
  || fail "tasks --grid --json"

# refusals: exit 3 with a reason
refuse() { # why args...
    local why=$1; shift
    set +e; "$crisk" task --db "$db" "$@" 2> "$tmp/err"; local rc=$?; set -e
    [ $rc -eq 3 ] || fail "task $*: exit $rc, want 3 ($why)"
    grep -q . "$tmp/err" || fail "task $*: no reason given"
}
refuse "visit before accept" "$t_g1" --visit --by G1 --today 2024-02-02
refuse "close an open task" "$t_g1" --close confirmed --by G1 --today 2024-02-02
refuse "another grid's worker" "$t_g1" --accept --by G2 --today 2024-02-02
grep -q 'may not act' "$tmp/err" || fail "wrong-user reason: $(cat "$tmp/err")"
refuse "unknown user" "$t_g1" --accept --by NOBODY --today 2024-02-02
refuse "unknown task" 999 --accept --by G1 --today 2024-02-02
"$crisk" task --db "$db" "$t_g1" --accept --by G1 --today 2024-02-02 > /dev/null
refuse "accept twice" "$t_g1" --accept --by G1 --today 2024-02-02
"$crisk" task --db "$db" "$t_g1" --visit --by S1 --today 2024-02-04 --note '现场核查' > /dev/null
refuse "unknown outcome" "$t_g1" --close maybe --by G1 --today 2024-02-05
# the classification before the outcome: A (in G1) and C (in G2, a near miss)
uscc_a=$(q "SELECT uscc FROM enterprise WHERE subject=${S[0]}")
uscc_c=$(q "SELECT uscc FROM enterprise WHERE subject=${S[2]}")
"$crisk" classify --db "$db" --as-of 2024-06-30 > /dev/null
"$crisk" show --db "$db" "$uscc_a" --json > "$tmp/a0.json"
"$crisk" show --db "$db" "$uscc_c" --json > "$tmp/c0.json"
"$crisk" task --db "$db" "$t_g1" --close confirmed --by G1 --today 2024-02-05 --note '地址无实际经营' > /dev/null
[ "$(q "SELECT status||'|'||outcome FROM task WHERE id=$t_g1")" = "closed|confirmed" ] || fail "closed task"
# the outcome became an event of each firm in G1 (A, B), not of C
[ "$(q "SELECT count(*) FROM topic WHERE code='crisk/task_outcome' AND kind='task_outcome'")" = 1 ] || fail "no outcome topic"
"$crisk" events --db "$db" --csv | grep 'crisk/task_outcome' > "$tmp/ev.csv" || fail "no outcome events listed"
[ "$(wc -l < "$tmp/ev.csv")" = 2 ] || fail "outcome events: $(cat "$tmp/ev.csv")"
grep -q '结果.*confirmed' "$tmp/ev.csv" || fail "outcome attrs: $(cat "$tmp/ev.csv")"

# W1 gains E in grid G3 (2024-02-05): one new task, for G3 only
q "INSERT INTO warning_firm VALUES (1, ${S[4]})"
"$crisk" dispatch --db "$db" --today 2024-02-05 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert (d["created"],d["coordinating"],d["escalated"])==(1,0,0), d' \
  || fail "a firm in a new grid"
t_g3=$(q "SELECT id FROM task WHERE division='440106001003'")
[ "$(q "SELECT due_day FROM task WHERE id=$t_g3")" = "$(python3 -c 'import datetime; print((datetime.date(2024,2,18)-datetime.date(1970,1,1)).days)')" ] \
  || fail "G3's deadline is not 2024-02-18 (5 working days from 2-5 across the Spring Festival)"

# overdue escalation: on 2024-02-08 G2's task (due 2-7) goes to the street; G1's is closed
"$crisk" dispatch --db "$db" --today 2024-02-08 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert (d["created"],d["escalated"])==(0,1), d' \
  || fail "escalation on 2024-02-08"
# the street already has W1's open coordinating task: G2's task is handed to it, no new task
[ "$(q "SELECT kind||':'||division FROM task WHERE id=(SELECT escalated_to FROM task WHERE id=$t_g2)")" = "coordinate:440106001" ] \
  || fail "escalated task: $(q 'SELECT * FROM task')"
[ "$(q "SELECT count(*) FROM task WHERE kind='escalation'")" = 0 ] || fail "an escalation task beside the open coordinating one"
"$crisk" dispatch --db "$db" --today 2024-02-08 --json | grep '"escalated":0' > /dev/null || fail "escalated twice"
# G3's task is due on the make-up Sunday 2-18: not overdue on 2-17 (a naive weekday count
# would have said 2-12), overdue on 2-19
"$crisk" dispatch --db "$db" --today 2024-02-17 --json | grep '"escalated":0' > /dev/null || fail "G3 escalated before its deadline"
"$crisk" tasks --db "$db" --overdue --today 2024-02-19 --csv | cut -d, -f1 | grep -x "$t_g3" > /dev/null || fail "G3's task not listed overdue on 2-19"
"$crisk" dispatch --db "$db" --today 2024-02-19 --json | grep '"escalated":1' > /dev/null || fail "G3 not escalated on 2-19"

# a closed warning: its open task stays, its history says so, once
q "UPDATE warning SET status='closed', closed_day=19780 WHERE id=2"
"$crisk" dispatch --db "$db" --today 2024-02-19 --json | grep '"warning_closed":1' > /dev/null || fail "closed warning not noted"
"$crisk" dispatch --db "$db" --today 2024-02-19 --json | grep '"warning_closed":0' > /dev/null || fail "closed warning noted twice"
[ "$(q "SELECT status FROM task WHERE warning=2")" = open ] || fail "a closed warning's task changed"

# history complete: every task has its dispatch line, every change its line with who
[ "$(q "SELECT count(*) FROM task WHERE id NOT IN (SELECT task FROM task_history WHERE action='dispatch')")" = 0 ] || fail "a task without its dispatch line"
[ "$(q "SELECT group_concat(action||':'||by||':'||coalesce(from_status,'')||'>'||to_status, ' ') FROM task_history WHERE task=$t_g1")" = \
  "dispatch:crisk:>open accept:G1:open>accepted visit:S1:accepted>visited close:G1:visited>closed" ] \
  || fail "G1's history: $(q "SELECT * FROM task_history WHERE task=$t_g1")"
[ "$(q "SELECT count(*) FROM task_history WHERE task=$t_g2 AND action='escalate'")" = 1 ] || fail "G2's escalation not in its history"
echo ok
