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

scorecard_auc() { # db label -> the scorecard's AUC from crisk learn --json, or "null"
  if "$crisk" learn --help >/dev/null 2>&1; then
    "$crisk" learn --db "$1" --label "$2" --method scorecard --out "$tmp/sc" --json 2>/dev/null |
      "$py" -c 'import json,sys; print(next((m["auc"] for m in json.load(sys.stdin)["models"] if m["method"] == "scorecard"), "null"))' ||
      echo null
  else
    echo null
  fi
}

run() { # name db label matrix
  local name=$1 db=$2 label=$3 m=$4 t0 t1
  t0=$(date +%s.%N)
  "$fit" "$m" > "$tmp/$name.trees.csv" 2> "$tmp/$name.fit.log"
  t1=$(date +%s.%N)
  local sc
  sc=$(scorecard_auc "$db" "$label")
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

export_matrix() { # db label out [indicators-args...]
  if [ $has_export = 1 ]; then
    "$crisk" learn --db "$1" --label "$2" --export-matrix "$3" >/dev/null
  else
    shift 3
    "$py" "$src/bench/learn/matrix.py" "$@"
  fi
}

echo "matrix: $([ $has_export = 1 ] && echo 'crisk learn --export-matrix' || echo 'bench/learn/matrix.py (crisk learn has no --export-matrix in this build)')"

# German credit: registry attributes
"$crisk" ingest --db "$tmp/g.db" --catalog "$src/catalogs/germancredit/catalog.yaml" >/dev/null
export_matrix "$tmp/g.db" "$src/catalogs/germancredit/label.yaml" "$tmp/g.csv" \
  attrs "$tmp/g.db" "$src/catalogs/germancredit/label.yaml" "$tmp/g.csv" 2>/dev/null
run germancredit "$tmp/g.db" "$src/catalogs/germancredit/label.yaml" "$tmp/g.csv"

# CUMCM: the model's indicators over the invoices
"$crisk" ingest --db "$tmp/c.db" --catalog "$src/catalogs/cumcm2020c/catalog.yaml" >/dev/null
"$crisk" classify --db "$tmp/c.db" --indicators "$tmp/c.ind.csv" >/dev/null
export_matrix "$tmp/c.db" "$src/catalogs/cumcm2020c/label.yaml" "$tmp/c.csv" \
  indicators "$tmp/c.db" "$tmp/c.ind.csv" "$src/catalogs/cumcm2020c/label.yaml" "$tmp/c.csv" \
  "$src/models/gz-2021.yaml" 2>/dev/null
run cumcm2020c "$tmp/c.db" "$src/catalogs/cumcm2020c/label.yaml" "$tmp/c.csv"

# the synthetic city: indicators, label violation_next (truth.csv) or the generator's label file
"$crisk" gen --out "$tmp/city" --enterprises "$n" --seed 7 >/dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$crisk" classify --db "$tmp/s.db" --indicators "$tmp/s.ind.csv" >/dev/null
label=$tmp/city/labels/violation-12m.yaml
[ -f "$label" ] || label=$tmp/city/truth.csv
export_matrix "$tmp/s.db" "$label" "$tmp/s.csv" \
  indicators "$tmp/s.db" "$tmp/s.ind.csv" "$tmp/city/truth.csv" "$tmp/s.csv" "$src/models/gz-2021.yaml" 2>/dev/null
run "city-$n" "$tmp/s.db" "$label" "$tmp/s.csv"
