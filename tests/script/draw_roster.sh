#!/usr/bin/env bash
# Inspectors drawn from a real roster (crisk gen's roster.csv, draw --roster): checked by python3
# against the roster and the store — every inspector is an inspector of the firm's own street
# with the plan's qualifications, two different ones per inspection, none over the workload cap,
# none with a declared conflict, none who made the firm's last recorded inspection; a cap too
# small leaves inspections unstaffed with the station and the reason in the report.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 9 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
cp "$tmp/city/plans/check_items.csv" "$tmp/"
"$crisk" draw --db "$db" --plan 1 --seed x > /dev/null 2>&1 && { echo "a draw of no plan"; exit 1; }
# A conflict: the first inspector of some street with the first firm of that street.
first=$(sqlite3 "$db" "SELECT s.key || ',' || e.street FROM enterprise e JOIN subject s ON s.id=e.subject WHERE e.street IS NOT NULL AND coalesce(e.status,'') NOT LIKE '%销%' ORDER BY s.key LIMIT 1")
fkey=${first%%,*}; fstreet=${first##*,}
printf 'staff,with\nI%s-01,%s\nI%s-02,%s\n' "$fstreet" "$fkey" "$fstreet" "$fkey" > "$tmp/conflicts.csv"
cat > "$tmp/food.yaml" <<'YAML'
name: 公示信息专项
year: 2026
routine: false
check_items: check_items.csv
items: [GS-01]
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
workload_cap: 40
conflicts: conflicts.csv
YAML
"$crisk" plan --db "$db" --file "$tmp/food.yaml" --today 2026-01-05 > /dev/null
qual=general
check() { # draw cap [recused-key recused-staff...]
  "$crisk" draw --db "$db" --draw "$1" --csv > "$tmp/d.csv"
  python3 - "$tmp/city/roster.csv" "$db" "$tmp/d.csv" "$2" "$qual" "$fkey" "I$fstreet-01" "I$fstreet-02" "${@:3}" <<'PY'
import csv, sqlite3, sys
roster, db, dcsv, cap, qual, fkey, c1, c2, *last = sys.argv[1:]
cap = int(cap)
staff = {r["id"]: r for r in csv.DictReader(open(roster)) if r["role"] == "inspector"}
con = sqlite3.connect(db)
street = dict(con.execute("SELECT s.key, coalesce(e.street,'') FROM subject s JOIN enterprise e ON e.subject=s.id"))
load = {}
unstaffed = 0
seen_conflict = False
for r in csv.DictReader(open(dcsv)):
    ins = [i for i in r["inspectors"].split(";") if i]
    assert len(set(ins)) == len(ins), r
    for i in ins:
        s = staff[i]
        assert s["division"] == street[r["uscc"]], (r, s)
        assert qual in s["qualifications"].split(";"), (r, s)
        load[i] = load.get(i, 0) + 1
    if r["uscc"] == fkey:
        assert c1 not in ins and c2 not in ins, ("conflict not recused", r)
        seen_conflict = True
    if last and r["uscc"] == last[0]:
        assert not set(ins) & set(last[1:]), ("last inspector not recused", r, last)
    if len(ins) < 2:
        unstaffed += 1
        assert r["unstaffed"].startswith("station " + street[r["uscc"]]), r
    else:
        assert r["unstaffed"] == "", r
assert max(load.values()) <= cap, max(load.values())
assert seen_conflict, "the firm with declared conflicts was not drawn"
print(unstaffed)
PY
}
d1=$("$crisk" draw --db "$db" --plan 1 --seed s1 --roster "$tmp/city/roster.csv" --today 2026-01-06 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["draw"])')
[ "$(check "$d1" 40)" = 0 ] || { echo "unstaffed inspections with a cap of 40"; exit 1; }
# Record a result for one firm, then draw again: its inspectors are recused.
row=$(sed -n 2p "$tmp/d.csv"); key=${row%%,*}
insp=$(echo "$row" | cut -d, -f5); who=$(echo "$row" | cut -d, -f4)
"$crisk" inspect --db "$db" --inspection "$insp" --result 1 --by u1 --date 2026-02-01 > /dev/null
d2=$("$crisk" draw --db "$db" --plan 1 --seed s2 --roster "$tmp/city/roster.csv" --today 2026-03-01 --redraw --reason r --by u1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["draw"])')
check "$d2" 40 "$key" ${who//;/ } > /dev/null
# A cap of 1 cannot staff a plan of every firm: the report says which station and why.
sed -i 's/^workload_cap: 40/workload_cap: 1/' "$tmp/food.yaml"
"$crisk" plan --db "$db" --file "$tmp/food.yaml" --today 2026-01-05 > /dev/null
"$crisk" draw --db "$db" --plan 2 --seed s3 --roster "$tmp/city/roster.csv" > "$tmp/out"
grep -E '^  unstaffed inspections: [1-9]' "$tmp/out" > /dev/null || { echo "no unstaffed count: $(cat "$tmp/out")"; exit 1; }
grep -E 'station [0-9]{9}: [01] of 2 inspectors .*at the workload cap [1-9]' "$tmp/out" > /dev/null \
  || { echo "no reason: $(cat "$tmp/out")"; exit 1; }
n=$(check 3 1); [ "$n" -gt 0 ] || { echo "cap 1: nothing unstaffed"; exit 1; }
# Food inspections: only inspectors qualified for food; a street with one of them cannot staff
# them, and says so ("qualified 1").
qual=food
sed -e 's/^items: \[GS-01\]/items: [SP-01]/' -e 's/^workload_cap: 1$/workload_cap: 40/' "$tmp/food.yaml" > "$tmp/food2.yaml"
"$crisk" plan --db "$db" --file "$tmp/food2.yaml" --today 2026-01-05 > /dev/null
"$crisk" draw --db "$db" --plan 3 --seed s5 --roster "$tmp/city/roster.csv" > "$tmp/out"
check 4 40 > /dev/null
if grep -E 'station' "$tmp/out" > /dev/null; then
  grep -E 'station [0-9]{9}: [01] of 2 inspectors \(roster [0-9]+, qualified [01],' "$tmp/out" > /dev/null \
    || { echo "food: unstaffed for another reason: $(grep station "$tmp/out" | head -3)"; exit 1; }
fi
# The store's roster (crisk roster) gives the same inspectors as the file.
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
"$crisk" draw --db "$db" --plan 1 --seed s1 --today 2026-03-01 --redraw --reason r --by u1 --json > /dev/null
"$crisk" draw --db "$db" --draw "$d1" --csv | cut -d, -f1-4 > "$tmp/a"
"$crisk" draw --db "$db" --draw "$(sqlite3 "$db" 'SELECT max(id) FROM draw')" --csv | cut -d, -f1-4 > "$tmp/b"
python3 - "$tmp/a" "$tmp/b" "$key" <<'PY'
import sys
a = [l for l in open(sys.argv[1]) if not l.startswith(sys.argv[3] + ",")]
b = [l for l in open(sys.argv[2]) if not l.startswith(sys.argv[3] + ",")]
assert a == b, "the store's roster gave other inspectors than the file"
PY
# A roster with a bad line is refused, naming it.
printf 'id,name,role,division,qualifications\nI1,甲,inspector,440103001\n' > "$tmp/bad.csv"
set +e; "$crisk" draw --db "$db" --plan 1 --seed s4 --roster "$tmp/bad.csv" 2> "$tmp/err" > /dev/null; rc=$?; set -e
[ $rc = 3 ] && grep 'bad.csv:2' "$tmp/err" > /dev/null || { echo "bad roster: $rc $(cat "$tmp/err")"; exit 1; }
# A roster file with an id twice is refused, naming both lines, as crisk roster says it (the
# generated one is the near miss, accepted above).
{ head -1 "$tmp/city/roster.csv"; grep ',inspector,' "$tmp/city/roster.csv" | sed -n 1,3p; grep ',inspector,' "$tmp/city/roster.csv" | sed -n 2p | sed 's/,[^,]*,inspector,/,另一人,inspector,/'; } > "$tmp/dup.csv"
dupid=$(sed -n 3p "$tmp/dup.csv" | cut -d, -f1)
set +e; "$crisk" draw --db "$db" --plan 1 --seed s4 --roster "$tmp/dup.csv" --redraw --reason r --by u1 2> "$tmp/err" > /dev/null; rc=$?; set -e
[ $rc = 3 ] && grep -q "dup.csv:5:.*'$dupid' is listed twice, on lines 3 and 5" "$tmp/err" || { echo "duplicate roster id: $rc $(cat "$tmp/err")"; exit 1; }
# draw verify recomputes the inspectors too, from the roster and recusals recorded with the
# draw: a changed inspector, a changed reason or a changed recorded roster does not match.
last=$(sqlite3 "$db" 'SELECT max(id) FROM draw')
for dd in "$d1" "$d2" "$last"; do
  "$crisk" draw verify --db "$db" --draw "$dd" > "$tmp/out" || { echo "verify of draw $dd: $(cat "$tmp/out")"; exit 1; }
done
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw_recusal WHERE draw=$d2")" -ge 1 ] || { echo "draw $d2 recorded no recusal"; exit 1; }
tamper() { # sql regex
  cp "$db" "$tmp/t.db"; sqlite3 "$tmp/t.db" "$1"
  set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d2" > "$tmp/out"; local rc=$?; set -e
  [ $rc = 1 ] && grep -Eq "$2" "$tmp/out" || { echo "verify after '$1': exit $rc: $(cat "$tmp/out")"; exit 1; }
}
# (since format 2 a drawn firm is its inspection row: drawn inspectors in drawn, the reason an id
# of draw_reason; draw_firm is a view of them, docs/store.md "Draws")
first="(SELECT subject FROM draw_firm WHERE draw=$d2 ORDER BY key LIMIT 1)"
tamper "UPDATE inspection SET drawn=(SELECT inspectors FROM draw_firm WHERE draw=$d2 ORDER BY key DESC LIMIT 1) WHERE draw=$d2 AND subject=$first" "inspectors differ"
tamper "INSERT INTO draw_reason VALUES($d2, 999, 'station x'); UPDATE inspection SET unstaffed=999 WHERE draw=$d2 AND subject=$first" "inspectors differ"
tamper "DELETE FROM draw_staff WHERE draw=$d2 AND id=(SELECT substr(inspectors, 1, instr(inspectors, ';') - 1) FROM draw_firm WHERE draw=$d2 ORDER BY key LIMIT 1)" "inspectors differ"
tamper "INSERT OR REPLACE INTO draw_recusal SELECT draw, subject, inspectors FROM draw_firm WHERE draw=$d2 AND key=(SELECT min(key) FROM draw_firm WHERE draw=$d2)" "inspectors differ"
tamper "DELETE FROM draw_roster WHERE draw=$d2" "roster the draw was staffed from is not recorded"
echo "draw roster: station, qualifications, conflicts, last inspector, workload cap"
