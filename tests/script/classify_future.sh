#!/usr/bin/env bash
# classify --as-of after today (+ the model's as_of_ahead_days, default 0) is refused with exit 3
# before anything is recorded: a mistyped year would become the latest run. Today's date and,
# with as_of_ahead_days: 2 in the model, two days ahead are accepted (near misses).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
# the city's day (crisk counts days in UTC+8, CR_ZONE_DEFAULT_MIN)
day() { python3 -c "import datetime,sys; t=datetime.datetime.now(datetime.timezone.utc)+datetime.timedelta(hours=8); print((t.date()+datetime.timedelta(days=int(sys.argv[1]))).isoformat())" "$1"; }
runs() { sqlite3 "$db" "SELECT count(*) FROM run"; }
set +e
"$crisk" classify --db "$db" --as-of 2099-01-01 > "$tmp/out" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] || { echo "as-of 2099-01-01: exit $rc, not 3"; cat "$tmp/err"; exit 1; }
grep -q "as-of 2099-01-01 is after today" "$tmp/err" || { cat "$tmp/err"; exit 1; }
[ "$(runs)" = 0 ] || { echo "a refused as-of recorded a run"; exit 1; }
# before every firm of the store was established (a mistyped century): refused, no run
first=$(sqlite3 "$db" "SELECT date(min(established) * 86400, 'unixepoch') FROM enterprise WHERE established IS NOT NULL")
before=$(python3 -c "import datetime,sys; print((datetime.date.fromisoformat(sys.argv[1]) - datetime.timedelta(days=1)).isoformat())" "$first")
for bad in 1900-01-01 "$before"; do
  set +e
  "$crisk" classify --db "$db" --as-of "$bad" > /dev/null 2> "$tmp/err"; rc=$?
  set -e
  [ $rc = 3 ] || { echo "as-of $bad (the first firm on $first): exit $rc, not 3"; cat "$tmp/err"; exit 1; }
  grep -q "before every enterprise of the store was established (the first on $first)" "$tmp/err" || { cat "$tmp/err"; exit 1; }
done
[ "$(runs)" = 0 ] || { echo "an as-of before the city recorded a run"; exit 1; }
"$crisk" classify --db "$db" --as-of "$first" --json > /dev/null || { echo "the first firm's day refused"; exit 1; }
tomorrow=$(day 1)
set +e
"$crisk" classify --db "$db" --as-of "$tomorrow" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] || { echo "as-of $tomorrow (tomorrow): exit $rc, not 3"; exit 1; }
"$crisk" classify --db "$db" --as-of "$(day 0)" --json > /dev/null || { echo "today refused"; exit 1; }
[ "$(runs)" = 2 ] || exit 1
# a model allowing two days ahead (the key is read with the model; its hash changes with it)
src=${CRISK_SRC:-$(dirname "$0")/../..}
{ echo "as_of_ahead_days: 2"; cat "$src/models/gz-2021.yaml"; } > "$tmp/m.yaml"
"$crisk" classify --db "$db" --model "$tmp/m.yaml" --as-of "$(day 2)" > /dev/null \
  || { echo "as_of_ahead_days: 2 refused two days ahead"; exit 1; }
set +e
"$crisk" classify --db "$db" --model "$tmp/m.yaml" --as-of "$(day 3)" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] || { echo "three days ahead under as_of_ahead_days 2: exit $rc"; exit 1; }
grep -q "the 2 day(s) model gz-2021 allows" "$tmp/err" || { cat "$tmp/err"; exit 1; }
[ "$(runs)" = 3 ] || exit 1
echo "classify_future: 2099, tomorrow and days before the city refused (exit 3, no run), today and the model's allowance accepted"
