#!/usr/bin/env bash
# crisk's challengers beside their peers on the very same rows and folds (bench/README.md,
# "Learn"): the German credit table, the CUMCM 2020 C firms and a synthetic city of N firms
# (default 100,000). For each, the learn matrix (features, label, folds) is exported once —
# `crisk learn --export-matrix` when the build has it, else bench/learn/matrix.py from the store
# — and crisk's trees (cr_learn_xgb_fit through build/bench_xgb_fit), crisk's scorecard (`crisk
# learn --method scorecard --json`, when the build has the verb), scikit-learn's
# LogisticRegression and XGBoost's Python package (bench/learn/peers.py) are scored by AUC on
# the out-of-fold predictions. Prints the AUCs side by side and the gaps (goal: within 0.01).
# Usage: bench/learn.sh [N] [BUILD_DIR]   (needs Debian's python3-sklearn, python3-xgboost)
set -euo pipefail
n=${1:-100000}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$src/build}
crisk=$build/crisk
fit=$build/bench_xgb_fit
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import xgboost, sklearn' 2>/dev/null || py=python3
[ -x "$fit" ] || { echo "build bench_xgb_fit first (cmake --build $build)"; exit 1; }
tmp=$(mktemp -d)
# one XGBoost thread on both sides: on this shared 2-core VM, OpenMP threads that wait for a core
# made a 2-thread fit ten times slower than a 1-thread one
export CRISK_XGB_THREADS=${CRISK_XGB_THREADS:-1}
trap 'rm -rf "$tmp"' EXIT
has_export=0
"$crisk" learn --help 2>&1 | grep -- --export-matrix >/dev/null && has_export=1

# crisk learn (when the build has --export-matrix): the scorecard's AUC and the matrix, in one
# run, k-fold (the peers get the same folds; out of time would need them to know T).
learn() { # db label matrix extra-args... -> prints the scorecard's AUC
  local db=$1 label=$2 m=$3
  shift 3
  "$crisk" learn --db "$db" --label "$label" --method scorecard --validation kfold \
    --out "$tmp/learn-out" --json --export-matrix "$m" "$@" |
    "$py" -c 'import json,sys; print(next((m["auc"] for m in json.load(sys.stdin)["models"] if m["method"] == "scorecard"), "null"))'
}

run() { # name matrix scorecard-auc
  local name=$1 m=$2 sc=$3 t0 t1
  t0=$(date +%s.%N)
  "$fit" "$m" > "$tmp/$name.trees.csv" 2> "$tmp/$name.fit.log"
  t1=$(date +%s.%N)
  "$py" "$src/bench/learn/peers.py" "$m" "$tmp/$name.trees.csv" "$sc" > "$tmp/$name.json"
  "$py" - "$name" "$tmp/$name.json" "$(echo "$t1 - $t0" | bc)" "$(cat "$tmp/$name.fit.log")" <<'PY'
import json, sys
name, o, secs, log = sys.argv[1], json.load(open(sys.argv[2])), float(sys.argv[3]), sys.argv[4]
sc = o.get('crisk_scorecard')
print('%-14s %6d rows %5d pos %4d feat | trees %.4f  xgboost.py %.4f  gap %+.4f | scorecard %s  sklearn LR %.4f  gap %s | trees fit %.1f s'
      % (name, o['rows'], o['positives'], o['features'], o['crisk_trees'], o['xgboost_python'],
         o['crisk_trees'] - o['xgboost_python'], 'n/a   ' if sc is None else '%.4f' % sc, o['sklearn_logistic'],
         'n/a' if sc is None else '%+.4f' % (sc - o['sklearn_logistic']), secs))
PY
}

echo "matrix: $([ $has_export = 1 ] && echo 'crisk learn --export-matrix' || echo 'bench/learn/matrix.py (crisk learn has no --export-matrix in this build)')"

# German credit: registry attributes (no events: the features are dated by --as-of)
"$crisk" ingest --db "$tmp/g.db" --catalog "$src/catalogs/germancredit/catalog.yaml" >/dev/null
if [ $has_export = 1 ]; then
  sc=$(learn "$tmp/g.db" "$src/catalogs/germancredit/label.yaml" "$tmp/g.csv" --as-of 2020-01-01)
else
  "$py" "$src/bench/learn/matrix.py" attrs "$tmp/g.db" "$src/catalogs/germancredit/label.yaml" "$tmp/g.csv" 2>/dev/null
  sc=null
fi
run germancredit "$tmp/g.csv" "$sc"

# CUMCM: the model's indicators over the invoices
"$crisk" ingest --db "$tmp/c.db" --catalog "$src/catalogs/cumcm2020c/catalog.yaml" >/dev/null
if [ $has_export = 1 ]; then
  sc=$(learn "$tmp/c.db" "$src/catalogs/cumcm2020c/label.yaml" "$tmp/c.csv")
else
  "$crisk" classify --db "$tmp/c.db" --indicators "$tmp/c.ind.csv" >/dev/null
  "$py" "$src/bench/learn/matrix.py" indicators "$tmp/c.db" "$tmp/c.ind.csv" \
    "$src/catalogs/cumcm2020c/label.yaml" "$tmp/c.csv" "$src/models/gz-2021.yaml" 2>/dev/null
  sc=null
fi
run cumcm2020c "$tmp/c.csv" "$sc"

# the synthetic city: its label file (crisk gen), else truth.csv's violation_next
"$crisk" gen --out "$tmp/city" --enterprises "$n" --seed 7 >/dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" >/dev/null
if [ $has_export = 1 ]; then
  sc=$(learn "$tmp/s.db" "$tmp/city/labels/violation-12m.yaml" "$tmp/s.csv")
else
  "$crisk" classify --db "$tmp/s.db" --indicators "$tmp/s.ind.csv" >/dev/null
  "$py" "$src/bench/learn/matrix.py" indicators "$tmp/s.db" "$tmp/s.ind.csv" "$tmp/city/truth.csv" \
    "$tmp/s.csv" "$src/models/gz-2021.yaml" 2>/dev/null
  sc=null
fi
run "city-$n" "$tmp/s.csv" "$sc"
