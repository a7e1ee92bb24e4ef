#!/usr/bin/env bash
# Hostile rules files for crisk monitor: each is refused with exit 3 and a message naming the file,
# line and field, before the store is touched; the shipped rules load.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$here/monitor_fixture.py" "$tmp/fx"
db=$tmp/fx/s.db
"$crisk" ingest --db "$db" --catalog "$tmp/fx/catalog.yaml" > /dev/null
check() { # name, file text, expected message part
    printf '%b' "$2" > "$tmp/$1.yaml"
    set +e
    "$crisk" monitor --db "$db" --rules "$tmp/$1.yaml" > /dev/null 2> "$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 3 ] || { echo "monitor_rules: $1: exit $rc, not 3"; cat "$tmp/err"; exit 1; }
    grep -qF -- "$3" "$tmp/err" || { echo "monitor_rules: $1: want '$3' in:"; cat "$tmp/err"; exit 1; }
}
h='rules: t\nversion: 1\ndetectors:\n'
check unknown_key "${h}  zombie:\n    years: 2\n    yeras: 3\n" "unknown_key.yaml:6:5: unknown key 'yeras' in detectors.zombie"
check unknown_detector "${h}  zombi: {}\n" "unknown_detector.yaml:4:3: unknown key 'zombi' in detectors"
check unknown_top "${h}  zombie: {}\nthresholds: 1\n" "unknown key 'thresholds'"
check negative "${h}  address_cluster:\n    min_firms: -4\n" "negative.yaml:5:16: address_cluster.min_firms must be a whole number from 2"
check fraction "${h}  legal_rep_churn: {min_changes: 2.5}\n" "legal_rep_churn.min_changes must be a whole number"
check text "${h}  zombie: {years: two}\n" "zombie.years must be a number, not 'two'"
check huge "${h}  capital_mismatch: {min_capital_yuan: 1e400}\n" "min_capital_yuan must be a number"
check level "${h}  level_jump: {from: [A, E]}\n" "level_jump.from must be a list of levels A..D"
check boolean "${h}  zombie: {enabled: yes}\n" "zombie.enabled must be true or false"
check empty_reason "${h}  unreachable: {reasons: [\"\"]}\n" "unreachable.reasons must be a non-empty string"
check no_reasons "${h}  unreachable: {reasons: []}\n" "unreachable.reasons must list at least one (to turn unreachable off: enabled: false)"
check no_items "${h}  legal_rep_churn: {items: []}\n" "legal_rep_churn.items must list at least one"
check no_version 'rules: t\ndetectors: {}\n' "needs a version"
check no_detectors 'rules: t\nversion: 1\n' "needs a mapping 'detectors'"
check empty '' "a rules file is a mapping"
check not_yaml 'rules: [\n' "not_yaml.yaml:"
# GB18030 text is not UTF-8: refused at its line.
printf 'rules: 监测\nversion: 1\ndetectors: {}\n' | iconv -f utf-8 -t gb18030 > "$tmp/gb.yaml"
set +e
"$crisk" monitor --db "$db" --rules "$tmp/gb.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] && grep -q "gb.yaml:1:" "$tmp/err" || { echo "monitor_rules: GB18030: exit $rc"; cat "$tmp/err"; exit 1; }
set +e
"$crisk" monitor --db "$db" --rules "$tmp/missing.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] && grep -q "missing.yaml" "$tmp/err" || { echo "monitor_rules: missing file: exit $rc"; cat "$tmp/err"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM monitor_run")" = 0 ] || { echo "monitor_rules: a refused rules file ran"; exit 1; }
# The shipped rules, and a file that sets nothing but its identity (every default), load and run.
"$crisk" monitor --db "$db" --rules "$here/../../models/monitor.yaml" --as-of 2025-12-31 > /dev/null
printf 'rules: t\nversion: 2\ndetectors: {}\n' > "$tmp/min.yaml"
"$crisk" monitor --db "$db" --rules "$tmp/min.yaml" --as-of 2025-12-31 --json > "$tmp/min.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['warnings']['total']==10 and r['updated']==10, r" "$tmp/min.json" \
  || { echo "monitor_rules: the defaults differ from models/monitor.yaml"; exit 1; }
echo "monitor_rules: 16 hostile rules files refused with file:line:col; defaults = models/monitor.yaml"
# An as-of after today (a mistyped year) would judge every firm's filings of the future missing
# and, once run, refuse every real date after it: refused before the store is touched.
runs() { sqlite3 "$db" "SELECT count(*) FROM monitor_run"; }
before=$(runs)
set +e
"$crisk" monitor --db "$db" --as-of 2099-01-01 > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ "$rc" = 3 ] && grep -q "as-of 2099-01-01 is after today" "$tmp/err" || { echo "monitor_rules: future as-of: exit $rc"; cat "$tmp/err"; exit 1; }
[ "$(runs)" = "$before" ] || { echo "monitor_rules: a future as-of ran"; exit 1; }
# the near miss: today itself runs
"$crisk" monitor --db "$db" --as-of "$(TZ=Asia/Shanghai date +%F)" > /dev/null || { echo "monitor_rules: today refused"; exit 1; }
[ "$(runs)" = $((before + 1)) ] || { echo "monitor_rules: today did not run"; exit 1; }
