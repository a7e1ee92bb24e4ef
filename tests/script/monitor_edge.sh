#!/usr/bin/env bash
# crisk monitor on the boundary cases of monitor_fixture.py's "edge" city: windows at as_of - N
# and as_of - N + 1, dates after the as-of day, foreign forms (reason codes, 企业选择不公示,
# composite change items), a detector whose kind no topic provides, a disabled detector, an
# as-of day going backwards, and classification runs later than the as-of day.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=$tmp/fx
db=$fx/s.db
python3 "$here/monitor_fixture.py" "$fx" edge
"$crisk" ingest --db "$db" --catalog "$fx/catalog.yaml" > /dev/null
fail() { echo "monitor_edge: $*"; exit 1; }
rules=$here/../../models/monitor.yaml

"$crisk" monitor --db "$db" --as-of 2025-12-31 --json > "$tmp/run1.json"
"$crisk" warnings --db "$db" --csv > "$tmp/w1.csv"
python3 - "$fx/expect.csv" "$tmp/w1.csv" "$tmp/run1.json" <<'PY' || fail "firms flagged differ from the fixture's expectations"
import csv, json, sys
want = {r["uscc"]: set() if r["detector"] == "-" else {r["detector"]} for r in csv.DictReader(open(sys.argv[1]))}
got = {}
for r in csv.DictReader(open(sys.argv[2])):
    got.setdefault(r["uscc"], set()).add(r["detector"])
bad = [(u, want[u], got.get(u, set())) for u in want if want[u] != got.get(u, set())]
assert not bad, bad
assert set(got) <= set(want)
r = json.load(open(sys.argv[3]))
assert r["skipped"] == {}, r
PY
# The identity of the long address's cluster is its whole address key.
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning w WHERE w.detector = 'address_cluster'
   AND w.key = (SELECT addr_key FROM enterprise e JOIN warning_firm wf ON wf.subject = e.subject
   WHERE wf.warning = w.id LIMIT 1)")" = 1 ] || fail "the address cluster's key is not its address key"

# An as-of day earlier than the last run's is refused (exit 3), and nothing is written.
set +e
"$crisk" monitor --db "$db" --as-of 2025-06-30 > /dev/null 2> "$tmp/err"; code=$?
set -e
[ "$code" = 3 ] || fail "an earlier as-of exited $code, not 3"
grep -q 'earlier than monitor run 1' "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM monitor_run")" = 1 ] || fail "a refused run left a monitor_run row"

# A detector whose kind no topic provides is skipped, said so, and its warnings stay open.
sed 's/^    report_kind: annual_report$/    report_kind: no_such_kind/' "$rules" > "$tmp/nokind.yaml"
[ "$(grep -c no_such_kind "$tmp/nokind.yaml")" = 2 ] || fail "could not rename the report kind"
"$crisk" monitor --db "$db" --rules "$tmp/nokind.yaml" --as-of 2025-12-31 --json > "$tmp/run2.json"
python3 - "$tmp/run2.json" <<'PY' || fail "a detector without its topic was not skipped"
import json, sys
r = json.load(open(sys.argv[1]))
assert set(r["skipped"]) == {"zombie", "capital_mismatch"}, r
assert "no_such_kind" in r["skipped"]["zombie"], r
assert r["closed"] == 0 and r["new"] == 0, r
PY
"$crisk" monitor --db "$db" --rules "$tmp/nokind.yaml" --as-of 2025-12-31 | grep 'zombie .*skipped: no topic of kind no_such_kind' > /dev/null \
  || fail "the text report does not say the detector was skipped"
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning WHERE status = 'open'")" = 7 ] || fail "a skipped detector's warnings were closed"

# A legal-representative role no firm has: person_cluster is skipped too, not run on nobody.
sed 's/^    rep_role: 法定代表人$/    rep_role: 无此角色/' "$rules" > "$tmp/norole.yaml"
"$crisk" monitor --db "$db" --rules "$tmp/norole.yaml" --as-of 2025-12-31 --json > "$tmp/run2b.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['skipped'] == {'person_cluster': 'no role 无此角色 in the store'} and r['closed'] == 0, r" "$tmp/run2b.json" \
  || fail "a role no firm has did not skip person_cluster"

# A disabled detector's warnings are left open.
python3 - "$rules" "$tmp/off.yaml" <<'PY'
import sys
s = open(sys.argv[1]).read()
a = s.index("  unreachable:")
s = s[:a] + s[a:].replace("enabled: true", "enabled: false", 1)
open(sys.argv[2], "w").write(s)
PY
"$crisk" monitor --db "$db" --rules "$tmp/off.yaml" --as-of 2025-12-31 --json > "$tmp/run3.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['closed']==0, r" "$tmp/run3.json" \
  || fail "disabling a detector closed its warnings"
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning WHERE detector = 'unreachable' AND status = 'open'")" = 2 ] \
  || fail "the disabled detector's warnings are not open"

# level_jump compares runs as of the monitor's as-of day: a run dated later is not compared.
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
sqlite3 "$db" "UPDATE run_score SET level = 'A', top = '[[\"age_days\",5.0,0.1],[\"tax_x\",1.0,0.1]]' WHERE run = 1 AND subject = 1;
  UPDATE run_score SET level = 'D', top = '[[\"age_days\",10.0,0.1],[\"tax_x\",30.0,0.1]]' WHERE run = 2 AND subject = 1;
  INSERT INTO level_change VALUES(2, 1, 'A', 'D'); UPDATE run SET as_of = as_of + 30 WHERE id = 2;"
"$crisk" monitor --db "$db" --as-of 2025-12-31 --json > "$tmp/run4.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['warnings']['by_detector']['level_jump']==0, r" "$tmp/run4.json" \
  || fail "a classification run after the as-of day was compared"
"$crisk" monitor --db "$db" --as-of 2026-01-30 --json > "$tmp/run5.json"
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['warnings']['by_detector']['level_jump']==1, r" "$tmp/run5.json" \
  || fail "the jump is not found once the as-of day reaches the later run"
# The indicators that moved, largest rise first (tax_x +29 before age_days +5).
sqlite3 "$db" "SELECT evidence FROM warning WHERE detector = 'level_jump'" > "$tmp/jump"
python3 -c "
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert [m['indicator'] for m in e['indicators_moved']] == ['tax_x', 'age_days'], e
" "$tmp/jump" || fail "moved indicators not sorted by their rise"
echo "monitor_edge: window boundaries, foreign forms, skipped and disabled detectors, as-of order"
