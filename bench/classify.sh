#!/usr/bin/env bash
# Classification speed: crisk classify against the same 72 indicators written in SQL and run by
# DuckDB (npm @duckdb/node-api, bench/duckdb/classify.mjs) on the same rows, in the same run;
# checks that both give the same levels (exit 1 when not). Prints, as medians of RUNS runs:
# crisk's compute (classify --json timings.classify) and whole process (wall, peak RSS), DuckDB's
# compute (the query on its native tables) and load (declared CSV reads into native tables), and
# the two ratios against the goals (crisk >= 5x on compute, >= 2x with loading).
# Usage: bench/classify.sh STORE [MODEL] [RUNS]   (a store ingested with crisk, e.g. bench/out/bench.db;
#        default MODEL models/gz-2021.yaml, RUNS 3). Each crisk run adds a run to STORE.
set -euo pipefail
cd "$(dirname "$0")/.."
step="start"
trap 'echo "bench/classify.sh: FAILED at: $step (line $LINENO: $BASH_COMMAND)" >&2' ERR
fail() { echo "bench/classify.sh: FAILED: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: bench/classify.sh STORE [MODEL] [RUNS]" >&2; exit 2; }
db=$1; model=${2:-models/gz-2021.yaml}; runs=${3:-3}
[ -f "$db" ] || fail "no store $db"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "RUNS must be a positive integer, not '$runs'"
crisk=build/crisk
step="build crisk"; [ -x "$crisk" ] || scripts/build.sh
step="npm ci in bench/duckdb"
(cd bench/duckdb && { [ -d node_modules/@duckdb/node-api ] || npm ci --no-audit --no-fund > /dev/null; })
out=bench/out/classify; mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.csv "$out"/*.time
step="crisk model --json"; "$crisk" model --model "$model" --json > "$out/model.json"
# A JSON field of a file, or a failure naming the file and field.
jget() { node -e '
  const [f, path] = process.argv.slice(1); let v = JSON.parse(require("fs").readFileSync(f, "utf8"));
  for (const k of path.split(".")) v = v == null ? undefined : v[k];
  if (typeof v !== "number" && typeof v !== "string") { console.error(`${f}: no field ${path}`); process.exit(1); }
  console.log(v);' "$1" "$2"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; print a[int((NR+1)/2)]}'; }

echo "== crisk classify ($runs runs)"
compute=(); wall=(); rss=(); cpu=()
for i in $(seq 1 "$runs"); do
  step="crisk classify, run $i"
  /usr/bin/time -f "%e %M %U %S" -o "$out/crisk-$i.time" "$crisk" classify --db "$db" --model "$model" --json > "$out/crisk-$i.json" \
    || fail "crisk classify exited $? (run $i; $out/crisk-$i.json)"
  c=$(jget "$out/crisk-$i.json" timings.classify); l=$(jget "$out/crisk-$i.json" timings.load); s=$(jget "$out/crisk-$i.json" timings.save)
  read -r w m u sy < <(tail -1 "$out/crisk-$i.time")
  compute+=("$c"); wall+=("$w"); rss+=("$m"); cpu+=("$(echo "$u + $sy" | bc)")
  printf 'run %d: load %.3f s, compute %.3f s, save %.3f s; process %s s wall (CPU %s s user, %s s sys), peak RSS %s KiB\n' \
    "$i" "$l" "$c" "$s" "$w" "$u" "$sy" "$m"
done
cp "$out/crisk-$runs.json" "$out/crisk.json"
run=$(jget "$out/crisk.json" run)
step="the run's as_of"
as_of=$(sqlite3 -bail "$db" "SELECT as_of FROM run WHERE id = $run")
[[ "$as_of" =~ ^[0-9]+$ ]] || fail "run $run of $db has no as_of day ('$as_of')"

# The events with the attributes the model's flags read (those of flagged kinds only: the
# export of a whole city stays small); DuckDB evaluates the flags itself while loading.
kinds=$(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log([...new Set(m.flags.flatMap((f) => f.kinds))].join(","));' "$out/model.json")
echo "== export the same rows for DuckDB (not timed against either engine)"
s=$(date +%s.%N)
step="export enterprise.csv"
sqlite3 -bail -csv "$db" "SELECT subject, industry, type, status, established, capital_fen, addr_key FROM enterprise" > "$out/enterprise.csv"
step="export topic.csv"; sqlite3 -bail -csv "$db" "SELECT id, kind, code FROM topic" > "$out/topic.csv"
step="export event.csv (crisk events --csv)"
"$crisk" events --db "$db" --csv ${kinds:+--attrs-of "$kinds"} > "$out/event.csv"
step="export role.csv"
sqlite3 -bail -csv "$db" "SELECT subject, person, role FROM role WHERE subject IN (SELECT subject FROM enterprise)" > "$out/role.csv"
step="export crisk.csv"; sqlite3 -bail -csv "$db" "SELECT subject, score, level FROM run_score WHERE run = $run" > "$out/crisk.csv"
for f in enterprise topic event crisk; do [ -s "$out/$f.csv" ] || fail "the export $out/$f.csv is empty"; done
echo "export: $(echo "$(date +%s.%N) - $s" | bc) s; $(($(wc -l < "$out/event.csv") - 1)) events"

echo "== DuckDB (load once, query $runs times)"
step="DuckDB (bench/duckdb/classify.mjs)"
node bench/duckdb/classify.mjs "$out" "$out/model.json" "$as_of" "$runs" > "$out/duckdb.json" \
  || fail "bench/duckdb/classify.mjs exited $?"
cat "$out/duckdb.json"

step="summary"
printf '%s\n' "${compute[@]}" > "$out/crisk-compute.txt"
printf '%s\n' "${wall[@]}" > "$out/crisk-wall.txt"
cc=$(median < "$out/crisk-compute.txt"); cw=$(median < "$out/crisk-wall.txt")
cm=$(printf '%s\n' "${rss[@]}" | median)
ccpu=$(printf '%s\n' "${cpu[@]}" | median)
node -e '
  const [dPath, cc, cw, cm, ccpu] = process.argv.slice(1);
  const d = JSON.parse(require("fs").readFileSync(dPath, "utf8"));
  const crC = Number(cc), crW = Number(cw), dq = d.query_median_s, dl = d.load_s + d.query_median_s;
  const r1 = dq / crC, r2 = dl / crW;
  const f = (x, n = 3) => x.toFixed(n);
  console.log(`crisk:  compute ${f(crC)} s; whole process ${f(crW, 2)} s wall, peak RSS ${(Number(cm) / 1048576).toFixed(2)} GiB (medians)`);
  const cpu = [...d.query_cpu_s].sort((x, y) => x - y)[Math.floor((d.query_cpu_s.length - 1) / 2)];
  console.log(`DuckDB: compute ${f(dq)} s (median; best ${f(d.query_best_s)} s; CPU of all threads ${f(cpu, 2)} s); load ${f(d.load_s, 2)} s; load+compute ${f(dl, 2)} s (${d.threads} threads, ${d.events} events)`);
  console.log(`ratio on compute:   DuckDB ${f(dq)} s / crisk ${f(crC)} s = ${f(r1, 1)}x (goal >= 5x: ${r1 >= 5 ? "met" : "NOT met"})`);
  console.log(`ratio with loading: DuckDB ${f(dl, 2)} s (CSV -> tables -> levels) / crisk ${f(crW, 2)} s (whole process: store -> levels saved) = ${f(r2, 1)}x (goal >= 2x: ${r2 >= 2 ? "met" : "NOT met"})`);
  // On a shared machine wall times stretch; CPU seconds less so. crisk reports no CPU time of its
  // compute alone: its whole process (load, compute, save) stands in, which favours DuckDB.
  const dcpu = cpu, crCpu = Number(ccpu);
  console.log(`CPU seconds (for a loaded machine): crisk whole process ${f(crCpu, 2)} s; DuckDB compute ${f(dcpu, 2)} s, load+compute ${f(d.load_cpu_s + dcpu, 2)} s; ratios ${f(dcpu / crCpu, 1)}x (compute against the whole crisk process) and ${f((d.load_cpu_s + dcpu) / crCpu, 1)}x`);
  console.log(`agreement: ${d.same_level} of ${d.compared} levels equal (${d.firms} firms; crisk ${d.crisk_rows} rows, DuckDB ${d.duck_rows}), largest score difference ${d.max_score_diff}`);
  const bad = [];
  if (!(d.firms > 0)) bad.push("no firms loaded");
  if (d.crisk_rows !== d.firms || d.duck_rows !== d.firms || d.compared !== d.firms) bad.push("row counts differ");
  if (d.same_level !== d.compared) bad.push(`${d.compared - d.same_level} levels differ`);
  if (!(d.max_score_diff <= 1e-9)) bad.push(`scores differ by ${d.max_score_diff}`);
  if (bad.length) { console.error(`bench/classify.sh: FAILED: crisk and DuckDB disagree: ${bad.join("; ")}`); process.exit(1); }' \
  "$out/duckdb.json" "$cc" "$cw" "$cm" "$ccpu"
