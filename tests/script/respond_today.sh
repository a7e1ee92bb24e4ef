#!/usr/bin/env bash
# A --today after the machine's date (docs/respond.md "Dates"): crisk dispatch and crisk task
# refuse one more than today_ahead_days ahead (exit 3 naming the option and the limit) and write
# nothing, so one mistyped year cannot block the store's every real date; the limit itself is
# allowed (a near miss), a policy file of its own (--config, $CRISK_RESPOND) allows more, and
# earlier dates are never refused for being early.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_today: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 40 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
s=$(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 1")
q "UPDATE enterprise SET district='440106', street='440106001', grid='440106001001' WHERE subject=$s;
   INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES (1, 'zombie', 'k1', 'open', 1, 1, 1, 20000, 'w1', '{}');
   INSERT INTO warning_firm VALUES (1, $s);"
printf 'id,name,role,division,qualifications\nG1,张网,grid,440106001001,\n' > "$tmp/roster.csv"
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
# the machine's date in Asia/Shanghai, as crisk reads it, and the days after it
day() { python3 -c 'import datetime,sys
now = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
print(now + datetime.timedelta(int(sys.argv[1])))' "$1"; }
limit=$(sed -n 's/^today_ahead_days: *\([0-9]*\).*/\1/p' "$src/models/respond.yaml")
[ -n "$limit" ] || fail "no today_ahead_days in models/respond.yaml"
refuse() { # what pattern verb args...
    local what=$1 pat=$2; shift 2
    set +e; "$crisk" "$@" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
    [ $rc -eq 3 ] || fail "$what: exit $rc, want 3 ($(cat "$tmp/err"))"
    grep -q -- "$pat" "$tmp/err" || fail "$what: message lacks '$pat': $(cat "$tmp/err")"
}
refuse "dispatch in 2099" "--today 2099-01-01 .*the limit is $limit (today_ahead_days" \
  dispatch --db "$db" --today 2099-01-01
[ "$(q 'SELECT count(*) FROM task')" = 0 ] || fail "a refused dispatch made tasks"
refuse "dispatch a day past the limit" "--today $(day $((limit + 1))) .*the limit is $limit" \
  dispatch --db "$db" --today "$(day $((limit + 1)))"
[ "$(q 'SELECT count(*) FROM task_history')" = 0 ] || fail "a refused dispatch wrote history"
# near miss: the limit itself, and the machine's own date, are fine; so is the past
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null || fail "a past date refused"
"$crisk" dispatch --db "$db" --today "$(day 0)" > /dev/null || fail "the machine's date refused"
t=$(q "SELECT id FROM task WHERE kind='grid'")
refuse "task in 2099" "--today 2099-01-01 .*the limit is $limit (today_ahead_days" \
  task --db "$db" "$t" --accept --by G1 --today 2099-01-01
[ "$(q "SELECT status FROM task WHERE id=$t")" = open ] || fail "a refused step changed the task"
refuse "task a day past the limit" "the limit is $limit" \
  task --db "$db" "$t" --accept --by G1 --today "$(day $((limit + 1)))"
"$crisk" task --db "$db" "$t" --accept --by G1 --today "$(day "$limit")" > /dev/null \
  || fail "a step on the limit refused"
# the real dates still work: nothing was dated in 2099
"$crisk" dispatch --db "$db" --today "$(day "$limit")" > /dev/null || fail "dispatch after the refusals"
[ "$(q "SELECT max(at) FROM task_history")" = "$(python3 -c "import datetime; print((datetime.date.fromisoformat('$(day "$limit")') - datetime.date(1970,1,1)).days)")" ] \
  || fail "history dated beyond the limit: $(q 'SELECT * FROM task_history')"
# a policy of its own allows later dates (tests of deadlines in future years): --config and
# $CRISK_RESPOND alike
sed 's/^today_ahead_days: .*/today_ahead_days: 36500/' "$src/models/respond.yaml" > "$tmp/far.yaml"
cp "$db" "$tmp/b.db"
"$crisk" dispatch --db "$tmp/b.db" --config "$tmp/far.yaml" --today 2099-01-01 > /dev/null \
  || fail "--config with today_ahead_days 36500 refused 2099"
CRISK_RESPOND=$tmp/far.yaml "$crisk" task --db "$db" "$t" --close confirmed --by G1 --today 2099-01-01 > /dev/null \
  || fail "\$CRISK_RESPOND with today_ahead_days 36500 refused 2099"
# the bound of the key: a negative or fractional allowance is refused naming it
sed 's/^today_ahead_days: .*/today_ahead_days: -1/' "$src/models/respond.yaml" > "$tmp/neg.yaml"
refuse "a negative allowance" "neg.yaml:[0-9]*:.*today_ahead_days must be a whole number" \
  dispatch --db "$tmp/b.db" --config "$tmp/neg.yaml" --today 2099-01-01
echo ok
