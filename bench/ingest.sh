#!/usr/bin/env bash
# Ingest speed: crisk ingest of a synthetic city against the sqlite3 shell's .import of the same
# CSV rows into equivalent tables (one per topic, every column TEXT, no cleaning at all), in the
# same run, same machine, same SQLite settings. Prints medians of RUNS runs and the ratio.
# Usage: bench/ingest.sh [ENTERPRISES] [RUNS]     (default 100000 3; the full city is 1600000)
# Needs: a built crisk (scripts/build.sh), sqlite3. Writes under bench/out/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-3}
out=bench/out
city=$out/city-$n
mkdir -p "$out"
crisk=build/crisk
[ -x "$crisk" ] || scripts/build.sh
if [ ! -f "$city/catalog.yaml" ]; then
  echo "generating $n enterprises into $city"
  /usr/bin/time -f "gen: %e s wall, %M KiB peak RSS" "$crisk" gen --out "$city" --enterprises "$n" --seed 1
  du -sh "$city"
fi

# The .import script: every UTF-8 CSV file (GB18030 and JSON Lines files are beyond .import),
# into a table per topic, with the topic's delimiter.
awk '
  /^  - code: T/ { if (code) emit(); code=$3; files=""; fmt="csv"; enc="utf-8"; delim="," }
  /^    files: / { files=$0; sub(/.*\["/, "", files); sub(/"\].*/, "", files) }
  /^    format: / { fmt=$2 }
  /^    encoding: / { enc=$2 }
  /^    delimiter: / { delim=$2; gsub(/"/, "", delim) }
  function emit() { if (fmt == "csv" && enc == "utf-8") print code "\t" delim "\t" files }
  END { if (code) emit() }' "$city/catalog.yaml" > "$out/import-list-$n.tsv"
{
  echo "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
  echo ".mode csv"
  while IFS=$'\t' read -r code delim pattern; do
    [ "$delim" = '\t' ] && delim=$'\t'
    echo ".separator \"$delim\" \"\\n\""
    for f in $city/$pattern; do echo ".import '$f' $code"; done
  done < "$out/import-list-$n.tsv"
} > "$out/import-$n.sql"
import_rows=0
while IFS=$'\t' read -r code delim pattern; do
  for f in $city/$pattern; do import_rows=$((import_rows + $(grep -c . "$f") - 1)); done
done < "$out/import-list-$n.tsv"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
crisk_t=(); import_t=(); rows=0
for i in $(seq 1 "$runs"); do
  rm -f "$out/bench.db"*
  s=$(date +%s.%N)
  json=$("$crisk" ingest --db "$out/bench.db" --catalog "$city/catalog.yaml" --json)
  e=$(date +%s.%N)
  crisk_t+=("$(echo "$e - $s" | bc)")
  rows=$(echo "$json" | sed -E 's/.*"totals":\{"read":([0-9]+).*/\1/')
  rm -f "$out/import.db"*
  s=$(date +%s.%N)
  sqlite3 "$out/import.db" < "$out/import-$n.sql" > /dev/null 2>&1
  e=$(date +%s.%N)
  import_t+=("$(echo "$e - $s" | bc)")
done
ct=$(printf '%s\n' "${crisk_t[@]}" | median)
it=$(printf '%s\n' "${import_t[@]}" | median)
cr=$(echo "$rows / $ct" | bc)
ir=$(echo "$import_rows / $it" | bc)
echo "enterprises: $n, runs: $runs (medians)"
echo "crisk ingest:    $rows rows (all files, parsed, cleaned, de-duplicated, linked) in $ct s = $cr rows/s"
echo "sqlite3 .import: $import_rows rows (UTF-8 CSV files only, no cleaning) in $it s = $ir rows/s"
echo "ratio (crisk rows/s / .import rows/s): $(echo "scale=2; $cr / $ir" | bc)"
