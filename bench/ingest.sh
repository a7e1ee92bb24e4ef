#!/usr/bin/env bash
# Ingest speed: crisk ingest of a synthetic city against the sqlite3 shell's .import of the same
# CSV rows into declared tables (one per topic, every column TEXT, no cleaning at all), in the
# same run, same machine, same SQLite settings, alternately. Prints each run, the medians of RUNS
# runs, rows/s of both, the ratio and the goals (>= 1 M rows/s, >= 1.5x .import). Exits 1 when a
# step fails (crisk ingest, sqlite3, a missing file), naming it.
# Usage: bench/ingest.sh [ENTERPRISES] [RUNS]     (default 100000 3; the full city is 1600000)
# Each timed run starts after a sync, so that neither pays for the other's write-back; CPU is
# user + system seconds (GNU time).
# Needs: a built crisk (scripts/build.sh), sqlite3, python3, GNU time. Writes under bench/out/
# (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
step="start"
trap 'echo "bench/ingest.sh: FAILED at: $step (line $LINENO: $BASH_COMMAND)" >&2' ERR
fail() { echo "bench/ingest.sh: FAILED: $*" >&2; exit 1; }
[ $# -le 2 ] && [ "${1:-}" != --help ] && [ "${1:-}" != -h ] \
  || { echo "usage: bench/ingest.sh [ENTERPRISES] [RUNS]   (default 100000 3; the full city is 1600000)" >&2; exit 2; }
n=${1-100000}
runs=${2-3}
out=bench/out
city=$out/city-$n
mkdir -p "$out"
[[ "$n" =~ ^[1-9][0-9]*$ && "$runs" =~ ^[1-9][0-9]*$ ]] || fail "ENTERPRISES and RUNS must be positive integers"
crisk=build/crisk
step="build crisk"; [ -x "$crisk" ] || scripts/build.sh
step="crisk gen"
if [ ! -f "$city/catalog.yaml" ]; then
  echo "generating $n enterprises into $city"
  /usr/bin/time -f "gen: %e s wall, %M KiB peak RSS" "$crisk" gen --out "$city" --enterprises "$n" --seed 1
  du -sh "$city"
fi

step="read the catalog"
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
[ -s "$out/import-list-$n.tsv" ] || fail "$city/catalog.yaml lists no UTF-8 CSV topic"
# Declared tables: one per topic, its columns named c1..cN after the first file's header (N fields
# split by the topic's delimiter, quotes honoured), every column TEXT; .import --skip 1 leaves each
# file's header out. Nothing is left to the shell's guess of names from a header.
step="write the .import script"
python3 - "$city" "$out/import-list-$n.tsv" > "$out/import-$n.sql" <<'PY'
import csv, glob, sys
city, listing = sys.argv[1], sys.argv[2]
print("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
print(".mode csv")  # CSV quoting, with each topic's separator below
for line in open(listing, encoding="utf-8"):
    code, delim, pattern = line.rstrip("\n").split("\t")
    delim = "\t" if delim == "\\t" else delim
    files = sorted(glob.glob(f"{city}/{pattern}"))
    if not files:
        sys.exit(f"ingest.sh: topic {code}: no file matches {pattern}")
    with open(files[0], encoding="utf-8", newline="") as f:
        header = next(csv.reader(f, delimiter=delim), None)
    if not header:
        sys.exit(f"ingest.sh: {files[0]}: no header line")
    cols = ", ".join(f"c{i + 1} TEXT" for i in range(len(header)))
    print(f'CREATE TABLE "{code}" ({cols});')
    sep = "\\t" if delim == "\t" else delim
    print(f'.separator "{sep}" "\\n"')
    for name in files:
        print(f".import --skip 1 '{name}' {code}")
PY

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; print a[int((NR+1)/2)]}'; }
crisk_t=(); import_t=(); crisk_c=(); import_c=(); rows=0; import_rows=0
for i in $(seq 1 "$runs"); do
  step="crisk ingest, run $i"
  rm -f "$out/bench.db"*
  sync # the previous run's dirty pages are written back before this one starts, not during it
  /usr/bin/time -f "%e %U %S" -o "$out/ingest-$i.time" \
    "$crisk" ingest --db "$out/bench.db" --catalog "$city/catalog.yaml" --json > "$out/ingest-$i.json" \
    || fail "crisk ingest exited $? (run $i; $out/ingest-$i.json)"
  read -r wall user sys < "$out/ingest-$i.time"
  crisk_t+=("$wall"); crisk_cpu=$(echo "$user + $sys" | bc); crisk_c+=("$crisk_cpu")
  rows=$(node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (!j.totals || !Number.isInteger(j.totals.read)) { console.error("no totals.read"); process.exit(1); }
    console.log(j.totals.read);' "$out/ingest-$i.json") || fail "$out/ingest-$i.json: no totals.read"
  step="sqlite3 .import, run $i"
  rm -f "$out/import.db"*
  sync
  /usr/bin/time -f "%e %U %S" -o "$out/import-$i.time" \
    sqlite3 -bail "$out/import.db" < "$out/import-$n.sql" > /dev/null 2> "$out/import-$i.err" \
    || fail "sqlite3 .import exited $? (run $i): $(head -5 "$out/import-$i.err")"
  read -r wall user sys < "$out/import-$i.time"
  import_t+=("$wall"); import_cpu=$(echo "$user + $sys" | bc); import_c+=("$import_cpu")
  # Rows .import loaded (its own count, not the files' lines); its complaints are in import-N.err.
  import_rows=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
names = [r[0] for r in c.execute("SELECT name FROM sqlite_schema WHERE type = ?", ("table",))]
print(sum(c.execute(f"SELECT count(*) FROM \"{t}\"").fetchone()[0] for t in names))' "$out/import.db") \
    || fail "cannot count the rows of $out/import.db"
  [[ "$import_rows" =~ ^[0-9]+$ && "$import_rows" -gt 0 ]] || fail "sqlite3 .import loaded no rows (run $i)"
  printf 'run %d: crisk %.2f s, %.1f s CPU (%s rows), .import %.2f s, %.1f s CPU (%s rows; %s warnings)\n' \
    "$i" "${crisk_t[-1]}" "$crisk_cpu" "$rows" "${import_t[-1]}" "$import_cpu" "$import_rows" \
    "$(grep -c . "$out/import-$i.err" || true)"
done
step="summary"
ct=$(printf '%s\n' "${crisk_t[@]}" | median)
it=$(printf '%s\n' "${import_t[@]}" | median)
cr=$(echo "$rows / $ct" | bc)
ir=$(echo "$import_rows / $it" | bc)
ratio=$(echo "scale=2; $cr / $ir" | bc)
echo "enterprises: $n, runs: $runs (medians)"
echo "CPU (user + system): crisk $(printf '%s\n' "${crisk_c[@]}" | median) s, .import $(printf '%s\n' "${import_c[@]}" | median) s"
echo "crisk ingest:    $rows rows (all files, parsed, cleaned, de-duplicated, linked) in $ct s = $cr rows/s (goal >= 1,000,000: $([ "$cr" -ge 1000000 ] && echo met || echo NOT met))"
echo "sqlite3 .import: $import_rows rows (UTF-8 CSV files only, no cleaning) in $it s = $ir rows/s"
echo "ratio (crisk rows/s / .import rows/s): $ratio (goal >= 1.5: $([ "$(echo "$ratio >= 1.5" | bc)" = 1 ] && echo met || echo NOT met))"
