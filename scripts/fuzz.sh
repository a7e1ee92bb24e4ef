#!/usr/bin/env bash
# Fuzzes every parser: builds the libFuzzer targets with clang into build-fuzz/ (or
# $CRISK_BUILD; -DCRISK_FUZZ=ON instruments the library as well as the harness) and runs each
# target for SECONDS (default 60) on its corpus tests/fuzz/corpus/<target>/, one at a time, in
# one process. Inputs that reach new code are merged back, minimised (libFuzzer -merge=1);
# named inputs (seeds, crash-*) are always kept. A crash, leak or timeout is saved there as
# crash-<sha1> (leak-, timeout-, …) and the script exits 1 after the other targets ran.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 300 ingest feed
# Inputs listed in tests/fuzz/pending.txt (crashes whose fixes are under way) are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
all=(feed uscc date addr ingest catalog model events plan_list)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
scripts/setup.sh
build=${CRISK_BUILD:-build-fuzz}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCRISK_FUZZ=ON > /dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" > /dev/null
export CRISK_DATA="$PWD/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work" # the targets' temporary files, also those of a run that crashed
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t
  bin=$build/tests/fuzz/fuzz_$t
  mkdir -p "$corpus" "$work/$t/seeds" "$work/$t/new" "$work/$t/min"
  for f in "$corpus"/*; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    grep -qE "^$t/$name([[:space:]#]|$)" tests/fuzz/pending.txt && continue
    cp "$f" "$work/$t/seeds/"
  done
  echo "== fuzz_$t: ${secs}s on $(ls "$work/$t/seeds" | wc -l) inputs"
  dict=()
  [ -f tests/fuzz/$t.dict ] && dict=(-dict="tests/fuzz/$t.dict")
  rc=0
  "$bin" "$work/$t/new" "$work/$t/seeds" "${dict[@]}" -max_total_time="$secs" -timeout=25 \
    -artifact_prefix="$corpus/" -print_final_stats=1 > "$work/$t/log" 2>&1 || rc=$?
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$work/$t/log" | tail -1 || true)
  runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$work/$t/log" | grep -oE '[0-9]+$' || true)
  if [ $rc -ne 0 ]; then
    failed=1
    grep -E 'ERROR|SUMMARY|Test unit written to|runtime error' "$work/$t/log" | head -5 >&2 || true
    summary+=("$t: FAILED ($cov) — see the artifact above")
  else
    summary+=("$t: ${cov:-no coverage line}, ${runs:-?} runs")
  fi
  # Minimise: the smallest set of seeds, kept inputs and new finds that reaches every edge they
  # reach (edges, not hit counts: -use_counters=0 keeps a corpus at a few hundred files).
  "$bin" -merge=1 -use_counters=0 "$work/$t/min" "$work/$t/seeds" "$work/$t/new" > "$work/$t/merge.log" 2>&1 ||
    { echo "fuzz_$t: merge failed (see below)" >&2; tail -5 "$work/$t/merge.log" >&2; failed=1; continue; }
  declare -A named=()
  for f in "$corpus"/*; do
    name=$(basename "$f")
    if [[ $name =~ ^[0-9a-f]{40}$ ]]; then rm -f "$f"; else named[$(sha1sum < "$f" | cut -c1-40)]=1; fi
  done
  for f in "$work/$t/min"/*; do
    [ -f "$f" ] || continue
    [ -n "${named[$(basename "$f")]+x}" ] || cp "$f" "$corpus/"
  done
  unset named
  echo "   corpus: $(ls "$corpus" | wc -l) files"
done
printf '%s\n' "${summary[@]}"
exit $failed
