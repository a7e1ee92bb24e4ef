#!/usr/bin/env bash
# Plan files and their lists (docs/inspect.md): every mistake is an error naming the file and
# line, exit 3, and no plan is recorded; a store without a classification run is refused.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 200 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
set +e; "$crisk" plan --db "$db" --file "$tmp/city/plans/annual.yaml" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc != 0 ] && grep 'classif' "$tmp/err" > /dev/null || { echo "a plan without a run: $rc $(cat "$tmp/err")"; exit 1; }
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
cp "$tmp/city/plans/"* "$tmp/"
"$crisk" plan --db "$db" --file "$tmp/annual.yaml" --today 2026-01-05 > /dev/null || { echo "the generated annual plan fails"; exit 1; }
bad() { # name expected-message-regex : the plan in $tmp/p.yaml must fail with exit 3
  set +e; "$crisk" plan --db "$db" --file "$tmp/p.yaml" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
  [ $rc = 3 ] || { echo "$1: exit $rc, not 3: $(cat "$tmp/err")"; exit 1; }
  grep -E "$2" "$tmp/err" > /dev/null || { echo "$1: message '$(cat "$tmp/err")' lacks /$2/"; exit 1; }
}
printf 'name: x\nyear: 2026\nratio: {A: 5%%}\n' > "$tmp/p.yaml"; bad "typo key" 'p\.yaml:3:1: unknown key .ratio.'
printf 'name: x\nyear: 2026\nratios: {A: 150%%, B: 1%%, C: 1%%, D: 1%%}\n' > "$tmp/p.yaml"; bad "150 %" 'p\.yaml:3:.*0% to 100%'
printf 'name: x\nyear: 2026\nratios: {A: 5.001%%, B: 1%%, C: 1%%, D: 1%%}\n' > "$tmp/p.yaml"; bad "finer than 0.01 %" 'steps of 0.01%'
# One form of ratio: percentages. A bare number is refused (is 1 one per cent or all?), and so
# are a negative or signed one; the near miss 1% is accepted below.
printf 'name: x\nyear: 2026\nratios: {A: 1, B: 15%%, C: 30%%, D: 50%%}\n' > "$tmp/p.yaml"; bad "bare 1" "p\\.yaml:3:.*percentage such as 5%.*not '1'"
printf 'name: x\nyear: 2026\nratios: {A: 0.05, B: 15%%, C: 30%%, D: 50%%}\n' > "$tmp/p.yaml"; bad "bare 0.05" "not '0.05'"
printf 'name: x\nyear: 2026\nratios: {A: -5%%, B: 15%%, C: 30%%, D: 50%%}\n' > "$tmp/p.yaml"; bad "negative" "not '-5%'"
printf 'name: x\nyear: 2026\nrandom_share: 0.1\n' > "$tmp/p.yaml"; bad "bare random_share" "random_share must be a percentage"
# All four levels when ratios are given: no silent defaults for the rest.
printf 'name: x\nyear: 2026\nratios: {A: 5%%, D: 60%%}\n' > "$tmp/p.yaml"; bad "two levels" 'p\.yaml:3:.*all four levels.*missing B, C'
# List files: beside the plan, inside its folder.
printf 'name: x\nyear: 2026\ncheck_items: /etc/passwd\nitems: [A1]\n' > "$tmp/p.yaml"; bad "absolute list" "p\\.yaml:3:.*'/etc/passwd'.*relative"
printf 'name: x\nyear: 2026\nconflicts: ../conflicts.csv\n' > "$tmp/p.yaml"; bad "escaping list" "p\\.yaml:3:.*'\\.\\./conflicts\\.csv'"
printf 'name: x\nyear: 2026\nno_penalty: {list: a/../../np.csv}\n' > "$tmp/p.yaml"; bad "escaping inside" "a/\\.\\./\\.\\./np\\.csv"
# Check-item codes: an unknown or repeated one at its own line.
printf 'name: x\nyear: 2026\ncheck_items: check_items.csv\nitems:\n  - GS-01\n  - GS-99\n' > "$tmp/p.yaml"; bad "unknown item at its line" "p\\.yaml:6:.*GS-99"
printf 'name: x\nyear: 2026\ncheck_items: check_items.csv\nitems: [GS-01, GS-01]\n' > "$tmp/p.yaml"; bad "item twice" "GS-01' is named twice"
printf 'name: x\nyear: 2026\nratios: {E: 5%%}\n' > "$tmp/p.yaml"; bad "level E" "unknown key 'E'"
printf 'name: x\nyear: 2026\ninspectors: 1\n' > "$tmp/p.yaml"; bad "one inspector" 'p\.yaml:3:.*at least 2'
printf 'name: x\nyear: 2026\nmode: {A: remote}\n' > "$tmp/p.yaml"; bad "mode" 'on-site or off-site'
printf 'name: x\nyear: 2026\nitems: [GS-01]\n' > "$tmp/p.yaml"; bad "items without a list" "check_items"
printf 'name: x\nyear: 2026\ncheck_items: check_items.csv\nitems: [NOPE-9]\n' > "$tmp/p.yaml"; bad "unknown item" "NOPE-9"
printf 'name: x\nyear: 2026\nscope: {levels: ABE}\n' > "$tmp/p.yaml"; bad "levels" 'letters A-D'
printf 'name: x\n' > "$tmp/p.yaml"; bad "no year" "year"
: > "$tmp/p.yaml"; bad "empty" 'empty|mapping'
printf 'name: x\nyear: 2026\nexemptions: {tolerance_years: -1}\n' > "$tmp/p.yaml"; bad "negative years" 'tolerance_years'
# Lists: wrong header, GB18030 text, a bad date, a bad quote, each at its line.
printf 'name: x\nyear: 2026\ncheck_items: items2.csv\nitems: [A1]\n' > "$tmp/p.yaml"
printf 'code,name\nA1,甲\n' > "$tmp/items2.csv"; bad "items header" 'items2\.csv:1.*header'
printf 'code,name,basis,qualifications\nA1,甲检查,法,general\n' | iconv -f UTF-8 -t GB18030 > "$tmp/items2.csv"
bad "GB18030 items" 'items2\.csv.*UTF-8'
printf 'code,name,basis,qualifications\nA1,"甲,检查,法,general\n' > "$tmp/items2.csv"; bad "bad quote" 'items2\.csv:2'
printf 'code,name,basis,qualifications\nA1,甲,法,general\nA1,乙,法,general\n' > "$tmp/items2.csv"; bad "item twice" 'items2\.csv:3.*twice'
printf 'name: x\nyear: 2026\nexemptions: {tolerance_list: tol.csv}\n' > "$tmp/p.yaml"
printf 'uscc,certified\n91440101MA5CJQ4N59,2025-13-45\n' > "$tmp/tol.csv"; bad "bad date" 'tol\.csv:2.*date'
printf 'name: x\nyear: 2026\nno_penalty: {list: np.csv}\n' > "$tmp/p.yaml"
printf '基本编码,事项名称\nMF-1,甲\n' > "$tmp/np.csv"; bad "免罚清单 header" 'np\.csv:1.*基本编码,事项名称,适用情形'
printf '基本编码,事项名称,适用情形\nMF-1,甲,首次\nMF-1,乙,首次\n' > "$tmp/np.csv"; bad "免罚清单 code twice" "np\\.csv:3:.*MF-1' listed twice"
printf 'name: x\nyear: 2026\nconflicts: nothere.csv\n' > "$tmp/p.yaml"; bad "missing list" 'nothere\.csv'
[ "$(sqlite3 "$db" 'SELECT count(*) FROM plan')" = 1 ] || { echo "a bad plan was recorded"; exit 1; }
# The near misses: the same files in a subfolder and 1% are fine.
mkdir -p "$tmp/lists"; cp "$tmp/check_items.csv" "$tmp/lists/"
printf 'name: x\nyear: 2026\nratios: {A: 1%%, B: 15%%, C: 30%%, D: 50%%}\nrandom_share: 10%%\ncheck_items: lists/check_items.csv\nitems: [GS-01]\n' > "$tmp/p.yaml"
"$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 --json > "$tmp/ok.json" || { echo "a good plan failed"; exit 1; }
python3 - "$db" <<'PY'
import json, sqlite3, sys
s = json.loads(sqlite3.connect(sys.argv[1]).execute("SELECT settings FROM plan WHERE id=2").fetchone()[0])
assert s["ratios_bp"] == {"A": 100, "B": 1500, "C": 3000, "D": 5000} and s["random_bp"] == 1000, s
assert [i["code"] for i in s["items"]] == ["GS-01"], s
PY
# plans lists the two plans.
[ "$("$crisk" plans --db "$db" | wc -l)" = 3 ] || { echo "plans: $("$crisk" plans --db "$db")"; exit 1; }
echo "plan files: every mistake at its file and line"
