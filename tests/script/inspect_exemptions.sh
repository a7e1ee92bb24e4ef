#!/usr/bin/env bash
# Every exemption and trigger of a plan (docs/inspect.md) on a hand-built store, each with a near
# miss: deregistered/revoked status (whole
# values: 简易注销公告中 holds 注销 and is not one); tolerance period by the high_tech tag (within 2 years of
# establishment) and by a configured list (within 2 years of certification); a complaint in the
# window or an open warning triggers (also over a tolerance period), one outside the window or a
# closed warning does not; firms drawn by a routine plan within 365 days are exempt from the
# next routine plan, not after 365 days and not from a special (non-routine) plan.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: fixture
departments:
  - {code: SJ, name: 市场监管局}
topics:
  - code: ENT
    name: 企业登记
    department: SJ
    kind: registry
    files: [ent.csv]
    key: {column: 代号, type: local, namespace: t}
    fields: {name: 名称, status: 状态, established: 成立日期, district: 区, street: 街道}
    required: [name]
  - code: CPL
    name: 投诉举报
    department: SJ
    kind: complaint
    files: [cpl.csv]
    key: {column: 代号, type: local, namespace: t}
    fields: {date: 日期}
  - code: CERT
    name: 高新技术企业认定
    department: SJ
    kind: certificate
    files: [cert.csv]
    key: {column: 代号, type: local, namespace: t}
    fields: {date: 日期}
YAML
{
  echo "代号,名称,状态,成立日期,区,街道"
  echo "E01,注销公司,注销,2010-01-01,440103,440103001"
  echo "E02,高新新公司,在营（开业）企业,2025-06-01,440103,440103001"
  echo "E03,高新老公司,在营（开业）企业,2020-01-01,440103,440103001"
  echo "E04,高新被投诉公司,在营（开业）企业,2025-06-01,440103,440103001"
  echo "E05,旧投诉公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E06,预警公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E07,预警已关公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E08,普通公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E09,名单新公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E10,名单老公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E11,吊销公司,吊销，未注销,2010-01-01,440103,440103001"
  echo "E12,在营公司,在营（开业）企业,2010-01-01,440103,440103001"
  echo "E13,简易注销公告公司,简易注销公告中,2010-01-01,440103,440103001"
} > "$tmp/ent.csv"
printf '代号,日期\nE04,2025-12-20\nE05,2025-08-01\n' > "$tmp/cpl.csv"
printf '代号,日期\nE02,2025-06-01\nE03,2025-06-01\nE04,2025-06-01\n' > "$tmp/cert.csv"
"$crisk" ingest --db "$db" --catalog "$tmp/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" tag --db "$db" > /dev/null
sqlite3 "$db" "UPDATE run_score SET level='B'"
[ "$(sqlite3 "$db" "SELECT count(*) FROM enterprise_tag WHERE tag='high_tech'")" = 3 ] \
  || { echo "fixture: the high_tech tag is not on E02-E04"; exit 1; }
# Warnings: E06 in an open one, E07 in a closed one.
sqlite3 "$db" "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day, closed_day, summary, evidence) VALUES (1,'same_address','k1','open',1,1,1,20400,NULL,'一址多照','{}'), (2,'same_address','k2','closed',1,1,1,20400,20410,'一址多照','{}');
  INSERT INTO warning_firm SELECT 1, id FROM subject WHERE key='t:E06';
  INSERT INTO warning_firm SELECT 2, id FROM subject WHERE key='t:E07';"
printf 'uscc,certified\nt:E09,2025-03-01\nt:E10,2022-01-01\n' > "$tmp/tol.csv"
cat > "$tmp/p1.yaml" <<'YAML'
name: 常规计划一
year: 2026
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
random_share: 0%
exemptions: {tolerance_tag: high_tech, tolerance_list: tol.csv, tolerance_years: 2}
YAML
"$crisk" plan --db "$db" --file "$tmp/p1.yaml" --today 2026-01-05 --json > "$tmp/p1.json" 2> "$tmp/err"
grep -q "warning: exemptions.deregistered: 1 firms have a status such as '简易注销公告中'" "$tmp/err" \
  || { echo "no warning on a status near the listed ones: $(cat "$tmp/err")"; exit 1; }
# the frozen list's classes, decoded by tests/script/plan_list.py (docs/store.md "plan_list")
list() { python3 "$here/plan_list.py" "${2:-$db}" "$1"; }
cls() { list "$1" | awk -F, '{ printf "%s%s=%s", (NR > 1 ? " " : ""), substr($1, 3), $3 }'; }
want="E01=exempt_status E02=exempt_tolerance E03=pool E04=triggered E05=pool E06=triggered E07=pool E08=pool E09=exempt_tolerance E10=pool E11=exempt_status E12=pool E13=pool"
[ "$(cls 1)" = "$want" ] || { echo "plan 1 classes: $(cls 1)"; echo "want:           $want"; exit 1; }
python3 - "$tmp/p1.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["eligible"] == 13 and j["pool"] == 7 and j["triggered"] == 2, j
assert j["exempt"] == {"recent": 0, "deregistered": 2, "tolerance": 2}, j
PY
"$crisk" draw --db "$db" --plan 1 --seed s1 --today 2026-01-06 --json > "$tmp/d1.json"
python3 - "$tmp/d1.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["sampled"] == 9 and j["triggered"] == 2 and j["targeted"] == 7 and j["random_arm"] == 0, j
assert j["exempt"] == {"recent": 0, "deregistered": 2, "tolerance": 2}, j
PY
# A second routine plan within 365 days: the 9 drawn firms are exempt_recent, except the
# triggered one (a trigger wins over the exemption; E04's complaint is out of the window now).
"$crisk" plan --db "$db" --file "$tmp/p1.yaml" --today 2026-12-01 > /dev/null
want2="E01=exempt_status E02=exempt_tolerance E03=exempt_recent E04=exempt_recent E05=exempt_recent E06=triggered E07=exempt_recent E08=exempt_recent E09=exempt_tolerance E10=exempt_recent E11=exempt_status E12=exempt_recent E13=exempt_recent"
[ "$(cls 2)" = "$want2" ] || { echo "plan 2 classes: $(cls 2)"; exit 1; }
# Near misses on a copy: a plan dated the draw's own day does not count it (only draws before
# the plan's day), and a voided draw counts for nothing.
cp "$db" "$tmp/c.db"
"$crisk" plan --db "$tmp/c.db" --file "$tmp/p1.yaml" --today 2026-01-06 > /dev/null
[ "$(list 3 "$tmp/c.db" | grep -c ',exempt_recent,')" = 0 ] \
  || { echo "a draw on the plan's own day counted as recent"; exit 1; }
"$crisk" draw --db "$tmp/c.db" --plan 1 --seed s9 --today 2026-01-06 --redraw --reason test --by u1 > /dev/null
sqlite3 "$tmp/c.db" "UPDATE draw SET void_by='u1', void_reason='t', void_day=0 WHERE id=2"
"$crisk" plan --db "$tmp/c.db" --file "$tmp/p1.yaml" --today 2026-12-01 > /dev/null
[ "$(list 4 "$tmp/c.db" | grep -c ',exempt_recent,')" = 0 ] \
  || { echo "a void draw counted as recent"; exit 1; }
# Near misses: 365 days after the draw still exempt, 366 days not; on the second anniversary of
# establishment (E02, E04; the period is [day, day + 2 years)) the tolerance period is over.
# (Plans of 2027, dated in 2027: a plan's day lies in its year or the year before.)
sed 's/^year: 2026$/year: 2027/' "$tmp/p1.yaml" > "$tmp/p1y.yaml"
"$crisk" plan --db "$db" --file "$tmp/p1y.yaml" --today 2027-01-06 > /dev/null
[ "$(list 3 | grep '^t:E08,' | cut -d, -f3)" = exempt_recent ] \
  || { echo "365 days after the draw E08 is not exempt: $(cls 3)"; exit 1; }
"$crisk" plan --db "$db" --file "$tmp/p1y.yaml" --today 2027-01-07 > /dev/null
want4="E01=exempt_status E02=exempt_tolerance E03=pool E04=exempt_tolerance E05=pool E06=triggered E07=pool E08=pool E09=exempt_tolerance E10=pool E11=exempt_status E12=pool E13=pool"
[ "$(cls 4)" = "$want4" ] || { echo "plan 4 classes: $(cls 4)"; echo "want:           $want4"; exit 1; }
"$crisk" plan --db "$db" --file "$tmp/p1y.yaml" --today 2027-05-31 > /dev/null
[ "$(list 5 | grep -E '^t:E0[24],' | cut -d, -f3 | paste -sd,)" = exempt_tolerance,exempt_tolerance ] \
  || { echo "the day before the second anniversary E02/E04 left the tolerance period: $(cls 5)"; exit 1; }
"$crisk" plan --db "$db" --file "$tmp/p1y.yaml" --today 2027-06-01 > /dev/null
want6="E01=exempt_status E02=pool E03=pool E04=pool E05=pool E06=triggered E07=pool E08=pool E09=pool E10=pool E11=exempt_status E12=pool E13=pool"
[ "$(cls 6)" = "$want6" ] || { echo "plan 6 classes: $(cls 6)"; echo "want:           $want6"; exit 1; }
sed 's/^name: .*/name: 专项计划\nroutine: false/' "$tmp/p1.yaml" > "$tmp/p4.yaml"
"$crisk" plan --db "$db" --file "$tmp/p4.yaml" --today 2026-01-05 > /dev/null
[ "$(cls 7)" = "$want" ] || { echo "plan 7 (special) classes: $(cls 7)"; exit 1; }
# Scope: a street that holds none of the firms, or levels none has, is an empty plan: refused
# (exit 3) with the scope named, and not recorded.
n0=$(sqlite3 "$db" "SELECT count(*) FROM plan")
empty() { # plan-file regex
  set +e; "$crisk" plan --db "$db" --file "$1" --today 2026-06-01 > /dev/null 2> "$tmp/err"; local rc=$?; set -e
  [ $rc = 3 ] && grep -Eq "$2" "$tmp/err" || { echo "empty scope $1: exit $rc: $(cat "$tmp/err")"; exit 1; }
}
printf 'name: 空\nyear: 2026\nscope: {streets: [440104001]}\n' > "$tmp/p5.yaml"
empty "$tmp/p5.yaml" "no firm of classification run [0-9]+ is in the plan's scope \\(levels ABCD; streets 440104001\\)"
printf 'name: 级\nyear: 2026\nscope: {levels: CD}\n' > "$tmp/p6.yaml"
empty "$tmp/p6.yaml" "scope \\(levels CD\\)"
[ "$(sqlite3 "$db" "SELECT count(*) FROM plan")" = "$n0" ] || { echo "an empty plan was recorded"; exit 1; }
# A tag no firm has: a warning (stderr and --json), the plan recorded from the other tag.
printf 'name: 标签\nyear: 2026\nroutine: false\nscope: {tags: [no_such_tag, high_tech]}\n' > "$tmp/p7.yaml"
"$crisk" plan --db "$db" --file "$tmp/p7.yaml" --today 2026-06-01 --json > "$tmp/p7.json" 2> "$tmp/err"
grep -q "warning: scope.tags: no firm of run [0-9]* has the tag 'no_such_tag'" "$tmp/err" \
  || { echo "no warning for a tag no firm has: $(cat "$tmp/err")"; exit 1; }
python3 - "$tmp/p7.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["eligible"] == 3 and any("no_such_tag" in w for w in j["warnings"]), j
PY
# Every firm in scope exempt (E01, E11: deregistered): recorded, with a warning that a draw
# samples none; the draw says so too.
printf 'name: 全免\nyear: 2026\nroutine: false\nexemptions: {deregistered: [在营（开业）企业, 简易注销公告中, 注销, 吊销，未注销]}\n' > "$tmp/p8.yaml"
"$crisk" plan --db "$db" --file "$tmp/p8.yaml" --today 2026-06-01 --json > "$tmp/p8.json" 2> "$tmp/err"
grep -q "warning: all 13 firms in the scope are exempt" "$tmp/err" || { echo "all exempt: $(cat "$tmp/err")"; exit 1; }
p8=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["exempt"]["deregistered"] == 13, j; print(j["plan"])' "$tmp/p8.json")
"$crisk" draw --db "$db" --plan "$p8" --seed s8 --today 2026-06-01 --json > "$tmp/d8.json" 2> "$tmp/err"
grep -q "warning: the draw sampled no firm" "$tmp/err" || { echo "empty draw: $(cat "$tmp/err")"; exit 1; }
grep -q '"warnings": *\["the draw sampled no firm' "$tmp/d8.json" || { echo "empty draw json: $(cat "$tmp/d8.json")"; exit 1; }
echo "inspect exemptions: status, tolerance (tag, list), recent, triggers, with near misses"
