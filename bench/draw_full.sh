#!/usr/bin/env bash
# The draw over the full city (issue 11: 1.6 M firms, ≤ 1 s, median of 3), on the store of
# bench/monitor.sh full (the city generated, ingested and classified; run that first): the city's
# roster is loaded, its annual plan (DIR/plans/annual.yaml, the Yuexiu ratios, 2 inspectors per
# inspection, workload cap 30) is recorded RUNS times as plans of their own, and each is drawn
# once with `crisk draw`, timed as a whole process (it reads the frozen list, checks its hash,
# draws, staffs every inspection from the roster and records the draw). Prints per run the
# process's wall and CPU time (user + system) and the draw's own "seconds" (everything before
# recording) with its phases (timings), and the medians.
# Usage: bench/draw_full.sh [RUNS] [N]   (default 3 runs on the full city, N = 1600000; CRISK
# overrides the binary). N = 100000 times the same on bench/out/monitor-100000.db (bench/monitor.sh
# 100000 makes it): the size the helpers may run beside others.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
crisk=${CRISK:-build/crisk}
n=${2:-1600000}
city=bench/out/city-$n
db=bench/out/monitor-$n.db
today=${TODAY:-2026-01-05}
[ -f "$db" ] || { echo "bench/draw_full.sh: $db is missing: run bench/monitor.sh full (or bench/monitor.sh $n) first" >&2; exit 1; }
[ -x "$crisk" ] || scripts/build.sh

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
"$crisk" roster --db "$db" --file "$city/roster.csv" > /dev/null
walls=() cpus=() ins=()
for i in $(seq "$runs"); do
  s=$(date +%s.%N)
  plan=$("$crisk" plan --db "$db" --file "$city/plans/annual.yaml" --today "$today" --json |
         python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["plan"], j["eligible"])')
  e=$(date +%s.%N)
  read -r id eligible <<< "$plan"
  echo "plan $id: $eligible firms in the frozen list (recorded in $(echo "$e - $s" | bc) s)"
  /usr/bin/time -f "%e %U %S" -o bench/out/draw-full.time \
    "$crisk" draw --db "$db" --plan "$id" --seed "bench-$i" --today "$today" --json > bench/out/draw-full.json
  read -r wall user sys < bench/out/draw-full.time
  cpu=$(echo "$user + $sys" | bc)
  read -r inproc sampled unstaffed timings < <(python3 -c 'import json; j = json.load(open("bench/out/draw-full.json")); t = j.get("timings", {}); print(j["seconds"], j["sampled"], j["unstaffed"], " ".join("%s %.3f" % kv for kv in t.items()))')
  echo "draw run $i: process $wall s wall, $cpu s CPU; draw before recording $inproc s ($timings), $sampled sampled, $unstaffed unstaffed (load average $(cut -d' ' -f1 /proc/loadavg))"
  walls+=("$wall") cpus+=("$cpu") ins+=("$inproc")
done
echo "median of $runs: process $(printf '%s\n' "${walls[@]}" | median) s wall, $(printf '%s\n' "${cpus[@]}" | median) s CPU (load average moves the wall time), before recording $(printf '%s\n' "${ins[@]}" | median) s (goal <= 1 s)"
