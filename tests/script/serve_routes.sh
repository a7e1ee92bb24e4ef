#!/usr/bin/env bash
# The workflow routes of crisk serve against a real server on a generated city, checked against
# the store (sqlite3) and the command line: warnings and tasks a district or grid user sees are
# exactly the store's of the jurisdiction, a warning's firms and evidence stay inside it, the push
# workbook holds the division's rows, task transitions write the task, its history and the
# outcome events (and refuse what the lifecycle or the roster refuse), inspections' publish_by
# is crisk inspections --due's, background jobs run one at a time (409 while one runs, 503 while
# a verb holds the writer lock) and record what the verbs record. The authorization matrix of
# these routes is in tests/api/matrix.tsv (serve_api.sh).
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_routes "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 1500 --seed 11 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
"$CRISK" monitor --db "$db" >/dev/null
# The district and grid with the most warned firms; users and roster staff of the same names.
G=$(q "SELECT e.grid FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
       JOIN warning w ON w.id = wf.warning WHERE w.status = 'open' AND e.grid IS NOT NULL
       GROUP BY e.grid ORDER BY count(*) DESC, e.grid LIMIT 1")
D=${G:0:6}
cp "$tmp/city/roster.csv" "$tmp/roster.csv"
printf 'u_district,区局乙,district,%s,\nu_grid,网格丁,grid,%s,\n' "$D" "$G" >>"$tmp/roster.csv"
"$CRISK" roster --db "$db" --file "$tmp/roster.csv" >/dev/null
"$CRISK" dispatch --db "$db" --today 2026-01-05 >/dev/null
"$CRISK" plan --db "$db" --file "$tmp/city/plans/annual.yaml" --today 2026-01-05 >/dev/null
"$CRISK" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/roster.csv" >/dev/null
echo "pw-d-secret" | "$CRISK" user add --db "$db" --name u_district --role district --scope "$D" >/dev/null
echo "pw-g-secret" | "$CRISK" user add --db "$db" --name u_grid --role grid --scope "$G" >/dev/null
echo "pw-a-secret" | "$CRISK" user add --db "$db" --name u_admin --role city_admin >/dev/null

# the respond policy's note limit holds for the API's task steps too
sed 's/^note_max_bytes: .*/note_max_bytes: 16/' "$src/models/respond.yaml" >"$tmp/respond.yaml"
CRISK_RESPOND=$tmp/respond.yaml CRISK_JOB_PAUSE_FILE=$tmp/pause serve_start serve
declare -A tok
for u in district:pw-d-secret grid:pw-g-secret admin:pw-a-secret; do
    serve_login "$U" "$tmp/jar.${u%%:*}" "u_${u%%:*}" "${u#*:}" >/dev/null
    tok[${u%%:*}]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")
done
get() { curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.$1" "$U$2"; }
post() { curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.$1" -H "X-CSRF-Token: ${tok[$1]}" \
    -H 'Content-Type: application/json' --data-binary "$3" "$U$2"; }
jget() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); exec("print(" + sys.argv[2] + ")")' "$tmp/body" "$1"; }
job_wait() { # ID: until the job is no longer running (30 s at most); its answer in $tmp/body
    for _ in $(seq 300); do
        get admin "/api/v1/jobs/$1" >/dev/null
        [ "$(jget 'o["state"]')" = running ] || break
        sleep 0.1
    done
}

# ---- warnings: exactly the store's with a firm in the jurisdiction ----
for who in district:$D grid:$G; do
    u=${who%%:*} code=${who#*:}
    [ "$(get "$u" '/api/v1/warnings?limit=500')" = 200 ] || fail "warnings as $u: $(cat "$tmp/body")"
    got=$(jget "','.join(str(w['id']) for w in sorted(o['warnings'], key=lambda w: w['id']))")
    want=$(q "SELECT group_concat(id, ',') FROM (SELECT DISTINCT w.id FROM warning w
              JOIN warning_firm wf ON wf.warning = w.id JOIN enterprise e ON e.subject = wf.subject
              WHERE substr(e.grid, 1, ${#code}) = '$code' OR substr(e.street, 1, ${#code}) = '$code'
              OR e.district = '$code' ORDER BY w.id)")
    [ -n "$want" ] && [ "$got" = "$want" ] || fail "warnings as $u: $got, the store says $want"
    # each one: its firms and its evidence's firms inside the jurisdiction, the others counted
    # a NUL in the path does not cut it: /warnings/ID%00x is no route's path (it answered ID's)
    first=${got%%,*}
    [ "$(get "$u" "/api/v1/warnings/$first%00x")" != 200 ] || fail "warnings/$first%00x answered as warnings/$first"
    for id in ${got//,/ }; do
        [ "$(get "$u" "/api/v1/warnings/$id")" = 200 ] || fail "warning $id as $u"
        [ "$(jget "all(f['grid'].startswith('$code') or f['district'] == '$code' for f in o['firm_list'])
                   and {f['uscc'] for f in o['evidence'].get('firms', [])} <= {f['uscc'] for f in o['firm_list']}")" = True ] ||
            fail "warning $id as $u shows a firm outside $code"
        [ "$(jget "o['firms'] + o['firms_outside']")" = "$(q "SELECT count(*) FROM warning_firm WHERE warning = $id")" ] ||
            fail "warning $id: firms and firms_outside do not add up"
    done
done

# ---- tasks: the store's of divisions inside the jurisdiction ----
[ "$(get district '/api/v1/tasks?limit=500')" = 200 ] || fail "tasks as district"
got=$(jget "','.join(str(t['id']) for t in sorted(o['tasks'], key=lambda t: t['id']))")
want=$(q "SELECT group_concat(id, ',') FROM (SELECT id FROM task WHERE division LIKE '$D%' ORDER BY id)")
[ "$got" = "$want" ] || fail "tasks as district: $got, the store says $want"

# ---- the push workbook: the district's open warning rows ----
[ "$(curl -s -o "$tmp/push.xlsx" -w '%{http_code}' -b "$tmp/jar.district" "$U/api/v1/push.xlsx")" = 200 ] ||
    fail "push.xlsx as district"
rows=$(python3 - "$tmp/push.xlsx" <<'PY'
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
# every sheet's rows but its header
print(sum(max(0, len(re.findall(r"<row ", z.read(n).decode())) - 1) for n in z.namelist()
          if n.startswith("xl/worksheets/sheet")))
PY
)
want=$(q "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
          JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.district = '$D'")
[ "$rows" = "$want" ] || fail "push.xlsx has $rows rows, the district has $want open warning rows"

# ---- task transitions as the grid user ----
t=$(q "SELECT min(id) FROM task WHERE division = '$G' AND status = 'open'")
events() { q "SELECT count(*) FROM event_block b JOIN topic t ON t.id = b.topic WHERE t.code = 'crisk/task_outcome'" 2>/dev/null || echo 0; }
[ "$(post grid "/api/v1/tasks/$t/visit" '{}')" = 409 ] || fail "visiting an open task: not 409"
[ "$(post grid "/api/v1/tasks/$t/accept" '{"by":"u_district"}')" = 403 ] || fail "acting as a staff member outside the grid"
[ "$(get grid /api/v1/vocabulary)" = 200 ] && [ "$(jget 'o["note_max_bytes"]')" = 16 ] ||
    fail "the vocabulary does not give the policy's note limit (the UI counts against it): $(cat "$tmp/body")"
[ "$(post grid "/api/v1/tasks/$t/accept" '{"note":"12345678901234567"}')" = 400 ] &&
    grep >/dev/null -F 'at most 16 bytes (note_max_bytes' "$tmp/body" || fail "a 17-byte note under a 16-byte policy: $(cat "$tmp/body")"
for day in 2026-1-5 2026/01/05 20260105 "2026-01-05 " 2026-02-30; do
    [ "$(post grid "/api/v1/tasks/$t/accept" "{\"day\":\"$day\"}")" = 400 ] || fail "accept dated '$day': $(cat "$tmp/body")"
done
[ "$(q "SELECT status FROM task WHERE id = $t")" = open ] || fail "a refused accept moved the task"
[ "$(post grid "/api/v1/tasks/$t/accept" '{"note":"收到"}')" = 200 ] || fail "accept: $(cat "$tmp/body")"
[ "$(post grid "/api/v1/tasks/$t/close" '{"note":"x"}')" = 400 ] || fail "close without an outcome"
[ "$(post grid "/api/v1/tasks/$t/close" '{"outcome":"nonsense"}')" = 400 ] || fail "close with an unknown outcome"
[ "$(post grid "/api/v1/tasks/$t/close" '{"outcome":"confirmed","note":"abc\u202edef"}')" = 400 ] &&
    grep >/dev/null -F 'U+202E' "$tmp/body" || fail "a note with a bidi override: $(cat "$tmp/body")"
[ "$(q "SELECT status FROM task WHERE id = $t")" = accepted ] || fail "a refused close wrote"
[ "$(post grid "/api/v1/tasks/$t/close" '{"outcome":"false_alarm","note":"现场核实"}')" = 200 ] || fail "close: $(cat "$tmp/body")"
[ "$(q "SELECT status || ' ' || outcome FROM task WHERE id = $t")" = "closed false_alarm" ] || fail "the task is not closed"
[ "$(q "SELECT group_concat(action || ':' || by, ',') FROM (SELECT * FROM task_history WHERE task = $t ORDER BY rowid)")" = \
    "dispatch:crisk,accept:u_grid,close:u_grid" ] || fail "task history: $(q "SELECT * FROM task_history WHERE task = $t")"
[ "$(jget "o['status'] + ' ' + o['outcome_label'] + ' ' + str(o['next'])")" = "closed 不属实/误报 []" ] ||
    fail "the answer of close: $(cat "$tmp/body")"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'task.close' AND user = 'u_grid' AND object = 'task:$t'")" -ge 1 ] ||
    fail "the transitions are not audited"

# ---- inspections: publish_by and late as crisk inspections --due ----
i=$(q "SELECT min(i.id) FROM inspection i JOIN enterprise e ON e.subject = i.subject WHERE e.district = '$D'")
[ "$(post district "/api/v1/inspections/$i/result" '{"result":"B","day":"2026-01-20"}')" = 200 ] ||
    fail "result: $(cat "$tmp/body")"
[ "$(post district "/api/v1/inspections/$i/result" '{"result":"1"}')" = 409 ] || fail "a second result"
[ "$(get district '/api/v1/inspections?due=1&today=2026-03-01')" = 200 ] || fail "inspections due"
got=$(jget "';'.join('%d,%s,%s' % (x['id'], x['publish_by'], int(x['late'])) for x in o['inspections'])")
want=$("$CRISK" inspections --db "$db" --due --today 2026-03-01 --csv | tail -n +2 | cut -d, -f1,15,16 | tr '\n' ';')
[ "$got;" = "$want" ] || fail "inspections due: $got, crisk inspections says $want"

# ---- background jobs ----
touch "$tmp/pause"
[ "$(post admin /api/v1/jobs '{"kind":"classify"}')" = 202 ] || fail "start a classification: $(cat "$tmp/body")"
job=$(jget 'o["id"]')
[ "$(post admin /api/v1/jobs '{"kind":"monitor"}')" = 409 ] || fail "a second job while one runs"
[ "$(jget 'o["error"]["code"]')" = job_running ] || fail "the second job's error"
[ "$(get admin "/api/v1/jobs/$job")" = 200 ] && [ "$(jget 'o["state"]')" = running ] || fail "the job is not running"
# The job holds the writer lock: a verb waits for nothing and is refused.
"$CRISK" dispatch --db "$db" --today 2026-01-05 >/dev/null 2>&1 && fail "a verb ran while the job held the lock"
rm "$tmp/pause"
job_wait "$job"
[ "$(jget 'o["state"] + " " + str(o["progress"])')" = "done 1.0" ] || fail "the job: $(cat "$tmp/body")"
run=$(jget 'o["result"]["run"]')
[ "$run" = "$(q 'SELECT max(id) FROM run')" ] || fail "the job's run is not the store's latest"
[ "$(jget "','.join(str(o['result']['levels'][l]) for l in 'ABCD')")" = \
    "$(q "SELECT group_concat(n, ',') FROM (SELECT count(*) AS n FROM run_score WHERE run = $run GROUP BY level ORDER BY level)")" ] ||
    fail "the job's level counts are not the store's"
# A verb holding the writer lock: the job is refused at once.
flock -o "$db.lock" sleep 5 & # -o: the lock is flock's own, gone when it is killed
lockpid=$!
sleep 0.5
[ "$(post admin /api/v1/jobs '{"kind":"monitor"}')" = 503 ] || fail "a job while a verb holds the lock: $(cat "$tmp/body")"
[ "$(jget 'o["error"]["code"]')" = store_busy ] || fail "the refused job's error"
kill "$lockpid" 2>/dev/null || true
wait "$lockpid" 2>/dev/null || true
[ "$(post admin /api/v1/jobs '{"kind":"learn"}')" = 400 ] || fail "learn without a label"
[ "$(post admin /api/v1/jobs '{"kind":"rebuild"}')" = 400 ] || fail "an unknown kind"

# A learn job measures the champion as crisk learn does.
label=$(ls "$tmp"/city/labels/*.yaml | head -1)
body=$(python3 -c 'import json,sys; print(json.dumps({"kind": "learn", "label": open(sys.argv[1]).read()}))' "$label")
[ "$(post admin /api/v1/jobs "$body")" = 202 ] || fail "start a learn run: $(cat "$tmp/body")"
job=$(jget 'o["id"]')
job_wait "$job"
[ "$(jget 'o["state"]')" = done ] || fail "the learn job: $(cat "$tmp/body")"
got=$(jget "'%.9f %.9f' % (o['result']['champion']['auc'], o['result']['champion']['ks'])")
want=$("$CRISK" learn --db "$db" --label "$label" --method scorecard --out "$tmp/learn" --json |
    python3 -c 'import json,sys; m=json.load(sys.stdin)["models"][0]; print("%.9f %.9f" % (m["auc"], m["ks"]))')
[ "$got" = "$want" ] || fail "the learn job's champion AUC and KS $got, crisk learn says $want"

serve_stop "" clean TERM
if grep -l 'Sanitizer' "$tmp/serve.err" 2>/dev/null; then fail "a sanitizer report: $(cat "$tmp/serve.err")"; fi

# A monitor job on a bad rules file fails as bad input naming the file and line, by its name
# only: a client is never told where the server keeps its files.
printf 'version: 1\nno_such_rule: 1\n' >"$tmp/bad-rules.yaml"
CRISK_MONITOR_RULES=$tmp/bad-rules.yaml serve_start serve_rules
serve_login "$U" "$tmp/jar.admin" u_admin pw-a-secret >/dev/null
tok[admin]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")
[ "$(post admin /api/v1/jobs '{"kind":"monitor"}')" = 202 ] || fail "start a monitor job: $(cat "$tmp/body")"
job_wait "$(jget 'o["id"]')"
[ "$(jget 'o["state"] + " " + o["error"]["code"]')" = "failed bad_input" ] || fail "the bad rules job: $(cat "$tmp/body")"
msg=$(jget 'o["error"]["message"]')
case "$msg" in
bad-rules.yaml:[0-9]*) ;;
*) fail "the bad rules job's message does not start with the file's name and line: $msg" ;;
esac
case "$msg" in *"$tmp"*) fail "the job's message names the server's folder: $msg" ;; esac
# Such a job fails at once, often before its start is answered: still 202, the job started.
for n in 1 2 3 4 5 6 7 8 9 10; do
    [ "$(post admin /api/v1/jobs '{"kind":"monitor"}')" = 202 ] || fail "start $n of a failing job: $(cat "$tmp/body")"
    job_wait "$(jget 'o["id"]')"
done
serve_stop "" clean TERM

# A server whose $CRISK_MONITOR_RULES is set but empty does not start (monitor jobs would take
# the default rules silently), saying why, as crisk monitor does.
set +e
CRISK_MONITOR_RULES= "$CRISK" serve --db "$db" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/empty.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep >/dev/null -F 'CRISK_MONITOR_RULES is set but empty' "$tmp/empty.err" ||
    fail "serve with an empty \$CRISK_MONITOR_RULES: exit $rc: $(cat "$tmp/empty.err")"
echo "serve_routes: ok"
