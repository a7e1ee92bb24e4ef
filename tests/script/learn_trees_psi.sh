#!/usr/bin/env bash
# The tree challenger's report (out of time) has psi_scores_train_to_test, as the scorecard's
# has: the kept booster's scores of the train period against the test period, ten bins at the
# train period's deciles. Checked against python: XGBoost's own predict of the model file's
# booster on the exported matrix, and the PSI of docs/learn.md computed again.
set -euo pipefail
crisk=$1
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import xgboost' 2>/dev/null || py=python3
"$py" -c 'import xgboost, numpy' 2>/dev/null || { echo "learn_trees_psi: no python3 xgboost: skipped"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 4 > /dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
CRISK_XGB_THREADS=1 "$crisk" learn --db "$tmp/s.db" --label "$tmp/city/labels/violation-12m.yaml" \
    --method both --out "$tmp/o" --export-matrix "$tmp/m.csv" --json > "$tmp/r.json"
"$py" - "$tmp/r.json" "$tmp/m.csv" "$tmp/o/gz-2021-xgboost.yaml" <<'PY'
import base64, csv, json, math, re, sys
import numpy as np, xgboost as xgb
rep = json.load(open(sys.argv[1]))
assert rep['validation'] == 'out_of_time', rep['validation']
models = {m['method']: m for m in rep['models']}
for k in ('scorecard', 'xgboost'):
    assert isinstance(models[k].get('psi_scores_train_to_test'), float), (k, models[k].keys())
rd = csv.reader(open(sys.argv[2], newline=''))
head = next(rd)
fold, X = [], []
for r in rd:
    if r[0] == 'direction':
        continue
    fold.append(int(r[2]))
    X.append([float(v) if v != '' else np.nan for v in r[3:]])
text = open(sys.argv[3], encoding='utf-8').read()
raw = base64.b64decode(re.search(r'  data: "([^"]*)"', text).group(1))
b = xgb.Booster()
b.load_model(bytearray(raw))
s = 100 * b.predict(xgb.DMatrix(np.array(X, dtype=np.float32), missing=np.nan)).astype(np.float64)
train = [v for v, f in zip(s, fold) if f == 0]
test = [v for v, f in zip(s, fold) if f != 0]
e = sorted(train)
cut = [e[b * len(e) // 10] for b in range(1, 10)]
def counts(v):
    c = [0] * 10
    for x in v:
        c[sum(1 for t in cut if x >= t)] += 1
    return [max(n / len(v), 0.0001) if n else 0.0001 for n in c]
ce, ca = counts(train), counts(test)
psi = sum((a - x) * math.log(a / x) for x, a in zip(ce, ca))
got = models['xgboost']['psi_scores_train_to_test']
assert abs(psi - got) < 1e-6, (psi, got)
print('learn_trees_psi: trees psi_scores_train_to_test %.6f = python %.6f' % (got, psi))
PY
