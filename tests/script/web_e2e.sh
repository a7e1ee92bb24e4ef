#!/usr/bin/env bash
# The web UI end to end in a real headless Chromium (Debian's chromium, driven by playwright-core
# from npm): a generated small city, ingested, classified twice (a trend), monitored and
# dispatched; a user per role; crisk serve on a free port; then tests/web/e2e.mjs logs in as a
# district officer, searches, opens a portrait, sees only the district's firms (a firm outside
# is not found, by search or by its address), closes a task (when the server has the task
# routes), switches to English, and checks that the page asked no other host for anything and
# broke no rule of the Content-Security-Policy. Screenshots are kept in the build directory
# (web_e2e/, beside this test's working directory).
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init web_e2e "$@"
command -v node >/dev/null || fail "node is missing: run scripts/setup.sh"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing: run scripts/setup.sh"
[ -f "$src/node_modules/playwright-core/package.json" ] || fail "node_modules/playwright-core is missing: run scripts/setup.sh (npm ci)"
[ -f "$src/node_modules/echarts/dist/echarts.min.js" ] || fail "node_modules/echarts is missing: run scripts/setup.sh (npm ci) and rebuild"
art=${CRISK_E2E_ARTIFACTS:-$PWD/web_e2e}
rm -rf "$art"
mkdir -p "$art"
db=$tmp/e.db
"$CRISK" gen --out "$tmp/city" --enterprises 1500 --seed 11 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" --as-of 2025-06-30 >/dev/null
"$CRISK" classify --db "$db" >/dev/null
"$CRISK" monitor --db "$db" --as-of 2025-12-31 >/dev/null
"$CRISK" roster --db "$db" --file "$tmp/city/roster.csv" >/dev/null
"$CRISK" dispatch --db "$db" --today 2026-01-05 >/dev/null
# An inspection plan and its draw (双随机), for the inspections page.
printf 'name: 端到端测试计划\nyear: 2026\nratios: {A: 5%%, B: 15%%, C: 30%%, D: 50%%}\nrandom_share: 10%%\n' >"$tmp/plan.yaml"
"$CRISK" plan --db "$db" --file "$tmp/plan.yaml" --today 2026-01-05 >/dev/null
"$CRISK" draw --db "$db" --plan 1 --seed "e2e 2026-01-06" --today 2026-01-06 --roster "$tmp/city/roster.csv" >/dev/null

# The district of the test: the one with the most firms; a firm in it and one outside.
D=$(q "SELECT district FROM enterprise GROUP BY district ORDER BY count(*) DESC, district LIMIT 1")
IN=$(q "SELECT uscc FROM enterprise WHERE district = '$D' AND name IS NOT NULL ORDER BY uscc LIMIT 1")
OUT=$(q "SELECT uscc FROM enterprise WHERE district <> '$D' AND name IS NOT NULL ORDER BY uscc LIMIT 1")
[ -n "$IN" ] && [ -n "$OUT" ] || fail "no firm inside or outside $D"
# A word of the outside firm's address that no firm of the district has in its name or address.
OUT_WORD=$(python3 - "$db" "$D" "$OUT" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
d, out = sys.argv[2], sys.argv[3]
addr = db.execute("SELECT address FROM enterprise WHERE uscc = ?", (out,)).fetchone()[0] or ""
for n in (4, 3):
    for i in range(len(addr) - n + 1):
        w = addr[i:i + n]
        if not w.strip() or any(c in w for c in " %_"):
            continue
        hit = db.execute("SELECT count(*) FROM enterprise WHERE district = ? AND (instr(name, ?) OR instr(address, ?))", (d, w, w)).fetchone()[0]
        if hit == 0:
            print(w)
            sys.exit(0)
print("")
PY
)
[ -n "$OUT_WORD" ] || fail "no address word that only the outside firm has"
# What the store says: the district's firm count in the latest run, the firm's name and score.
N_DISTRICT=$(q "SELECT count(*) FROM run_score r JOIN enterprise e ON e.subject = r.subject
                WHERE e.district = '$D' AND r.run = (SELECT max(id) FROM run)")
IN_NAME=$(q "SELECT name FROM enterprise WHERE uscc = '$IN'")
IN_SCORE=$(q "SELECT printf('%.2f', r.score) FROM run_score r JOIN enterprise e ON e.subject = r.subject
              WHERE e.uscc = '$IN' AND r.run = (SELECT max(id) FROM run)")
# Search by a part of the name that several firms of the city share (firm names start 广州).
SEARCH=$(python3 -c 'import sys; n = sys.argv[1]; print(n[2:6] if n.startswith("广州") else n[:4])' "$IN_NAME")
# An open task of the district and a staff member of the roster who covers its division.
TASK=$(q "SELECT id FROM task WHERE status = 'open' AND division LIKE '$D%' ORDER BY level DESC, id LIMIT 1")
STAFF=
if [ -n "$TASK" ]; then
    TDIV=$(q "SELECT division FROM task WHERE id = $TASK")
    STAFF=$(awk -F, -v d="$TDIV" 'NR > 1 && $4 == d { print $1; exit }' "$tmp/city/roster.csv")
    [ -n "$STAFF" ] || STAFF=$(awk -F, -v d="$D" 'NR > 1 && $4 == d { print $1; exit }' "$tmp/city/roster.csv")
fi

# Outcomes for the dashboard's hit rate: three of the district's other tasks closed, two of its
# inspections with a result (the browser adds one of each).
k=0
for t in $(q "SELECT id FROM task WHERE status = 'open' AND division LIKE '$D%' AND id <> ${TASK:-0} ORDER BY id LIMIT 3"); do
    o=(confirmed false_alarm case_filed)
    "$CRISK" task --db "$db" "$t" --accept --by C440100-01 --today 2026-01-06 >/dev/null
    "$CRISK" task --db "$db" "$t" --close "${o[k]}" --by C440100-01 --today 2026-01-07 >/dev/null
    k=$((k + 1))
done
k=0
for i in $(q "SELECT i.id FROM inspection i JOIN enterprise e ON e.subject = i.subject WHERE e.district = '$D' ORDER BY i.id DESC LIMIT 2"); do
    r=(1 B)
    "$CRISK" inspect --db "$db" --inspection "$i" --result "${r[k]}" --by u1 --date 2026-01-20 >/dev/null
    k=$((k + 1))
done
D_EN=$(awk -F, -v d="$D" '$1 == d { print $3 }' "$src/data/divisions/guangzhou_districts_en.csv")
D_ZH=$(awk -F, -v d="$D" '$1 == d { print $2 }' "$src/data/divisions/guangzhou_districts_en.csv")
[ -n "$D_EN" ] || fail "no English name of $D in data/divisions/guangzhou_districts_en.csv"

# A promotion for the model page (after the runs: they keep the model they used).
"$CRISK" model promote "$src/models/gz-2021.yaml" --db "$db" --by e2e --note 端到端测试晋升 >/dev/null

echo 'pw-district-e2e' | "$CRISK" user add --db "$db" --name officer --role district --scope "$D" >/dev/null
echo 'pw-auditor-e2e' | "$CRISK" user add --db "$db" --name auditor1 --role auditor >/dev/null
echo 'pw-admin-e2e' | "$CRISK" user add --db "$db" --name admin1 --role city_admin >/dev/null

# a note limit other than the shipped 2000 bytes: the task page must count against the server's
sed 's/^note_max_bytes: .*/note_max_bytes: 1000/' "$src/models/respond.yaml" > "$tmp/respond.yaml"
CRISK_RESPOND=$tmp/respond.yaml CRISK_JOB_PAUSE_FILE=$tmp/job.pause serve_start serve

# Nothing public carries enterprise data: the page and its assets, without a session.
for a in / /assets/app.js /assets/districts.geojson; do
    curl -sf "$U$a" -o "$tmp/asset" || fail "GET $a"
    grep >/dev/null -e "$IN" -e "$OUT" "$tmp/asset" && fail "$a carries a firm's USCC"
done
# Caching: an asset's ETag answers 304 on If-None-Match.
etag=$(curl -s -D - -o /dev/null "$U/assets/app.js" | tr -d '\r' | sed -n 's/^ETag: //Ip')
[ -n "$etag" ] || fail "no ETag on /assets/app.js"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$U/assets/app.js")
[ "$st" = 304 ] || fail "If-None-Match with the ETag: $st, expected 304"

export E2E_URL=$U E2E_ART=$art E2E_USER=officer E2E_PASS=pw-district-e2e E2E_DISTRICT=$D \
    E2E_IN=$IN E2E_IN_NAME=$IN_NAME E2E_IN_SCORE=$IN_SCORE E2E_OUT=$OUT E2E_OUT_WORD=$OUT_WORD \
    E2E_SEARCH=$SEARCH E2E_N_DISTRICT=$N_DISTRICT E2E_TASK=$TASK E2E_STAFF=$STAFF \
    E2E_AUDITOR=auditor1 E2E_AUDITOR_PASS=pw-auditor-e2e E2E_DISTRICT_EN=$D_EN E2E_DISTRICT_ZH=$D_ZH \
    E2E_ADMIN=admin1 E2E_ADMIN_PASS=pw-admin-e2e E2E_JOB_PAUSE=$tmp/job.pause \
    E2E_LABEL=$tmp/city/labels/violation-12m.yaml
NODE_PATH="$src/node_modules" node "$src/tests/web/e2e.mjs" || fail "the browser test failed (screenshots in $art)"

# The task closed in the browser is closed in the store, with the outcome and the note given.
if [ -f "$art/task_closed" ]; then
    [ "$(q "SELECT status || ' ' || ifnull(outcome, '') FROM task WHERE id = $TASK")" = "closed $(cat "$art/task_closed")" ] ||
        fail "task $TASK is not closed with the outcome chosen in the browser"
    [ "$(q "SELECT count(*) FROM task_history WHERE task = $TASK AND note = '浏览器端到端测试'")" -ge 1 ] ||
        fail "the note of task $TASK is not in its history"
fi
# The inspection result recorded in the browser is in the store.
if [ -f "$art/inspection_recorded" ]; then
    read -r iid res <"$art/inspection_recorded"
    [ "$(q "SELECT result FROM inspection WHERE id = $iid")" = "$res" ] ||
        fail "inspection $iid has no result $res in the store: $(q "SELECT result FROM inspection WHERE id = $iid")"
fi
# The dashboard's hit rate per level, as the browser showed it after its own task and result:
# the store's inspections with a result and closed tasks' firms of the district, by the level of
# the latest run (hits: a problem found; an outcome of the default hit_outcomes).
if [ -f "$art/hits.txt" ]; then
    want=$(python3 - "$db" "$D" <<'PY'
import sqlite3, sys
db, d = sqlite3.connect(sys.argv[1]), sys.argv[2]
run = db.execute("SELECT max(id) FROM run").fetchone()[0]
no_problem = {"1", "7", "9", "10", "11", "12", "F"}  # DOMAIN.md §2
hits = {"confirmed", "case_filed", "police", "other_department", "not_found"}
n = {l: [0, 0, 0, 0] for l in "ABCD"}
for lv, res in db.execute("""SELECT r.level, i.result FROM inspection i JOIN enterprise e ON e.subject = i.subject
        JOIN run_score r ON r.run = ? AND r.subject = i.subject
        WHERE i.result IS NOT NULL AND i.cancelled = 0 AND e.district = ?""", (run, d)):
    n[lv][0] += res not in no_problem
    n[lv][1] += 1
for lv, outcome in db.execute("""SELECT r.level, t.outcome FROM task t JOIN warning_firm wf ON wf.warning = t.warning
        JOIN enterprise e ON e.subject = wf.subject JOIN run_score r ON r.run = ? AND r.subject = wf.subject
        WHERE t.status = 'closed' AND t.outcome IS NOT NULL AND t.division LIKE ? || '%' AND e.district = ?
        AND t.division IN (e.district, e.street, e.grid)""", (run, d, d)):
    n[lv][2] += outcome in hits
    n[lv][3] += 1
for l in "ABCD":
    print("%s %d/%d %d/%d" % (l, *n[l]))
PY
)
    [ "$(cat "$art/hits.txt")" = "$want" ] || fail "the dashboard's hit rate: $(tr '
' ';' <"$art/hits.txt"), the store says $(echo "$want" | tr '
' ';')"
    echo "$want" | awk '{ split($2, a, "/"); split($3, b, "/"); i += a[2]; t += b[2] } END { exit !(i >= 2 && t >= 3) }' ||
        fail "too few outcomes for the hit rate: $want"
fi
# Every portrait the browser opened is in the audit log, the refused one too.
[ "$(q "SELECT count(*) FROM audit WHERE user = 'officer' AND action = 'portrait' AND object = '$IN' AND status = 200")" -ge 1 ] ||
    fail "the portrait read is not audited"
[ "$(q "SELECT count(*) FROM audit WHERE user = 'officer' AND action = 'portrait' AND object = '$OUT' AND status = 404")" -ge 1 ] ||
    fail "the refused portrait is not audited"
echo "web_e2e: ok (screenshots in $art)"
