#!/usr/bin/env bash
# The respond stage outside Guangzhou and the roster's divisions against data/divisions
# (docs/respond.md): the top of the routing hierarchy is models/respond.yaml's city_code, not a
# built-in 440100 — a Shanghai fixture (310100) routes a firm without a division, a warning across
# two districts and an escalated district task to 310100; Guangzhou's city staff may not act on
# Shanghai's tasks, Shanghai's may. A roster with unknown district, street, community and city
# codes names each line and loads nothing; a near miss (a known code of each level) loads.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_city: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null

# ---- roster divisions against the reference ----
hdr=id,name,role,division,qualifications
{
  echo "$hdr"
  echo "C1,陈市,city,440100,"
  echo "D1,林区,district,440106,"
  echo "S1,黄所,station,440106001,"
  echo "G1,张网,grid,440106001001,"
} > "$tmp/good.csv"
"$crisk" roster --db "$db" --file "$tmp/good.csv" > /dev/null || fail "known Guangzhou codes refused"
{
  echo "$hdr"
  echo "C1,陈市,city,440100,"
  echo "D9,错区,district,440199,"
  echo "S9,错所,station,440106999,"
  echo "G9,错网,grid,440106001999,"
  echo "C9,错市,city,999900,"
  echo "I9,错检,inspector,440199001,general"
} > "$tmp/bad.csv"
set +e
"$crisk" roster --db "$db" --file "$tmp/bad.csv" > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 3 ] || fail "unknown divisions: exit $rc, want 3"
for ln in 3:440199 4:440106999 5:440106001999 6:999900 7:440199001; do
  grep -q "bad.csv:${ln%%:*}:.*'${ln#*:}' is not a known" "$tmp/err" || fail "line ${ln%%:*} (${ln#*:}) not named: $(cat "$tmp/err")"
done
[ "$(grep -c 'is not a known' "$tmp/err")" = 5 ] || fail "extra errors: $(cat "$tmp/err")"
[ "$(q 'SELECT group_concat(id) FROM (SELECT id FROM staff ORDER BY id)')" = C1,D1,G1,S1 ] \
  || fail "a bad roster changed the loaded one"

# ---- Shanghai: city_code 310100 ----
{
  echo "$hdr"
  echo "SH,沪市,city,310100,"
  echo "GZ,穗市,city,440100,"
  echo "XH,徐区,district,310104,"
  echo "XS,徐所,station,310104001,"   # Shanghai's streets are not in data/: cannot be checked
  echo "XG,徐网,grid,310104001001,"
} > "$tmp/sh.csv"
"$crisk" roster --db "$db" --file "$tmp/sh.csv" > /dev/null || fail "a Shanghai roster was refused"
sed 's/^city_code: .*/city_code: 310100/' "$src/models/respond.yaml" > "$tmp/respond.yaml"
grep -q '^city_code: 310100' "$tmp/respond.yaml" || fail "models/respond.yaml has no city_code line"
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 4")
place() { q "UPDATE enterprise SET district=$2, street=$3, grid=$4 WHERE subject=$1"; }
place "${S[0]}" "'310104'" "'310104001'" "'310104001001'"   # A: a Xuhui grid
place "${S[1]}" "'310105'" "'310105001'" "NULL"             # B: a Changning street
place "${S[2]}" NULL NULL NULL                              # C: no division at all
place "${S[3]}" "'310104'" NULL NULL                        # D: Xuhui, no street
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'person_cluster', 'k1', 'open', 1, 1, 1, 19700, '跨区', '{}'),
   (2, 'zombie', 'k2', 'open', 1, 1, 1, 19700, '无区划', '{}'),
   (3, 'zombie', 'k3', 'open', 1, 1, 1, 19700, '区级', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (1, ${S[1]}), (2, ${S[2]}), (3, ${S[3]});"
"$crisk" dispatch --db "$db" --config "$tmp/respond.yaml" --today 2024-03-01 > /dev/null
got=$(q "SELECT group_concat(warning||':'||kind||':'||division, ' ') FROM (SELECT * FROM task ORDER BY warning, kind, division)")
[ "$got" = "1:coordinate:310100 1:grid:310104001001 1:grid:310105001 2:grid:310100 3:grid:310104" ] \
  || fail "Shanghai routing: $got"
[ "$(q "SELECT group_concat(level) FROM (SELECT level FROM task WHERE division='310100')")" = 0,0 ] \
  || fail "310100 tasks are not city level"
# the district task (15 working days) escalates to Shanghai's city, not to 440100
"$crisk" dispatch --db "$db" --config "$tmp/respond.yaml" --today 2024-06-03 > /dev/null
[ "$(q "SELECT division FROM task WHERE kind='escalation' AND parent=(SELECT id FROM task WHERE warning=3 AND kind='grid')")" = 310100 ] \
  || fail "district escalation: $(q "SELECT id,kind,division,parent FROM task")"
[ "$(q "SELECT count(*) FROM task WHERE division LIKE '4401%'")" = 0 ] || fail "a task went to Guangzhou"
# who may act: Shanghai's city staff on a Xuhui task, not Guangzhou's
t=$(q "SELECT id FROM task WHERE division='310104001001'")
set +e
"$crisk" task --db "$db" "$t" --accept --by GZ --today 2024-06-03 > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 3 ] && grep -q "may not act" "$tmp/err" || fail "Guangzhou's city staff acted on a Shanghai task (exit $rc)"
"$crisk" task --db "$db" "$t" --accept --by SH --today 2024-06-03 > /dev/null || fail "Shanghai's city staff refused"
"$crisk" task --db "$db" "$t" --close confirmed --by XG --today 2024-06-04 > /dev/null || fail "the grid worker could not close"
[ "$(q "SELECT by FROM task_history WHERE action='close'")" = XG ] || fail "close not recorded"

# models/respond.yaml is the one place of the defaults: a file without city_code is refused
# naming the key (no second default in code)
grep -v '^city_code' "$tmp/respond.yaml" > "$tmp/nocity.yaml"
set +e
"$crisk" dispatch --db "$db" --config "$tmp/nocity.yaml" --today 2024-03-01 > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 3 ] && grep -q "nocity.yaml:.*city_code is missing" "$tmp/err" || fail "a policy without city_code accepted (exit $rc): $(cat "$tmp/err")"
# read as YAML (the project's checked reader), not line by line: flow mappings and quoted
# scalars are YAML too; the deadline of a grid task comes from the file (3 working days)
cat > "$tmp/flow.yaml" <<'Y'
version: 1
city_code: "440100"
deadline_workdays: {city: 20, district: 15, street: 10, grid: 3}
today_ahead_days: 1
note_max_bytes: 2000
roster_max_bytes: {id: 64, name: 200, qualifications: 1000}
Y
q "DELETE FROM task_history; DELETE FROM task;"
"$crisk" dispatch --db "$db" --config "$tmp/flow.yaml" --today 2024-03-01 > /dev/null || fail "flow-style policy refused"
[ "$(q "SELECT division FROM task WHERE warning=2")" = 440100 ] || fail "quoted city_code 440100 not used"
[ "$(q "SELECT date(due_day*86400, 'unixepoch') FROM task WHERE level=3 LIMIT 1")" = 2024-03-06 ] \
  || fail "grid deadline of 3 working days from 2024-03-01 is not 2024-03-06: $(q 'SELECT level, due_day FROM task')"
# unknown keys, a missing deadline, a level out of range: exit 3 naming file, line and key
bad_policy() { # name want-pattern
    set +e
    "$crisk" dispatch --db "$db" --config "$tmp/$1" --today 2024-03-01 > /dev/null 2> "$tmp/err"
    local rc=$?
    set -e
    [ $rc = 3 ] && grep -q "$2" "$tmp/err" || fail "$1 (exit $rc): $(cat "$tmp/err")"
}
printf 'version: 1\ncity_code: 440100\ndeadline_workdays: {city: 20, district: 15, street: 10, grid: 5, gird: 4}\n' > "$tmp/p1.yaml"
bad_policy p1.yaml "p1.yaml:3:.*gird"
printf 'version: 1\ncity_code: 440100\ndeadline_workdays: {city: 20, district: 15, street: 10}\n' > "$tmp/p2.yaml"
bad_policy p2.yaml "p2.yaml:3:.*deadline_workdays.grid is missing"
printf 'version: 1\ncity_code: 440100\ndeadline_workdays:\n  city: 20\n  district: 15\n  street: 0\n  grid: 5\n' > "$tmp/p3.yaml"
bad_policy p3.yaml "p3.yaml:6:.*deadline_workdays.street must be a whole number from 1 to 365"
printf 'version: 1\ncity_code: 440100\ncity_cod: 440100\ndeadline_workdays: {city: 20, district: 15, street: 10, grid: 5}\n' > "$tmp/p4.yaml"
bad_policy p4.yaml "p4.yaml:3:.*city_cod"
# a bad city_code is bad input naming the file and line
sed 's/^city_code: .*/city_code: 310104/' "$src/models/respond.yaml" > "$tmp/bad.yaml"
set +e
"$crisk" dispatch --db "$db" --config "$tmp/bad.yaml" --today 2024-03-01 > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 3 ] && grep -q "bad.yaml:[0-9]*.*city_code" "$tmp/err" || fail "city_code 310104 accepted (exit $rc): $(cat "$tmp/err")"
# a city code of the right form that the division table (data/divisions) does not know: 999900
# (no county 9999xx) is refused naming the line; 310100 (Shanghai, used above) is a near miss
sed 's/^city_code: .*/city_code: 999900/' "$src/models/respond.yaml" > "$tmp/nocity9.yaml"
line=$(grep -n '^city_code' "$tmp/nocity9.yaml" | cut -d: -f1)
for verb in dispatch roster; do
    set +e
    if [ $verb = dispatch ]; then
        "$crisk" dispatch --db "$db" --config "$tmp/nocity9.yaml" --today 2024-03-01 > /dev/null 2> "$tmp/err"
    else
        "$crisk" roster --db "$db" --config "$tmp/nocity9.yaml" --file "$tmp/roster.csv" > /dev/null 2> "$tmp/err"
    fi
    rc=$?
    set -e
    [ $rc = 3 ] && grep -q "nocity9.yaml:$line:.*city_code 999900 is not a city of the division table" "$tmp/err" \
      || fail "$verb: city_code 999900 accepted (exit $rc): $(cat "$tmp/err")"
done
echo ok
