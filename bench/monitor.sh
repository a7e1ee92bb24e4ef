#!/usr/bin/env bash
# The monitor stage on the synthetic city (bench/README.md "Monitor").
#
# Usage: bench/monitor.sh [N]            quality: a city of N firms (default 100000, seed 1) is
#                                        generated, ingested and classified; crisk monitor runs and
#                                        bench/monitor.py prints per detector (and per rule) the
#                                        firms flagged, precision and recall against truth.csv,
#                                        the baseline and the hard negatives flagged
#        bench/monitor.sh full [RUNS]    speed: the full city (1,600,000 firms); times a fresh
#                                        crisk monitor RUNS times (default 3; the monitor's tables
#                                        emptied before each), one re-run, and crisk dispatch
#                                        (tasks emptied before each), and prints the medians
# Writes under bench/out/ (git-ignored): city-N (shared with bench/ingest.sh; regenerated when its
# truth.csv predates hard_negative), monitor-N.db, warnings-N.csv. Needs a built crisk
# (scripts/build.sh; CRISK overrides), sqlite3 and python3. The full city takes ~8 GB and its
# store ~15 GB: check `df -h` first.
set -euo pipefail
cd "$(dirname "$0")/.."
crisk=${CRISK:-build/crisk}
as_of=${AS_OF:-2025-12-31} # the city's last day (gen's default period 2023-2025)
today=${TODAY:-2026-01-05} # dispatch's today: the first working Monday after it
mode=quality
if [ "${1:-}" = full ]; then
  mode=full
  n=1600000
  runs=${2:-3}
else
  n=${1:-100000}
fi
out=bench/out
city=$out/city-$n
db=$out/monitor-$n.db
mkdir -p "$out"
[ -x "$crisk" ] || scripts/build.sh

# The city, unless it exists and is of this generator (truth.csv with hard_negative).
if [ ! -f "$city/catalog.yaml" ] || ! head -1 "$city/truth.csv" 2>/dev/null | grep -q ',hard_negative$'; then
  rm -rf "$city" "$db" "$db".*
  echo "generating $n enterprises into $city"
  /usr/bin/time -f "gen: %e s wall, %M KiB peak RSS" "$crisk" gen --out "$city" --enterprises "$n" --seed 1
fi
# The store, unless it is newer than the city.
if [ ! -f "$db" ] || [ "$city/truth.csv" -nt "$db" ]; then
  rm -f "$db" "$db".*
  echo "ingesting into $db"
  /usr/bin/time -f "ingest: %e s wall, %M KiB peak RSS" "$crisk" ingest --db "$db" --catalog "$city/catalog.yaml" > /dev/null
  /usr/bin/time -f "classify: %e s wall, %M KiB peak RSS" "$crisk" classify --db "$db" --as-of "$as_of" > /dev/null
fi

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# wall seconds of a command (its output to /dev/null; a failure stops the bench)
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

if [ $mode = quality ]; then
  echo "crisk monitor --as-of $as_of:"
  /usr/bin/time -f "monitor: %e s wall, %M KiB peak RSS" "$crisk" monitor --db "$db" --as-of "$as_of" --json
  echo
  "$crisk" warnings --db "$db" --csv > "$out/warnings-$n.csv"
  python3 bench/monitor.py "$out/warnings-$n.csv" "$db" "$city/truth.csv"
  exit 0
fi

# Full city: speed. The monitor's tables (the shared contract's) are emptied before each fresh
# run; the tasks' tables are whatever the respond stage created (every table of the store whose
# name starts with task).
reset_monitor() {
  sqlite3 "$db" "DELETE FROM warning_history; DELETE FROM warning_firm; DELETE FROM warning; DELETE FROM monitor_run;"
}
reset_tasks() {
  local t
  for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'task%'"); do
    sqlite3 "$db" "DELETE FROM $t"
  done
}
echo "full city: $(sqlite3 "$db" "SELECT count(*) FROM enterprise") enterprises, $runs runs"
reset_tasks
fresh=()
for i in $(seq "$runs"); do
  reset_monitor
  t=$(timed "$crisk" monitor --db "$db" --as-of "$as_of" --json)
  echo "monitor (fresh) run $i: $t s"
  fresh+=("$t")
done
rerun=$(timed "$crisk" monitor --db "$db" --as-of "$as_of" --json)
echo "monitor (re-run, updates): $rerun s"
"$crisk" monitor --db "$db" --as-of "$as_of" --json
echo
disp=()
if "$crisk" dispatch --help > /dev/null 2>&1; then
  for i in $(seq "$runs"); do
    reset_tasks
    t=$(timed "$crisk" dispatch --db "$db" --today "$today")
    echo "dispatch run $i: $t s"
    disp+=("$t")
  done
else
  echo "dispatch: not in this build of crisk"
fi
echo "monitor fresh median: $(printf '%s\n' "${fresh[@]}" | median) s (goal <= 10 s)"
[ ${#disp[@]} = 0 ] || echo "dispatch median: $(printf '%s\n' "${disp[@]}" | median) s (goal <= 5 s)"
