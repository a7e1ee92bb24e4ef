#!/usr/bin/env bash
# A tree model's scores are XGBoost's own: a booster trained by XGBoost's Python package (Debian
# python3-xgboost) on crisk's indicator values, written into a crisk model file (method: xgboost,
# the booster as base64 UBJSON), scores every firm through `crisk classify --model` exactly as
# the package predicts (score = 100 × probability); `crisk show` gives each feature's SHAP
# contribution as the package computes it (pred_contribs), and the shares plus the base add up
# to the score. The same for a flat table whose features are registry attributes (German credit:
# numbers and one category, attr:purpose=car).
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import xgboost' 2>/dev/null || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- a synthetic city: indicator features ----
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 21 >/dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$crisk" classify --db "$tmp/s.db" --threads 1 --as-of 2025-12-31 --indicators "$tmp/ind.csv" >/dev/null
"$py" - "$tmp" "$src/models/gz-2021.yaml" <<'PY'
import base64, csv, json, math, re, sys
import numpy as np, xgboost as xgb
tmp, base = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(tmp + '/ind.csv', newline='')))
truth = {r['uscc']: int(r['violation_next']) for r in csv.DictReader(open(tmp + '/city/truth.csv', newline=''))}
feats = [c[:-6] for c in rows[0] if c.endswith('.value')][::-1]  # not the model's order
# a categorical indicator read through a map is its points (its value is no number)
import yaml
mapped = {i['id'] for a in yaml.safe_load(open(base, encoding='utf-8'))['aspects']
          for c in a['categories'] for i in c['indicators'] if 'map' in i}
assert mapped
col = {f: f + ('.points' if f in mapped else '.value') for f in feats}
X = np.array([[float(r[col[f]]) if r[col[f]] != '' else np.nan for f in feats] for r in rows], dtype=np.float32)
y = np.array([truth[r['uscc']] for r in rows])
assert 0 < y.sum() < len(y)
bst = xgb.train({'objective': 'binary:logistic', 'max_depth': 3, 'eta': 0.3, 'nthread': 1, 'seed': 1},
                xgb.DMatrix(X, label=y, missing=np.nan), 25)
data = base64.b64encode(bytes(bst.save_raw('ubj'))).decode()
keep, skip = [], False
for line in open(base, encoding='utf-8'):
    if line[:1] not in (' ', '\t', '#', '\n', ''):
        skip = re.match(r'(model|version|name|description)\b', line) is not None
    if not skip:
        keep.append(line)
with open(tmp + '/trees.yaml', 'w', encoding='utf-8') as f:
    f.write('model: py-trees\nversion: 1\nname: 树模型（测试）\nmethod: xgboost\nbooster:\n  format: ubj\n  features:\n')
    f.writelines('    - %s\n' % json.dumps(x) for x in feats)
    f.write('  data: "%s"\n' % data)
    f.writelines(keep)
d = xgb.DMatrix(X, missing=np.nan)
p = bst.predict(d)
phi = bst.predict(d, pred_contribs=True)
with open(tmp + '/expected.csv', 'w') as f:
    for r, pr in zip(rows, p):
        f.write('%s,%.4f\n' % (r['uscc'], 100 * float(pr)))
json.dump({r['uscc']: {'phi': dict(zip(feats, map(float, ph[:-1]))), 'bias': float(ph[-1])}
           for r, ph in list(zip(rows, phi))[:40]}, open(tmp + '/phi.json', 'w'))
PY
"$crisk" classify --db "$tmp/s.db" --model "$tmp/trees.yaml" --threads 1 --as-of 2025-12-31 --json > "$tmp/run.json"
grep >/dev/null '"id":"py-trees"' "$tmp/run.json" || { cat "$tmp/run.json"; exit 1; }
"$crisk" scores --db "$tmp/s.db" --csv | tail -n +2 | cut -d, -f1,2 > "$tmp/got.csv"
"$py" - "$tmp/expected.csv" "$tmp/got.csv" <<'PY'
import sys
exp = dict(l.strip().split(',') for l in open(sys.argv[1]))
got = dict(l.strip().split(',') for l in open(sys.argv[2]))
assert exp.keys() == got.keys(), (len(exp), len(got))
bad = [(k, exp[k], got[k]) for k in exp if abs(float(exp[k]) - float(got[k])) > 1e-3]
assert not bad, bad[:5]
assert len(set(got.values())) > 50, 'scores hardly vary'
PY
# show: contributions are XGBoost's, and base + shares = the recorded score
for key in $("$py" -c 'import json,sys; print(" ".join(list(json.load(open(sys.argv[1])))[:6]))' "$tmp/phi.json"); do
  "$crisk" show --db "$tmp/s.db" --json "$key" > "$tmp/show.json"
  sqlite3 "$tmp/s.db" "SELECT rs.top FROM run_score rs JOIN enterprise e ON e.subject = rs.subject
    WHERE e.uscc = '$key' AND rs.run = (SELECT max(id) FROM run)" > "$tmp/top.json"
  "$py" - "$tmp/show.json" "$tmp/phi.json" "$key" "$tmp/top.json" <<'PY'
import json, math, sys
o = json.load(open(sys.argv[1])); ref = json.load(open(sys.argv[2]))[sys.argv[3]]
lv = o['level']
assert lv['method'] == 'xgboost', lv
feats = [i for a in o['aspects'] for c in a['categories'] for i in c['indicators']]
assert len(feats) == len(ref['phi']), (len(feats), len(ref['phi']))
for f in feats:
    assert abs(f['points'] - ref['phi'][f['id']]) < 1e-5, (f['id'], f['points'], ref['phi'][f['id']])
total = lv['base'] + sum(f['share'] for f in feats)
assert abs(total - lv['score']) < 1e-3 and abs(lv['explained_score'] - lv['score']) < 1e-3, (total, lv)
assert abs(lv['base'] - 100 / (1 + math.exp(-ref['bias']))) < 1e-3
# the run recorded the features with the largest positive shares, by feature id
top = json.load(open(sys.argv[4]))
want = sorted((f for f in feats if f['share'] > 0), key=lambda f: -f['share'])[:5]
assert [t[0] for t in top] == [f['id'] for f in want], (top, [(f['id'], f['share']) for f in want])
assert all(abs(t[2] - f['share']) < 1e-3 for t, f in zip(top, want))
PY
done

# ---- German credit: registry attributes as features ----
"$crisk" ingest --db "$tmp/g.db" --catalog "$src/catalogs/germancredit/catalog.yaml" >/dev/null
"$py" - "$tmp" "$src/data/samples/germancredit.csv" <<'PY'
import base64, csv, json, sys
import numpy as np, xgboost as xgb
tmp = sys.argv[1]
rows = list(csv.DictReader(open(sys.argv[2], newline='')))
num = ['duration_in_month', 'credit_amount', 'age_in_years']
X = np.array([[float(r[c]) for c in num] + [1.0 if r['purpose'] == 'car (new)' else 0.0] for r in rows], dtype=np.float32)
y = np.array([r['creditability'] == 'bad' for r in rows], dtype=float)
bst = xgb.train({'objective': 'binary:logistic', 'max_depth': 2, 'eta': 0.3, 'nthread': 1, 'seed': 1},
                xgb.DMatrix(X, label=y), 15)
feats = ['attr:' + c for c in num] + ['attr:purpose=car (new)']
with open(tmp + '/gtrees.yaml', 'w', encoding='utf-8') as f:
    f.write('model: gc-trees\nversion: 1\nname: 德国信贷树模型\nmethod: xgboost\n'
            'levels: {method: score, scores: {B: 20, C: 40, D: 60}}\n'
            'booster:\n  format: ubj\n  features: %s\n  data: "%s"\n' % (json.dumps(feats, ensure_ascii=False),
            base64.b64encode(bytes(bst.save_raw('ubj'))).decode()))
    f.write('aspects:\n  - id: a\n    name: 无\n    categories:\n      - id: c\n        name: 无\n'
            '        indicators:\n          - {id: none, name: 无, input: {events: {kinds: [none]}}, aggregation: count,\n'
            '             bins: [[0, inf, 0]], missing: 0, rationale: 占位}\n')
p = bst.predict(xgb.DMatrix(X))
with open(tmp + '/gexpected.csv', 'w') as f:
    for r, pr in zip(rows, p):
        s = 100 * float(pr)
        f.write('germancredit:%s,%.4f,%s\n' % (r['id'], s, 'D' if s >= 60 else 'C' if s >= 40 else 'B' if s >= 20 else 'A'))
PY
"$crisk" classify --db "$tmp/g.db" --model "$tmp/gtrees.yaml" --as-of 2020-01-01 --threads 1 >/dev/null
"$crisk" scores --db "$tmp/g.db" --csv | tail -n +2 > "$tmp/ggot.csv"
"$py" - "$tmp/gexpected.csv" "$tmp/ggot.csv" <<'PY'
import sys
exp = {l.split(',')[0]: l.strip().split(',')[1:] for l in open(sys.argv[1])}
got = {l.split(',')[0]: l.strip().split(',')[1:] for l in open(sys.argv[2])}
assert exp.keys() == got.keys() and len(exp) == 1000, (len(exp), len(got))
bad = [(k, exp[k], got[k]) for k in exp if abs(float(exp[k][0]) - float(got[k][0])) > 1e-3 or exp[k][1] != got[k][1]]
assert not bad, bad[:5]
PY
# Promotion loads the booster: a tampered one, or a feature list of another length, is refused
# (exit 3) and recorded nowhere; the true file is promoted.
"$py" - "$tmp" <<'PY'
import re, sys
t = open(sys.argv[1] + '/trees.yaml', encoding='utf-8').read()
m = re.search(r'  data: "([^"]*)"', t)
data = m.group(1)
open(sys.argv[1] + '/cut.yaml', 'w', encoding='utf-8').write(t.replace(data, data[: len(data) // 2 // 4 * 4]))
first = re.search(r'  features:\n(    - .*\n)', t).group(1)
open(sys.argv[1] + '/less.yaml', 'w', encoding='utf-8').write(t.replace(first, '', 1))
PY
for bad in cut less; do
  set +e; "$crisk" model promote "$tmp/$bad.yaml" --db "$tmp/s.db" --by t --note n > /dev/null 2> "$tmp/err"; rc=$?; set -e
  [ $rc = 3 ] && grep -q "not promoted" "$tmp/err" || { echo "promote of a $bad booster exited $rc: $(cat "$tmp/err")"; exit 1; }
done
# classify with a model whose booster takes another number of features: the refusal names the file
set +e; "$crisk" classify --model "$tmp/less.yaml" --db "$tmp/s.db" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q "less.yaml: the booster has [0-9]* features, the model file's booster.features names" "$tmp/err" \
  || { echo "classify with a booster of other features exited $rc: $(cat "$tmp/err")"; exit 1; }
# who and why must be UTF-8 text (read back as JSON by model promotions --json and the API)
for who in "$(printf '\xd5\xc5'):n" "t:$(printf '\xff\xfe')"; do
  set +e; "$crisk" model promote "$tmp/trees.yaml" --db "$tmp/s.db" --by "${who%%:*}" --note "${who#*:}" > /dev/null 2> "$tmp/err"; rc=$?; set -e
  [ $rc = 3 ] && grep -q "is not UTF-8 text" "$tmp/err" || { echo "promote with non-UTF-8 text exited $rc: $(cat "$tmp/err")"; exit 1; }
done
[ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM model_promotion")" = 0 ] || { echo "a refused model was promoted"; exit 1; }
"$crisk" model promote "$tmp/trees.yaml" --db "$tmp/s.db" --by t --note n > /dev/null || { echo "the true trees were not promoted"; exit 1; }
echo "booster: 1,500 firms and 1,000 applicants scored as XGBoost predicts; contributions are its SHAP values and add up to the score"
