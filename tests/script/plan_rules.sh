#!/usr/bin/env bash
# Plan rules (docs/inspect.md "Plan rules"): a key left out of a partial exemptions:/triggers:
# block keeps its default (the frozen list is the one of a plan without the block);
# `tolerance_tag: null` and `complaint_kinds: []` turn them off; a plan recorded under rules 1
# (settings without "rules") still verifies by the rules it was recorded under, and not by the
# new ones; a plan whose stored text was changed is not drawn (exit 3).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" tag --db "$db" > /dev/null
# plan NAME BODY: records a plan and prints "id triggered tolerance"
plan() {
  printf 'name: %s\nyear: 2026\n%b' "$1" "$2" > "$tmp/$1.yaml"
  "$crisk" plan --db "$db" --file "$tmp/$1.yaml" --today 2026-01-05 --json 2> /dev/null |
    python3 -c 'import json,sys; j = json.load(sys.stdin); print(j["plan"], j["triggered"], j["exempt"]["tolerance"])'
}
setting() { # PLAN KEY: the recorded setting as JSON
  python3 -c 'import json,sqlite3,sys; print(json.dumps(json.loads(sqlite3.connect(sys.argv[1]).execute("SELECT settings FROM plan WHERE id=?", (int(sys.argv[2]),)).fetchone()[0]).get(sys.argv[3])))' "$db" "$1" "$2"
}
read -r p0 trig0 tol0 < <(plan whole '')
[ "$trig0" -gt 0 ] && [ "$tol0" -gt 0 ] || { echo "the fixture needs triggered ($trig0) and tolerance ($tol0) firms"; exit 1; }
read -r p1 trig1 tol1 < <(plan partial 'exemptions: {recent_days: 180}\ntriggers: {complaint_days: 90}\n')
[ "$trig1 $tol1" = "$trig0 $tol0" ] || { echo "a partial block lost a default: triggered $trig1 tolerance $tol1, not $trig0 $tol0"; exit 1; }
[ "$(setting "$p1" tolerance_tag)" = '"high_tech"' ] && [ "$(setting "$p1" complaint_kinds)" = '["complaint"]' ] \
  && [ "$(setting "$p1" rules)" = 2 ] || { echo "partial block settings: $(setting "$p1" tolerance_tag) $(setting "$p1" complaint_kinds) rules $(setting "$p1" rules)"; exit 1; }
read -r p2 trig2 tol2 < <(plan off 'exemptions: {tolerance_tag: null, deregistered: []}\ntriggers: {complaint_kinds: ~}\n')
[ "$trig2 $tol2" = "0 0" ] || { echo "tolerance_tag: null / complaint_kinds: [] did not turn them off: $trig2 $tol2"; exit 1; }
[ "$(setting "$p2" tolerance_tag)" = null ] || { echo "tolerance_tag: null recorded as $(setting "$p2" tolerance_tag)"; exit 1; }
[ "$(setting "$p2" deregistered)" = '[]' ] && [ "$(setting "$p2" complaint_kinds)" = '[]' ] \
  || { echo "deregistered: [] / complaint_kinds: ~ recorded as $(setting "$p2" deregistered) $(setting "$p2" complaint_kinds)"; exit 1; }
read -r p4 _ _ < <(plan triggers_null 'triggers: {complaint_kinds: [complaint]}\n')
[ "$(setting "$p4" deregistered)" != '[]' ] || { echo "deregistered left out lost its default"; exit 1; }
# scope.types in the store's form (NFKC): full-width parentheses match the registry's type
elig() { "$crisk" plan --db "$db" --file "$tmp/$1.yaml" --today 2026-01-05 --json 2> /dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["eligible"])'; }
ty=$(sqlite3 "$db" "SELECT type FROM enterprise WHERE type LIKE '%(%' GROUP BY type ORDER BY count(*) DESC LIMIT 1")
[ -n "$ty" ] || { echo "the fixture has no enterprise type with parentheses"; exit 1; }
printf 'name: t1\nyear: 2026\nscope: {types: ["%s"]}\n' "$ty" > "$tmp/t1.yaml"
printf 'name: t2\nyear: 2026\nscope: {types: ["%s"]}\n' "$(printf '%s' "$ty" | sed 's/(/（/g; s/)/）/g')" > "$tmp/t2.yaml"
e1=$(elig t1); e2=$(elig t2)
[ "$e1" -gt 0 ] && [ "$e1" = "$e2" ] || { echo "scope.types: '$ty' gives $e1 firms, its full-width form $e2"; exit 1; }
# rules 2 plans draw and verify
d1=$("$crisk" draw --db "$db" --plan "$p1" --seed a --today 2026-01-06 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["draw"])')
"$crisk" draw verify --db "$db" --draw "$d1" > "$tmp/out" || { echo "verify of a rules-2 plan: $(cat "$tmp/out")"; exit 1; }

# A plan recorded under rules 1: the partial blocks gave no tag and no kinds, and no "rules".
python3 - "$db" "$p1" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); plan = int(sys.argv[2])
st = json.loads(db.execute("SELECT settings FROM plan WHERE id=?", (plan,)).fetchone()[0])
del st["rules"]; st["tolerance_tag"] = None; st["complaint_kinds"] = []
db.execute("UPDATE plan SET settings=? WHERE id=?", (json.dumps(st, ensure_ascii=False), plan))
db.commit()
PY
"$crisk" draw verify --db "$db" --draw "$d1" > "$tmp/out" || { echo "a rules-1 plan does not verify by rules 1: $(cat "$tmp/out")"; exit 1; }
# ... and the same settings claimed under rules 2 do not match its text
python3 -c 'import json,sqlite3,sys
db = sqlite3.connect(sys.argv[1]); p = int(sys.argv[2])
st = json.loads(db.execute("SELECT settings FROM plan WHERE id=?", (p,)).fetchone()[0]); st["rules"] = 2
db.execute("UPDATE plan SET settings=? WHERE id=?", (json.dumps(st), p)); db.commit()' "$db" "$p1"
set +e; "$crisk" draw verify --db "$db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -q 'setting tolerance_tag is null in the recorded settings but "high_tech"' "$tmp/out" \
  || { echo "rules 2 with rules-1 settings: exit $rc: $(cat "$tmp/out")"; exit 1; }
# rules this crisk does not know: no draw, a message
python3 -c 'import json,sqlite3,sys
db = sqlite3.connect(sys.argv[1]); p = int(sys.argv[2])
st = json.loads(db.execute("SELECT settings FROM plan WHERE id=?", (p,)).fetchone()[0]); st["rules"] = 99
db.execute("UPDATE plan SET settings=? WHERE id=?", (json.dumps(st), p)); db.commit()' "$db" "$p2"
set +e; "$crisk" draw --db "$db" --plan "$p2" --seed b --today 2026-01-06 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'plan rules of a later version' "$tmp/err" || { echo "rules 99: exit $rc: $(cat "$tmp/err")"; exit 1; }

# A plan whose stored text was changed after it was recorded is not drawn; verify says so.
sqlite3 "$db" "UPDATE plan SET text = text || '# edited' WHERE id=$p0"
set +e; "$crisk" draw --db "$db" --plan "$p0" --seed c --today 2026-01-06 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'changed after it was recorded' "$tmp/err" || { echo "a changed plan text: draw exit $rc: $(cat "$tmp/err")"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw WHERE plan=$p0")" = 0 ] || { echo "a changed plan was drawn"; exit 1; }
# Recorded settings changed after recording (the draw reads them): not drawn, the setting named.
read -r p3 _ _ < <(plan edited '')
sqlite3 "$db" "UPDATE plan SET settings = json_set(settings, '\$.ratios_bp.A', 10000) WHERE id=$p3"
set +e; "$crisk" draw --db "$db" --plan "$p3" --seed d --today 2026-01-06 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'setting ratios_bp is.*were changed after' "$tmp/err" || { echo "changed settings: draw exit $rc: $(cat "$tmp/err")"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw WHERE plan=$p3")" = 0 ] || { echo "a plan with changed settings was drawn"; exit 1; }
echo "plan rules: partial blocks keep defaults, null/[] turn off, rules-1 plans verify, changed text refused"
