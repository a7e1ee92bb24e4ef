#!/usr/bin/env bash
# Classification speed: crisk classify against the same 72 indicators written in SQL and run by
# DuckDB (npm @duckdb/node-api) on the same rows, in the same run; checks that both give the
# same levels. Prints the times and the ratio.
# Usage: bench/classify.sh STORE [MODEL]    (a store ingested with crisk; e.g. bench/out/bench.db)
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1; model=${2:-models/gz-2021.yaml}
crisk=build/crisk
[ -x "$crisk" ] || scripts/build.sh
(cd bench/duckdb && { [ -d node_modules/@duckdb/node-api ] || npm ci --no-audit --no-fund > /dev/null; })
out=bench/out/classify; mkdir -p "$out"
"$crisk" model --model "$model" --json > "$out/model.json"
echo "== crisk classify"
/usr/bin/time -f "crisk peak RSS %M KiB, wall %e s" "$crisk" classify --db "$db" --model "$model" --json \
  2> "$out/crisk.time" | tee "$out/crisk.json"
cat "$out/crisk.time"
run=$(sed -E 's/.*"run":([0-9]+).*/\1/' "$out/crisk.json")
as_of=$(sqlite3 "$db" "SELECT as_of FROM run WHERE id=$run")
# The events with the attributes the model's flags read (those of flagged kinds only: the
# export of a whole city stays small); DuckDB evaluates the flags itself while loading.
kinds=$(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log([...new Set(m.flags.flatMap((f) => f.kinds))].join(","));' "$out/model.json")
echo "== export the same rows for DuckDB (not timed against either engine)"
s=$(date +%s.%N)
sqlite3 -csv "$db" "SELECT subject, industry, type, status, established, capital_fen, addr_key FROM enterprise" > "$out/enterprise.csv"
sqlite3 -csv "$db" "SELECT id, kind, code FROM topic" > "$out/topic.csv"
"$crisk" events --db "$db" --csv ${kinds:+--attrs-of "$kinds"} > "$out/event.csv"
sqlite3 -csv "$db" "SELECT subject, person, role FROM role WHERE subject IN (SELECT subject FROM enterprise)" > "$out/role.csv"
sqlite3 -csv "$db" "SELECT subject, score, level FROM run_score WHERE run = $run" > "$out/crisk.csv"
echo "export: $(echo "$(date +%s.%N) - $s" | bc) s"
echo "== DuckDB"
node bench/duckdb/classify.mjs "$out" "$out/model.json" "$as_of" | tee "$out/duckdb.json"
node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), d = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
  console.log(`compute: crisk ${c.timings.classify.toFixed(3)} s vs DuckDB ${d.query_s.toFixed(3)} s -> crisk is ${(d.query_s / c.timings.classify).toFixed(1)}x faster`);
  console.log(`with loading: crisk ${(c.timings.load + c.timings.classify).toFixed(2)} s (from SQLite) vs DuckDB ${(d.load_s + d.query_s).toFixed(2)} s (from CSV)`);
  console.log(`agreement: ${d.same_level} of ${d.compared} levels equal, largest score difference ${d.max_score_diff}`);' "$out/crisk.json" "$out/duckdb.json"
