#!/usr/bin/env bash
# Closing a task above grid level (docs/respond.md "Feedback", "Closing a task above grid
# level"): a coordinating or escalation task's close writes the outcome events of the firms it
# names that no closed grid task answered — one per (warning, firm), checked in python against
# the events — and closes the open tasks of its warning below it (a history line each, with
# who and when), so nothing runs overdue and escalates for ever; tasks of another street and of
# other warnings stay open (near misses); a task below with a later step refuses the close. The
# escalation note dates overdue from the day after the due day, and crisk tasks --overdue leaves
# out the tasks of closed warnings, as the map does.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_close_above: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 11 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 11")
place() { q "UPDATE enterprise SET district='440106', street='$2', grid=$3 WHERE subject=$1"; }
place "${S[0]}" 440106001 "'440106001001'"   # A  W1, G1
place "${S[1]}" 440106001 "'440106001001'"   # B  W1, G1
place "${S[2]}" 440106001 "'440106001002'"   # C  W1, G2
place "${S[3]}" 440106001 "NULL"             # D  W1, owned by the street
place "${S[4]}" 440106001 "'440106001001'"   # E  W2, G1
place "${S[5]}" 440106002 "'440106002001'"   # F  W2, another street
place "${S[6]}" 440106001 "'440106001001'"   # H  W3, G1
place "${S[7]}" 440106001 "'440106001002'"   # I  W3, G2
place "${S[8]}" 440106001 "'440106001001'"   # J  W4 alone in G1 (never closed)
place "${S[9]}" 440106001 "'440106001001'"   # K  W5 alone in G1, its warning closes
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'address_cluster', 'k1', 'open', 1, 1, 1, 20400, 'w1', '{}'),
   (2, 'person_cluster', 'k2', 'open', 1, 1, 1, 20400, 'w2', '{}'),
   (3, 'address_cluster', 'k3', 'open', 1, 1, 1, 20400, 'w3', '{}'),
   (4, 'zombie', 'k4', 'open', 1, 1, 1, 20400, 'w4', '{}'),
   (5, 'zombie', 'k5', 'open', 1, 1, 1, 20400, 'w5', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (1, ${S[1]}), (1, ${S[2]}), (1, ${S[3]}),
     (2, ${S[4]}), (2, ${S[5]}), (3, ${S[6]}), (3, ${S[7]}), (4, ${S[8]}), (5, ${S[9]});"
cat > "$tmp/roster.csv" <<'R'
id,name,role,division,qualifications
D1,林区,district,440106,
S1,黄所,station,440106001,
S2,何所,station,440106002,
G1,张网,grid,440106001001,
G2,王网,grid,440106001002,
R
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
tid() { q "SELECT id FROM task WHERE warning=$1 AND kind='$2' AND division='$3'"; }
act() { "$crisk" task --db "$db" "$@" > /dev/null 2> "$tmp/err" || fail "task $*: $(cat "$tmp/err")"; }
# the outcome events per (warning, subject): "W:subject:outcome:task:kind" lines, sorted
events() {
    "$crisk" events --db "$db" --csv | python3 -c '
import csv, json, sys
for r in csv.DictReader(sys.stdin):
    if r["topic"] == "crisk/task_outcome":
        a = json.loads(r["attrs"])
        print("%s:%s:%s:%s:%s" % (a["预警"], r["subject"], a["结果"], a["任务"], a["级别"]))' | sort
}

# (a) W1: G1's grid task closes confirmed (A, B); then the street's coordinating task closes
# false_alarm: it speaks for C (G2's task open) and D (the street's own task open), not again
# for A and B, and closes those two tasks
g1=$(tid 1 grid 440106001001); g2=$(tid 1 grid 440106001002); gs=$(tid 1 grid 440106001)
co=$(tid 1 coordinate 440106001)
[ -n "$g1" ] && [ -n "$g2" ] && [ -n "$gs" ] && [ -n "$co" ] || fail "W1's routing: $(q 'SELECT * FROM task WHERE warning=1')"
act "$g1" --accept --by G1 --today 2026-01-06
act "$g1" --close confirmed --by G1 --today 2026-01-06
act "$co" --accept --by S1 --today 2026-01-07
"$crisk" task --db "$db" "$co" --close false_alarm --by S1 --today 2026-01-07 --note '已核实为正常经营' > "$tmp/out" \
  || fail "closing the coordinating task failed"
grep -q "task $co closed, and 2 open task(s) of its warning below it" "$tmp/out" || fail "close says: $(cat "$tmp/out")"
events | grep '^1:' > "$tmp/w1.txt" || true
want="1:${S[0]}:confirmed:$g1:grid
1:${S[1]}:confirmed:$g1:grid
1:${S[2]}:false_alarm:$co:coordinate
1:${S[3]}:false_alarm:$co:coordinate"
[ "$(cat "$tmp/w1.txt")" = "$(sort <<< "$want")" ] || fail "W1's outcome events: $(cat "$tmp/w1.txt")"
for t in $g2 $gs; do
    [ "$(q "SELECT status||'|'||outcome FROM task WHERE id=$t")" = "closed|false_alarm" ] \
      || fail "task $t below the coordinating one: $(q "SELECT * FROM task WHERE id=$t")"
    [ "$(q "SELECT at||'|'||by||'|'||action||'|'||from_status||'|'||to_status FROM task_history WHERE task=$t ORDER BY rowid DESC LIMIT 1")" = "20460|S1|close|open|closed" ] \
      || fail "task $t's close line: $(q "SELECT * FROM task_history WHERE task=$t")"
    q "SELECT note FROM task_history WHERE task=$t AND action='close'" | grep "^closed by task $co above (coordinate, 440106001): false_alarm" > /dev/null \
      || fail "task $t's close note: $(q "SELECT note FROM task_history WHERE task=$t")"
done
[ "$(q "SELECT status||'|'||outcome FROM task WHERE id=$g1")" = "closed|confirmed" ] || fail "G1's closed task changed"
[ "$(q "SELECT count(*) FROM task_history WHERE task=$g1")" = 3 ] || fail "G1's closed task got a line"
# near misses: the other warnings' tasks in the same grids are untouched
[ "$(q "SELECT count(*) FROM task WHERE warning IN (3, 4, 5) AND status != 'open'")" = 0 ] || fail "another warning's task closed"

# (b) W2 (E in street 001, F in street 002; coordinated by the district): the grid tasks run
# overdue and go to new escalation tasks of their streets; the note dates overdue from the day
# after the due day
e=$(tid 2 grid 440106001001); f=$(tid 2 grid 440106002001); dc=$(tid 2 coordinate 440106)
[ "$(q "SELECT date(due_day*86400,'unixepoch') FROM task WHERE id=$e")" = 2026-01-12 ] || fail "E's deadline"
"$crisk" dispatch --db "$db" --today 2026-01-13 > /dev/null
q "SELECT note FROM task_history WHERE task=$e AND action='escalate'" | grep "^overdue since 2026-01-13 (due 2026-01-12): escalated to new task" > /dev/null \
  || fail "the escalate note: $(q "SELECT note FROM task_history WHERE task=$e")"
es1=$(tid 2 escalation 440106001); es2=$(tid 2 escalation 440106002)
[ -n "$es1" ] && [ -n "$es2" ] || fail "W2's escalations: $(q 'SELECT * FROM task WHERE warning=2')"
q "SELECT note FROM task_history WHERE task=$es1 AND action='dispatch'" | grep "overdue since 2026-01-13 (due 2026-01-12)" > /dev/null \
  || fail "the escalation's dispatch note: $(q "SELECT note FROM task_history WHERE task=$es1")"
# street 001's escalation closes: E's grid task with it, F's (street 002) stays open
act "$es1" --accept --by S1 --today 2026-01-14
act "$es1" --close case_filed --by S1 --today 2026-01-14
[ "$(q "SELECT status FROM task WHERE id=$e")" = closed ] || fail "E's grid task not closed by the street's escalation"
[ "$(q "SELECT group_concat(status, ' ') FROM (SELECT status FROM task WHERE id IN ($f, $es2, $dc) ORDER BY id)")" = "open open open" ] \
  || fail "tasks outside street 001 changed: $(q 'SELECT * FROM task WHERE warning=2')"
# the district's coordinating task closes: F's grid task and street 002's escalation with it
act "$dc" --accept --by D1 --today 2026-01-15
act "$dc" --close confirmed --by D1 --today 2026-01-15
[ "$(q "SELECT count(*) FROM task WHERE warning=2 AND status != 'closed'")" = 0 ] || fail "W2 tasks left open: $(q 'SELECT * FROM task WHERE warning=2')"
events | grep '^2:' > "$tmp/w2.txt" || true
want="2:${S[4]}:case_filed:$es1:escalation
2:${S[5]}:confirmed:$dc:coordinate"
[ "$(cat "$tmp/w2.txt")" = "$(sort <<< "$want")" ] || fail "W2's outcome events: $(cat "$tmp/w2.txt")"

# (c) W3: G2's task has a step after the day the coordinating task would close: refused naming
# it, nothing changed; on that day it closes
i=$(tid 3 grid 440106001002); c3=$(tid 3 coordinate 440106001)
act "$i" --accept --by G2 --today 2026-01-20
act "$c3" --accept --by S1 --today 2026-01-16
set +e; "$crisk" task --db "$db" "$c3" --close confirmed --by S1 --today 2026-01-16 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 3 ] && grep -q "task $i: --today 2026-01-16 is before its previous step (accept on 2026-01-20)" "$tmp/err" \
  || fail "a close before a step below it: exit $rc, $(cat "$tmp/err")"
[ "$(q "SELECT status FROM task WHERE id=$c3")" = accepted ] && [ -z "$(events | grep '^3:')" ] || fail "the refused close changed something"
act "$c3" --close confirmed --by S1 --today 2026-01-20
[ "$(q "SELECT count(*) FROM task WHERE warning=3 AND status != 'closed'")" = 0 ] || fail "W3 tasks left open"
[ "$(events | grep -c '^3:')" = 2 ] || fail "W3's events: $(events)"

# one event per (warning, firm) in all
events | python3 -c '
import collections, sys
n = collections.Counter(tuple(l.split(":")[:2]) for l in sys.stdin)
assert n and max(n.values()) == 1, n' || fail "a (warning, firm) with two outcome events: $(events)"

# months later: nothing of W1-W3 is overdue or escalated; W4's open task is (a near miss); W5's
# task is open and past due but its warning closed: not overdue, as on the map
q "UPDATE warning SET status='closed', closed_day=20470 WHERE id=5"
"$crisk" dispatch --db "$db" --today 2026-06-01 --json > "$tmp/d.json"
# (W5's grid task and the escalation it was handed to on 01-13 are noted)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["warning_closed"] == 2, d' "$tmp/d.json" || fail "dispatch: $(cat "$tmp/d.json")"
[ "$(q "SELECT count(*) FROM task_history WHERE action='escalate' AND at > 20466 AND task IN (SELECT id FROM task WHERE warning <= 3)")" = 0 ] \
  || fail "a closed warning's chain escalated"
"$crisk" tasks --db "$db" --overdue --today 2026-06-01 --csv > "$tmp/od.csv"
[ "$(tail -n +2 "$tmp/od.csv" | cut -d, -f2 | sort -u | tr '\n' ' ')" = "4 " ] || fail "overdue tasks: $(cat "$tmp/od.csv")"
w5=$(q "SELECT id FROM task WHERE warning=5 AND kind='grid'")
"$crisk" tasks --db "$db" --today 2026-06-01 --csv | grep "^$w5," | cut -d, -f12 | grep -x 0 > /dev/null || fail "W5's task marked overdue in the CSV"
"$crisk" tasks --db "$db" --today 2026-06-01 --json | python3 -c '
import json, sys
t = {x["id"]: x for x in json.load(sys.stdin)["tasks"]}
w5 = t['"$w5"']
assert w5["overdue"] is False and w5["warning_status"] == "closed" and w5["status"] == "open", w5
assert any(x["overdue"] for x in t.values() if x["warning"] == 4)' || fail "tasks --json overdue"
echo ok
