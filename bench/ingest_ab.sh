#!/usr/bin/env bash
# A/B of crisk ingest builds: each binary ingests the same city into a fresh store, binaries
# alternated, `sync` before each run (the previous run's writes flushed), ROUNDS rounds. Prints a
# line per run (wall s, user s, sys s, peak RSS KiB, rows/s and the totals of the report: builds
# that store the same rows count the same) and each binary's medians. Used for bench/README.md
# "Session 10" (build variants such as
# `cmake -S . -B /tmp/ab -DCMAKE_C_FLAGS=-DCR_STORE_WRITE_CACHE_KIB=8192`, or a worktree of an
# older commit). No peer: the binaries are each other's baseline.
# Usage: bench/ingest_ab.sh CITY ROUNDS CRISK_A CRISK_B [CRISK…]
#   (CITY: a folder of `crisk gen`, e.g. bench/out/city-1600000). Writes bench/out/ab.db.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "bench/ingest_ab.sh: FAILED: $*" >&2; exit 1; }
[ $# -ge 4 ] || fail "usage: bench/ingest_ab.sh CITY ROUNDS CRISK_A CRISK_B [CRISK…]"
city=$1 rounds=$2
shift 2
[ -f "$city/catalog.yaml" ] || fail "$city/catalog.yaml: no such city (crisk gen --out $city)"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "ROUNDS must be a positive integer"
for b in "$@"; do [ -x "$b" ] || fail "$b: not an executable"; done
# A binary copied out of its build reads the reference data of the folder it was built in
# (CRISK_DATA_DIR); that of this checkout unless the caller says otherwise.
export CRISK_DATA=${CRISK_DATA:-$PWD/data}
mkdir -p bench/out
db=bench/out/ab.db
trap 'rm -f "$db" "$db"-wal "$db"-shm "$db".lock "$db".cols' EXIT
log=$(mktemp)
for i in $(seq 1 "$rounds"); do
  for b in "$@"; do
    rm -f "$db" "$db"-wal "$db"-shm "$db".lock "$db".cols
    sync
    /usr/bin/time -f "%e %U %S %M" -o "$log.t" "$b" ingest --db "$db" --catalog "$city/catalog.yaml" \
      --json > "$log.j" || fail "$b ingest exited $? (round $i)"
    rps=$(python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); t = j["totals"]
print("%d rows/s; loaded %d, duplicates %d, quarantined %d" % (j["rows_per_s"], t["loaded"], t["duplicates"], t["quarantined"]))' "$log.j") \
      || fail "$b: no rows_per_s in its report"
    echo "round $i $b: $(cat "$log.t" | awk '{printf "%.1f s wall, %.1f s user, %.1f s sys, %d KiB peak", $1, $2, $3, $4}'), $rps"
    echo "$b $(cat "$log.t")" >> "$log"
  done
done
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "medians of $rounds:"
for b in "$@"; do
  w=$(awk -v b="$b" '$1 == b {print $2}' "$log" | median)
  c=$(awk -v b="$b" '$1 == b {print $3 + $4}' "$log" | median)
  echo "  $b: $w s wall, $c s CPU"
done
rm -f "$log" "$log.t" "$log.j"
