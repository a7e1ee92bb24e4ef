#!/usr/bin/env bash
# crisk learn on confirmed task outcomes (docs/learn.md "Label files": outcomes:): warnings of
# one firm each written into the monitor's tables for 70 firms of one grid, dispatched and
# closed by the grid worker with outcomes chosen at random (confirmed, case_filed, false_alarm,
# not_found), the first ten before the as-of date (outside the window). Only firms with a
# counted outcome in the window are rows: positives and negatives against a python3 count over
# the store's task table; not_found is left out by default and a negative when the label says so;
# an unknown outcome name is refused with the file and line.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "learn_outcomes: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 400 --seed 6 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 70")
q "UPDATE enterprise SET district='440106', street='440106001', grid='440106001001'
   WHERE subject IN ($(IFS=,; echo "${S[*]}"))"
sql=""
for i in "${!S[@]}"; do
  w=$((i + 1))
  sql+="INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
    summary, evidence) VALUES ($w, 'address_cluster', 'k$w', 'open', 1, 1, 1, 20400, 's', '{}');
    INSERT INTO warning_firm VALUES ($w, ${S[$i]});"
done
q "$sql"
printf 'id,name,role,division,qualifications\nG1,张网,grid,440106001001,\n' > "$tmp/roster.csv"
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
"$crisk" dispatch --db "$db" --today 2025-12-01 > /dev/null
outcomes=(confirmed case_filed false_alarm false_alarm not_found)
k=0
for t in $(q "SELECT id FROM task WHERE kind='grid' ORDER BY id"); do
  o=${outcomes[$(( (k * 7 + k / 3) % 5 ))]}
  day=$([ $k -lt 10 ] && echo 2025-12-20 || echo 2026-02-$(printf %02d $(( k % 27 + 1 ))))
  "$crisk" task --db "$db" "$t" --accept --by G1 --today 2025-12-02 > /dev/null
  "$crisk" task --db "$db" "$t" --close "$o" --by G1 --today "$day" > /dev/null
  k=$((k + 1))
done
[ $k = 70 ] || fail "$k grid tasks, not 70"
printf 'label: confirmed\noutcomes: {within_days: 365}\n' > "$tmp/oc.yaml"
printf 'label: checked\noutcomes: {within_days: 365, negative: [false_alarm, not_found]}\n' > "$tmp/oc2.yaml"
for l in oc oc2; do
  "$crisk" learn --db "$db" --label "$tmp/$l.yaml" --as-of 2025-12-31 --min-class 5 --out "$tmp/$l" \
    --json > "$tmp/$l.json"
done
q "SELECT w.subject, h.at, t.outcome FROM task t JOIN warning_firm w ON w.warning=t.warning
   JOIN task_history h ON h.task=t.id AND h.action='close' WHERE t.kind='grid'" > "$tmp/tasks.txt"
python3 - "$tmp" <<'PY'
import datetime, json, sys
t = sys.argv[1]
T = (datetime.date(2025, 12, 31) - datetime.date(1970, 1, 1)).days
rows = [l.split("|") for l in open(t + "/tasks.txt").read().split()]
for name, pos, neg in (("oc", {"confirmed", "case_filed", "police"}, {"false_alarm"}),
                       ("oc2", {"confirmed", "case_filed", "police"}, {"false_alarm", "not_found"})):
    rep = json.load(open(f"{t}/{name}.json"))
    y = {}
    for s, at, o in rows:
        if not T < int(at) <= T + 365 or (o not in pos and o not in neg):
            continue
        y[s] = max(y.get(s, 0), int(o in pos))
    p = sum(y.values())
    assert (p, len(y) - p) == (rep["positives"], rep["negatives"]), (name, p, len(y) - p, rep)
    assert "random_arm" not in rep, rep
    assert rep["models"][1]["method"] == "baseline", rep["models"]
    print(name, p, len(y) - p)
assert len(rows) == 70
PY
printf 'label: x\noutcomes: {within_days: 365, positive: [confirmd]}\n' > "$tmp/bad.yaml"
set +e; "$crisk" learn --db "$db" --label "$tmp/bad.yaml" --out "$tmp/o3" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'bad.yaml:2' "$tmp/err" && grep -q "'confirmd' is not a task outcome" "$tmp/err" \
  || fail "unknown outcome: exit $rc: $(cat "$tmp/err")"
echo "learn on task outcomes: positives and negatives match the task table"
