#!/usr/bin/env bash
# Results (docs/inspect.md "Results"): codes of the official vocabulary or their labels, unknown
# ones refused; the 免罚清单 — a first E on listed items is not penalised, a repeat within the
# window is, an unlisted item or an earlier problem outside the window are the near misses;
# --import is all or none with the bad line named; each result is an event that the next
# classify reads (insp_problem_3y counts problems, not 未发现问题).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 --indicators "$tmp/ind0.csv" > /dev/null
cp "$tmp/city/plans/check_items.csv" "$tmp/city/plans/no_penalty.csv" "$tmp/"
cat > "$tmp/all.yaml" <<'YAML'
name: 全量专项
year: 2025
routine: false
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
random_share: 0%
check_items: check_items.csv
items: [GS-01, GS-02]
no_penalty: {list: no_penalty.csv, window_days: 365}
YAML
# Inspections take results only when staffed: the store's roster staffs them.
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
# One draw per plan: three plans, each drawn once.
for pl in 1 2 3; do
  "$crisk" plan --db "$db" --file "$tmp/all.yaml" --today 2025-01-05 > /dev/null
  "$crisk" draw --db "$db" --plan $pl --seed "s$pl" --today 2025-01-06 > /dev/null
done
"$crisk" draw --db "$db" --draw 1 --csv > "$tmp/d1.csv"
# Four firms with a fully staffed inspection in each of the three draws.
keys=$(sqlite3 "$db" "SELECT s.key FROM inspection i JOIN subject s ON s.id=i.subject JOIN draw_firm f ON f.draw=i.draw AND f.subject=i.subject WHERE f.unstaffed IS NULL GROUP BY i.subject HAVING count(*)=3 ORDER BY s.key LIMIT 4")
k1=$(echo "$keys" | sed -n 1p); k2=$(echo "$keys" | sed -n 2p); k3=$(echo "$keys" | sed -n 3p); k4=$(echo "$keys" | sed -n 4p)
[ -n "$k4" ] || { echo "fixture: fewer than 4 firms staffed in all three draws"; exit 1; }
insp() { sqlite3 "$db" "SELECT i.id FROM inspection i JOIN subject s ON s.id=i.subject WHERE s.key='$1' AND i.draw=$2"; }
fails() { # expected-exit regex args...
  local want=$1 re=$2; shift 2
  set +e; "$crisk" inspect --db "$db" "$@" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
  [ $rc = "$want" ] || { echo "inspect $*: exit $rc, not $want: $(cat "$tmp/err")"; exit 1; }
  grep -E "$re" "$tmp/err" > /dev/null || { echo "inspect $*: '$(cat "$tmp/err")' lacks /$re/"; exit 1; }
}
fails 3 "not a result code" --inspection "$(insp "$k1" 1)" --result Z --by u1
fails 3 "no inspection 999999" --inspection 999999 --result 1 --by u1
fails 2 "by USER" --inspection "$(insp "$k1" 1)" --result 1
# Dates between the draw's day (2025-01-06) and today; staffed inspections only; sane items/by.
fails 3 "before the draw" --inspection "$(insp "$k1" 1)" --result 1 --by u1 --date 2025-01-05
fails 3 "after today" --inspection "$(insp "$k1" 1)" --result 1 --by u1 --date 2025-03-02 --today 2025-03-01
fails 3 "empty item" --inspection "$(insp "$k1" 1)" --result A --items ";;" --by u1 --date 2025-02-01
fails 3 "no violated" --inspection "$(insp "$k1" 1)" --result 1 --items GS-01 --by u1 --date 2025-02-01
fails 3 "control character" --inspection "$(insp "$k1" 1)" --result 1 --by $'u\x1b1' --date 2025-02-01
# Check items: codes of the plan's items or 免罚清单 only.
fails 3 "items: 'ZZ-9' is not a check item of plan 1" --inspection "$(insp "$k1" 1)" --result A --items "GS-01;ZZ-9" --by u1 --date 2025-02-01
fails 3 "items: 'SP-01' is not a check item" --inspection "$(insp "$k1" 1)" --result A --items SP-01 --by u1 --date 2025-02-01
# --inspectors: inspectors of the roster, each once; a staffed inspection is made by its drawn
# inspectors (the same ones in another order are the near miss, accepted below with k3).
drawn() { sqlite3 "$db" "SELECT inspectors FROM inspection WHERE id=$1"; }
i11=$(insp "$k1" 1); d11=$(drawn "$i11"); a11=${d11%%;*}; b11=${d11##*;}
other=$(sqlite3 "$db" "SELECT id FROM staff WHERE role='inspector' AND id NOT IN ('$a11','$b11') ORDER BY id LIMIT 1")
fails 3 "'NOBODY-1' is not a member of the roster" --inspection "$i11" --result 1 --by u1 --date 2025-02-01 --inspectors "$a11;NOBODY-1"
fails 3 "'$a11' is named twice" --inspection "$i11" --result 1 --by u1 --date 2025-02-01 --inspectors "$a11;$a11;$b11"
fails 3 "staffed by its draw" --inspection "$i11" --result 1 --by u1 --date 2025-02-01 --inspectors "$a11;$b11;$other"
fails 3 "'$b11', drawn for this inspection, is missing" --inspection "$i11" --result 1 --by u1 --date 2025-02-01 --inspectors "$a11;$other"
fails 3 "empty id" --inspection "$i11" --result 1 --by u1 --date 2025-02-01 --inspectors "$a11;;$b11"
ex() { sqlite3 "$db" "SELECT penalty_exempt || ',' || label || ',' || problem FROM inspection WHERE id=$1"; }
# k1: first E on a listed item -> no penalty; the repeat 100 days later -> penalty.
"$crisk" inspect --db "$db" --inspection "$(insp "$k1" 1)" --result E --items MF-GS-01 --by u1 --date 2025-02-01 > /dev/null
[ "$(ex "$(insp "$k1" 1)")" = "1,发现问题经责令已改正,1" ] || { echo "first listed E: $(ex "$(insp "$k1" 1)")"; exit 1; }
"$crisk" inspect --db "$db" --inspection "$(insp "$k1" 2)" --result 发现问题经责令已改正 --items "MF-GS-01" --by u1 --date 2025-05-12 > /dev/null
[ "$(ex "$(insp "$k1" 2)")" = "0,发现问题经责令已改正,1" ] || { echo "repeat within the window: $(ex "$(insp "$k1" 2)")"; exit 1; }
fails 3 "already has its result" --inspection "$(insp "$k1" 2)" --result 1 --by u1
# ... and 400 days after the repeat, outside the window, no penalty again.
"$crisk" inspect --db "$db" --inspection "$(insp "$k1" 3)" --result E --items MF-GS-01 --by u1 --date 2026-06-16 > /dev/null
[ "$(ex "$(insp "$k1" 3)")" = "1,发现问题经责令已改正,1" ] || { echo "after the window: $(ex "$(insp "$k1" 3)")"; exit 1; }
# k2: an item not on the list, and a listed one with an unlisted one: penalised.
"$crisk" inspect --db "$db" --inspection "$(insp "$k2" 1)" --result E --items GS-01 --by u1 --date 2025-02-01 > /dev/null
"$crisk" inspect --db "$db" --inspection "$(insp "$k2" 2)" --result E --items "MF-GS-02;GS-02" --by u1 --date 2025-03-01 > /dev/null
[ "$(ex "$(insp "$k2" 1)")" = "0,发现问题经责令已改正,1" ] && [ "$(ex "$(insp "$k2" 2)")" = "0,发现问题经责令已改正,1" ] \
  || { echo "unlisted items were exempted"; exit 1; }
# --import: all or none, the bad line named.
i31=$(insp "$k3" 1); i32=$(insp "$k3" 2)
printf 'inspection,result,items,by,date\n%s,1,,u2,2025-03-01\n%s,Q,,u2,2025-03-02\n' "$i31" "$i32" > "$tmp/imp.csv"
set +e; "$crisk" inspect --db "$db" --import "$tmp/imp.csv" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep 'imp.csv:3' "$tmp/err" > /dev/null || { echo "import of a bad line: $rc $(cat "$tmp/err")"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM inspection WHERE id IN ($i31,$i32) AND result IS NOT NULL")" = 0 ] \
  || { echo "a failed import recorded rows"; exit 1; }
printf 'inspection,result,items,by,date\n%s,1,,u2,2025-03-01\n%s,A,GS-01,u2,2025-03-02\n' "$i31" "$i32" > "$tmp/imp.csv"
printf 'inspection,result,items,by,date\n%s,1,,u2,2025-03-01\n%s,A,GS-09,u2,2025-03-02\n' "$i31" "$i32" > "$tmp/imp.csv"
set +e; "$crisk" inspect --db "$db" --import "$tmp/imp.csv" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q "imp.csv:3:.*'GS-09' is not a check item" "$tmp/err" || { echo "import of an unknown item: $rc $(cat "$tmp/err")"; exit 1; }
printf 'inspection,result,items,by,date\n%s,1,,u2,2025-03-01\n%s,A,GS-01,u2,2025-03-02\n' "$i31" "$i32" > "$tmp/imp.csv"
"$crisk" inspect --db "$db" --import "$tmp/imp.csv" --json | grep '"recorded":2' > /dev/null || { echo "import"; exit 1; }
printf 'inspection,result\n1,1\n' > "$tmp/imp.csv"
set +e; "$crisk" inspect --db "$db" --import "$tmp/imp.csv" > /dev/null 2>&1; rc=$?; set -e
[ $rc = 3 ] || { echo "import with a wrong header exited $rc"; exit 1; }
# Events: one per result, on topic crisk/inspection with the Chinese result.
[ "$(sqlite3 "$db" "SELECT count(*) FROM inspection WHERE result IS NOT NULL")" = 7 ] || { echo "7 results expected"; exit 1; }
"$crisk" events --db "$db" --key "$k3" --csv > "$tmp/ev.csv"
grep 'crisk/inspection' "$tmp/ev.csv" | grep '未发现问题' > /dev/null && grep 'crisk/inspection' "$tmp/ev.csv" | grep '发现问题待后续处理' > /dev/null \
  || { echo "k3's inspection events: $(grep crisk/inspection "$tmp/ev.csv")"; exit 1; }
# The next classification reads them: k3 has one problem (A) in the 3 years before 2025-12-31,
# not two (未发现问题 is none); k1 has two (the third is after the as-of day).
"$crisk" classify --db "$db" --as-of 2025-12-31 --indicators "$tmp/ind.csv" > /dev/null
# (Counted over the generated city's own inspections too: want = before the results + added.)
val() { python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["uscc"] == sys.argv[2]: print(int(float(r["insp_problem_3y.value"] or 0)))' "${2:-$tmp/ind.csv}" "$1"; }
w3=$(( $(val "$k3" "$tmp/ind0.csv") + 1 )); w1=$(( $(val "$k1" "$tmp/ind0.csv") + 2 ))
[ "$(val "$k3")" = $w3 ] || { echo "k3 insp_problem_3y = $(val "$k3"), want $w3"; exit 1; }
[ "$(val "$k1")" = $w1 ] || { echo "k1 insp_problem_3y = $(val "$k1"), want $w1"; exit 1; }
# The label for learning, with its arm.
"$crisk" inspections --db "$db" --plan 1 --csv > "$tmp/list.csv"
[ "$(head -1 "$tmp/list.csv")" = "id,draw,plan,uscc,level,arm,inspectors,result,label,items,day,by,problem,penalty_exempt,publish_by,late,state" ] \
  || { echo "inspections header: $(head -1 "$tmp/list.csv")"; exit 1; }
grep ",$k3,.*,targeted,.*,1,未发现问题,,2025-03-01,u2,0,0," "$tmp/list.csv" > /dev/null || { echo "k3's row: $(grep "$k3" "$tmp/list.csv")"; exit 1; }
echo "inspect results: vocabulary, 免罚清单 with near misses, import all-or-none, events read by classify"
# Publication: --due lists the results only, each with publish_by = the 20th working day after
# the result (recomputed here from data/calendar/cn_workdays.csv and the weekend rule) and late.
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
"$crisk" inspections --db "$db" --due --today 2025-03-04 --csv > "$tmp/due.csv"
[ "$(($(wc -l < "$tmp/due.csv") - 1))" = 7 ] || { echo "--due lists $(($(wc -l < "$tmp/due.csv") - 1)) rows, not the 7 results"; exit 1; }
python3 - "$tmp/due.csv" "$src/data/calendar/cn_workdays.csv" 2025-03-04 <<'PY'
import csv, datetime, sys
due, cal, today = sys.argv[1:]
kind = {r["date"]: r["type"] for r in csv.DictReader(open(cal))}
def workday(d):
    t = kind.get(d.isoformat())
    return t == "workday" if t else d.weekday() < 5
today = datetime.date.fromisoformat(today)
n = 0
for r in csv.DictReader(open(due)):
    d = datetime.date.fromisoformat(r["day"]); k = 0
    while k < 20:
        d += datetime.timedelta(days=1); k += workday(d)
    assert r["publish_by"] == d.isoformat(), (r["day"], r["publish_by"], d)
    assert r["late"] == ("1" if today > d else "0"), r
    n += r["late"] == "1"
assert n >= 1, "nothing late"
PY
# Past the calendar's years: publish_by by the weekend rule, an estimate said on stderr (it
# was left empty, so no late result was ever flagged there).
cp "$db" "$tmp/later.db"
sqlite3 "$tmp/later.db" "UPDATE inspection SET day = day + 800 WHERE id = (SELECT min(id) FROM inspection WHERE result IS NOT NULL)"
"$crisk" inspections --db "$tmp/later.db" --due --today 2028-06-01 --csv > "$tmp/due2.csv" 2> "$tmp/err"
grep -q 'an estimate' "$tmp/err" || { echo "no estimate said past the calendar: $(cat "$tmp/err")"; exit 1; }
python3 - "$tmp/due2.csv" <<'PY'
import csv, datetime, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["day"] >= "2027-01-01"]
assert len(rows) == 1, rows
d = datetime.date.fromisoformat(rows[0]["day"]); k = 0
while k < 20:
    d += datetime.timedelta(days=1); k += d.weekday() < 5
assert rows[0]["publish_by"] == d.isoformat() and rows[0]["late"] == "1", (rows[0], d)
PY
echo "inspections --due: publish_by 20 working days after the result, late ones flagged, estimated past the calendar"

# 免罚清单 by the dates of the violations, not the order they are recorded in: k4's violation
# of 2025-05-01 is recorded first (no penalty); the one of 2025-03-01, from a later draw and
# recorded later, is the first: it gets no penalty and the other becomes the repeat.
i42=$(insp "$k4" 2); i43=$(insp "$k4" 3)
"$crisk" inspect --db "$db" --inspection "$i42" --result E --items MF-GS-01 --by u1 --date 2025-05-01 > /dev/null
[ "$(ex "$i42")" = "1,发现问题经责令已改正,1" ] || { echo "k4 first recorded: $(ex "$i42")"; exit 1; }
"$crisk" inspect --db "$db" --inspection "$i43" --result E --items MF-GS-01 --by u1 --date 2025-03-01 --today 2025-06-01 --json > "$tmp/w.json" 2> "$tmp/err"
[ "$(ex "$i43")" = "1,发现问题经责令已改正,1" ] || { echo "k4 first by date: $(ex "$i43")"; exit 1; }
[ "$(ex "$i42")" = "0,发现问题经责令已改正,1" ] || { echo "k4 repeat by date kept its exemption: $(ex "$i42")"; exit 1; }
grep -q "inspection $i42) is a repeat now" "$tmp/err" && grep -q "\"withdrawn_from\": *\[$i42\]" "$tmp/w.json" \
  || { echo "the withdrawal is not reported: $(cat "$tmp/err" "$tmp/w.json")"; exit 1; }
# Recusal by the latest result by date (ties by id), not the latest id: k4's last inspection is
# i42 (2025-05-01), not i43 (a higher id dated 2025-03-01). A new draw records it and recuses
# i42's inspectors.
"$crisk" plan --db "$db" --file "$tmp/all.yaml" --today 2025-06-02 > /dev/null
p4=$(sqlite3 "$db" "SELECT max(id) FROM plan")
"$crisk" draw --db "$db" --plan "$p4" --seed s4 --today 2025-06-02 > /dev/null
d4=$(sqlite3 "$db" "SELECT max(id) FROM draw")
s4=$(sqlite3 "$db" "SELECT id FROM subject WHERE key='$k4'")
[ "$(sqlite3 "$db" "SELECT inspectors FROM draw_recusal WHERE draw=$d4 AND subject=$s4")" = "$(drawn "$i42")" ] \
  || { echo "k4's recusal is not i42's inspectors: $(sqlite3 "$db" "SELECT inspectors FROM draw_recusal WHERE draw=$d4 AND subject=$s4")"; exit 1; }
python3 - "$(sqlite3 "$db" "SELECT inspectors FROM draw_firm WHERE draw=$d4 AND subject=$s4")" "$(drawn "$i42")" <<'PY'
import sys
now, last = (set(x.split(";")) - {""} for x in sys.argv[1:])
assert last and not now & last, (now, last)
PY
"$crisk" draw verify --db "$db" --draw "$d4" > /dev/null || { echo "verify of a draw with recusals failed"; exit 1; }
echo "inspect: 免罚清单 by date, recusal by the latest result date"
# Unstaffed inspections (a workload cap of 1 leaves most without inspectors): the case must
# arise; such an inspection takes a result only with --inspectors completing it from the roster
# (qualified, without a declared conflict).
sed 's/^name: .*/name: 负荷专项\nworkload_cap: 1/' "$tmp/all.yaml" > "$tmp/cap.yaml"
"$crisk" plan --db "$db" --file "$tmp/cap.yaml" --today 2025-06-02 > /dev/null
p5=$(sqlite3 "$db" "SELECT max(id) FROM plan")
"$crisk" draw --db "$db" --plan "$p5" --seed s5 --today 2025-06-02 > /dev/null
d5=$(sqlite3 "$db" "SELECT max(id) FROM draw")
un=$(sqlite3 "$db" "SELECT i.id FROM inspection i JOIN draw_firm f ON f.draw=i.draw AND f.subject=i.subject WHERE i.draw=$d5 AND f.unstaffed IS NOT NULL ORDER BY i.id LIMIT 1")
[ -n "$un" ] || { echo "fixture: a workload cap of 1 left no inspection unstaffed"; exit 1; }
fails 3 "of the 2 inspectors it needs" --inspection "$un" --result 1 --by u1 --date 2025-06-03 --today 2025-06-04
have=$(drawn "$un")
two=$(sqlite3 "$db" "SELECT group_concat(id, ';') FROM (SELECT id FROM staff WHERE role='inspector' AND qualifications LIKE '%general%' AND ';$have;' NOT LIKE '%;' || id || ';%' ORDER BY id DESC LIMIT 2)")
fails 3 "'S440103001-01' is not an inspector" --inspection "$un" --result 1 --by u1 --date 2025-06-03 --today 2025-06-04 --inspectors "${have:+$have;}S440103001-01;${two%%;*}"
want=$(python3 -c 'import sys; print(";".join(sorted(x for x in sys.argv[1].split(";") + sys.argv[2].split(";") if x)))' "$have" "$two")
"$crisk" inspect --db "$db" --inspection "$un" --result 1 --by u1 --date 2025-06-03 --today 2025-06-04 --inspectors "$two${have:+;$have}" > /dev/null
[ "$(drawn "$un")" = "$want" ] || { echo "completed inspectors: $(drawn "$un"), want $want"; exit 1; }
# ... and the draw's record keeps the drawn ones: verify still matches.
"$crisk" draw verify --db "$db" --draw "$d5" > /dev/null || { echo "verify after completing an unstaffed inspection"; exit 1; }
# A plan whose items need a qualification no inspector holds: every inspection unstaffed, said
# on stderr and in --json.
cp "$tmp/check_items.csv" "$tmp/items_x.csv"; echo 'XX-01,无人可查,—,nobody' >> "$tmp/items_x.csv"
sed -e 's/^name: .*/name: 无人专项/' -e 's/^check_items: .*/check_items: items_x.csv/' -e 's/^items: .*/items: [XX-01]/' "$tmp/all.yaml" > "$tmp/x.yaml"
"$crisk" plan --db "$db" --file "$tmp/x.yaml" --today 2025-06-02 > /dev/null
p6=$(sqlite3 "$db" "SELECT max(id) FROM plan")
"$crisk" draw --db "$db" --plan "$p6" --seed s6 --today 2025-06-02 --json > "$tmp/d6.json" 2> "$tmp/err"
grep -q "warning: every one of the [0-9]* inspections is unstaffed" "$tmp/err" || { echo "no all-unstaffed warning: $(cat "$tmp/err")"; exit 1; }
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["unstaffed"] == j["sampled"] > 0 and j["warnings"], j' "$tmp/d6.json"
u6=$(sqlite3 "$db" "SELECT min(id) FROM inspection WHERE draw=(SELECT max(id) FROM draw)")
fails 3 "lacks the qualification 'nobody'" --inspection "$u6" --result 1 --by u1 --date 2025-06-03 --today 2025-06-04 --inspectors "$two"
# The near miss of the staffed case: the drawn inspectors themselves, in another order.
i33=$(insp "$k3" 3); d33=$(drawn "$i33")
"$crisk" inspect --db "$db" --inspection "$i33" --result 1 --by u1 --date 2025-02-01 --inspectors "${d33##*;};${d33%%;*}" > /dev/null
[ "$(drawn "$i33")" = "$d33" ] || { echo "the drawn inspectors in another order: $(drawn "$i33")"; exit 1; }
echo "inspect: --inspectors checked, unstaffed inspections completed from the roster"
