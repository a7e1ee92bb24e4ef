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
# Three firms with an inspection in each of the three draws.
keys=$(sqlite3 "$db" "SELECT s.key FROM inspection i JOIN subject s ON s.id=i.subject WHERE i.inspectors<>'' GROUP BY i.subject HAVING count(*)=3 ORDER BY s.key LIMIT 3")
k1=$(echo "$keys" | sed -n 1p); k2=$(echo "$keys" | sed -n 2p); k3=$(echo "$keys" | sed -n 3p)
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
un=$(sqlite3 "$db" "SELECT min(id) FROM inspection WHERE inspectors=''")
[ -n "$un" ] && fails 3 "no inspectors" --inspection "$un" --result 1 --by u1 --date 2025-02-01
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
[ "$(head -1 "$tmp/list.csv")" = "id,draw,plan,uscc,level,arm,inspectors,result,label,items,day,by,problem,penalty_exempt,publish_by,late" ] \
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
echo "inspections --due: publish_by 20 working days after the result, late ones flagged"
