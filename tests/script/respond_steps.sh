#!/usr/bin/env bash
# The task lifecycle's leftovers of issue 10 (docs/respond.md): a step dated before the task's
# previous one is refused naming it; the outcome's Chinese labels are accepted like its codes
# (and stored as codes); closing a closed task says it is closed; a reopened warning whose task
# closed gets a new task (parent = the old one, which keeps its outcome and history), while a
# warning that stayed open, or whose task is still open, gets none; an older store's task table
# gains its column.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_steps: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 6")
place() { q "UPDATE enterprise SET district='440106', street='440106001', grid='$2' WHERE subject=$1"; }
for i in 0 1 2 3 4; do place "${S[$i]}" 440106001001; done
place "${S[5]}" 440106001002
# W1..W4 one firm each in G1; W5 two firms in G1 and G2 (a coordinating task at the street); W6
# one firm in G2
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'zombie', 'k1', 'open', 1, 1, 1, 20400, 'w1', '{}'),
   (2, 'zombie', 'k2', 'open', 1, 1, 1, 20400, 'w2', '{}'),
   (3, 'zombie', 'k3', 'open', 1, 1, 1, 20400, 'w3', '{}'),
   (4, 'zombie', 'k4', 'open', 1, 1, 1, 20400, 'w4', '{}'),
   (5, 'address_cluster', 'k5', 'open', 1, 1, 1, 20400, 'w5', '{}'),
   (6, 'zombie', 'k6', 'open', 1, 1, 1, 20400, 'w6', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (2, ${S[1]}), (3, ${S[2]}), (4, ${S[3]}),
     (5, ${S[4]}), (5, ${S[5]}), (6, ${S[5]});"
cat > "$tmp/roster.csv" <<'R'
id,name,role,division,qualifications
S1,黄所,station,440106001,
G1,张网,grid,440106001001,
G2,王网,grid,440106001002,
R
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
tid() { q "SELECT id FROM task WHERE warning=$1 AND division='$2' ORDER BY id DESC LIMIT 1"; }
t1=$(tid 1 440106001001); t2=$(tid 2 440106001001); t3=$(tid 3 440106001001); t4=$(tid 4 440106001001)
refuse() { # why pattern args...
    local why=$1 pat=$2; shift 2
    set +e; "$crisk" task --db "$db" "$@" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
    [ $rc -eq 3 ] || fail "$why: exit $rc, want 3 ($(cat "$tmp/err"))"
    grep -q -- "$pat" "$tmp/err" || fail "$why: message lacks '$pat': $(cat "$tmp/err")"
}
ok() { "$crisk" task --db "$db" "$@" > /dev/null 2> "$tmp/err" || fail "task $*: $(cat "$tmp/err")"; }

# 1. dates: never before the previous step (the same day is fine)
refuse "accept dated before the dispatch" "before its previous step (dispatch on 2026-01-05)" \
  "$t1" --accept --by G1 --today 2020-01-01
[ "$(q "SELECT status FROM task WHERE id=$t1")" = open ] || fail "a refused step changed the task"
ok "$t1" --accept --by G1 --today 2026-01-07
# dispatch writes history too: not dated before the latest step either (the same day is fine)
set +e; "$crisk" dispatch --db "$db" --today 2026-01-06 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 3 ] && grep "task $t1: accept on 2026-01-07" "$tmp/err" > /dev/null \
  || fail "dispatch dated before a step: exit $rc, $(cat "$tmp/err")"
"$crisk" dispatch --db "$db" --today 2026-01-07 > /dev/null || fail "dispatch on the day of the latest step refused"
refuse "visit dated before the accept" "(accept on 2026-01-07)" "$t1" --visit --by G1 --today 2026-01-06
ok "$t1" --visit --by G1 --today 2026-01-07
refuse "close dated before the visit" "(visit on 2026-01-07)" "$t1" --close confirmed --by G1 --today 2026-01-05
[ "$("$crisk" events --db "$db" --csv | grep -c 'crisk/task_outcome')" = 0 ] || fail "a refused close wrote an outcome event"

# 2. the Chinese labels, whole or in part, are outcomes like their codes; stored as codes
ok "$t1" --close 属实 --by G1 --today 2026-01-08
ok "$t2" --accept --by G1 --today 2026-01-06
ok "$t2" --close 误报 --by G1 --today 2026-01-06
ok "$t3" --accept --by G1 --today 2026-01-06
ok "$t3" --close 查无此企业 --by G1 --today 2026-01-06
ok "$t4" --accept --by G1 --today 2026-01-06
refuse "an outcome none of the vocabulary" "unknown outcome '属实了'" "$t4" --close 属实了 --by G1 --today 2026-01-06
ok "$t4" --close 不属实/误报 --by G1 --today 2026-01-06
[ "$(q "SELECT group_concat(outcome, ' ') FROM (SELECT outcome FROM task WHERE id IN ($t1,$t2,$t3,$t4) ORDER BY id)")" = \
  "confirmed false_alarm not_found false_alarm" ] || fail "outcomes stored: $(q 'SELECT id, outcome FROM task')"
"$crisk" events --db "$db" --csv | grep 'crisk/task_outcome' > "$tmp/ev.csv" || fail "no outcome events"
grep -q '结果.*confirmed' "$tmp/ev.csv" || fail "the event of 属实 does not carry the code: $(cat "$tmp/ev.csv")"
grep -q '2026-01-08' "$tmp/ev.csv" || fail "the outcome event is not dated on the closing day: $(cat "$tmp/ev.csv")"
"$crisk" tasks --db "$db" --status closed --csv | grep "^$t3,.*,not_found,查无此企/无法联系," > /dev/null || fail "tasks lists no label for not_found"

# 3. closing twice: the task is closed, not "accept it first"
refuse "close twice" "already closed" "$t1" --close confirmed --by G1 --today 2026-01-09
grep -q "accept it first" "$tmp/err" && fail "closing a closed task advises to accept it: $(cat "$tmp/err")"
refuse "accept a closed task" "already closed" "$t1" --accept --by G1 --today 2026-01-09
refuse "visit an open task" "accept it first" "$(tid 5 440106001001)" --visit --by G1 --today 2026-01-09

# 4. reopened warnings (the monitor's writes, by hand): W1 (its task closed) closes and reopens;
# W2 (its task closed) stays open, a near miss; W5 closes and reopens with its G1 and
# coordinating tasks closed (closing the coordinating task closed its G2 task too); W6 closes and
# reopens with its G2 task still open (accepted), which stands for the reopened warning.
reopen() { q "UPDATE warning SET status='closed', closed_day=20500 WHERE id=$1;
              INSERT INTO warning_history(warning, run, change) VALUES ($1, 2, 'closed');
              UPDATE warning SET status='open', closed_day=NULL, opened_day=20530 WHERE id=$1;
              INSERT INTO warning_history(warning, run, change) VALUES ($1, 3, 'reopened');"; }
t5g1=$(tid 5 440106001001); t5g2=$(tid 5 440106001002); t5c=$(tid 5 440106001); t6=$(tid 6 440106001002)
ok "$t5g1" --accept --by G1 --today 2026-01-06
ok "$t5g1" --close confirmed --by G1 --today 2026-01-06
ok "$t5c" --accept --by S1 --today 2026-01-06
ok "$t5c" --close confirmed --by S1 --today 2026-01-06
[ "$(q "SELECT status||'|'||outcome FROM task WHERE id=$t5g2")" = "closed|confirmed" ] \
  || fail "closing the coordinating task left W5's G2 task: $(q "SELECT * FROM task WHERE id=$t5g2")"
ok "$t6" --accept --by G2 --today 2026-01-06
reopen 1
reopen 5
reopen 6
n_tasks=$(q "SELECT count(*) FROM task WHERE kind != 'escalation'")
"$crisk" dispatch --db "$db" --today 2026-02-02 --json > "$tmp/d.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (d["created"], d["coordinating"]) == (3, 1), d' "$tmp/d.json" \
  || fail "dispatch after the reopenings: $(cat "$tmp/d.json")"
# (W6's accepted task, overdue, is also handed to a new escalation task of the street)
[ "$(q "SELECT count(*) FROM task WHERE kind != 'escalation'")" = $((n_tasks + 4)) ] || fail "task count after reopening"
n1=$(tid 1 440106001001)
[ "$n1" != "$t1" ] || fail "no new task for reopened W1"
[ "$(q "SELECT kind||'|'||status||'|'||parent||'|'||opening FROM task WHERE id=$n1")" = "grid|open|$t1|1" ] \
  || fail "W1's new task: $(q "SELECT * FROM task WHERE id=$n1")"
q "SELECT note FROM task_history WHERE task=$n1 AND action='dispatch'" | grep "reopened after task $t1 closed" > /dev/null \
  || fail "the new task's dispatch line does not name the closed one"
# the old task keeps its outcome and its whole history
[ "$(q "SELECT status||'|'||outcome FROM task WHERE id=$t1")" = "closed|confirmed" ] || fail "the old task changed"
[ "$(q "SELECT group_concat(action, ' ') FROM task_history WHERE task=$t1")" = "dispatch accept visit close" ] \
  || fail "the old task's history: $(q "SELECT * FROM task_history WHERE task=$t1")"
# W5: the closed G1, G2 and coordinating tasks get successors; W6's open G2 task stands
[ "$(tid 5 440106001001)" != "$t5g1" ] || fail "no new G1 task for reopened W5"
[ "$(tid 5 440106001002)" != "$t5g2" ] || fail "no new G2 task for reopened W5"
[ "$(tid 5 440106001)" != "$t5c" ] || fail "no new coordinating task for reopened W5"
[ "$(tid 6 440106001002)" = "$t6" ] || fail "W6's open G2 task was duplicated"
# near miss: W2 stayed open with its task closed: nothing new
[ "$(q 'SELECT count(*) FROM task WHERE warning=2')" = 1 ] || fail "a warning that never closed got a second task"
# idempotent, and a new task once closed is not replaced again
"$crisk" dispatch --db "$db" --today 2026-02-02 --json | grep '"created":0' > /dev/null || fail "second dispatch created tasks"
ok "$n1" --accept --by G1 --today 2026-02-03
ok "$n1" --close 属实 --by G1 --today 2026-02-03
"$crisk" dispatch --db "$db" --today 2026-02-03 --json | grep '"created":0' > /dev/null || fail "a closed task of the current opening was replaced"
# reopened a second time: a third task, whose parent is the second
reopen 1
"$crisk" dispatch --db "$db" --today 2026-03-02 > /dev/null
n1b=$(tid 1 440106001001)
[ "$(q "SELECT parent||'|'||opening FROM task WHERE id=$n1b")" = "$n1|2" ] || fail "W1's third task: $(q "SELECT * FROM task WHERE warning=1")"

# an older version-5 store (no task.opening): dispatch adds the column, readers list as before
q "ALTER TABLE task DROP COLUMN opening"
"$crisk" tasks --db "$db" --csv > /dev/null || fail "tasks on a store without task.opening"
"$crisk" dispatch --db "$db" --today 2026-03-02 > /dev/null || fail "dispatch on a store without task.opening"
[ "$(q "SELECT count(*) FROM pragma_table_info('task') WHERE name='opening'")" = 1 ] || fail "task.opening not added"
echo ok
