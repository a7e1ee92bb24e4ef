#!/usr/bin/env bash
# Registry attributes in a learned scorecard (docs/model.md "input: {attr: C}", docs/learn.md):
# on a hand-built flat table (no events) where one attribute alone predicts the label — with
# near misses both ways — the scorecard ranks well, carries the attribute as an indicator of its
# aspect 登记属性 (the predicting category with the most points), and the model file runs in
# crisk classify with the scores a python3 re-computation from the file and the stored attributes
# gives (the rest of the model is constant on a table without events); crisk show prints the
# attribute's own value.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/t.csv" <<'PY'
import csv, random, sys
r = random.Random(5)
w = csv.writer(open(sys.argv[1], "w", newline=""))
w.writerow(["id", "sector", "size", "outcome"])
for i in range(1, 401):
    sector = r.choice(["risky", "safe", "plain"])
    p = {"risky": 0.8, "safe": 0.1, "plain": 0.3}[sector]   # near misses: safe bad, risky good
    size = "" if i % 17 == 0 else str(r.randint(1, 500))    # noise, some missing
    w.writerow([i, sector, size, "bad" if r.random() < p else "good"])
PY
cat > "$tmp/catalog.yaml" <<EOF2
catalog: flat
nulls: []
departments:
  - {code: B, name: 测试部门}
topics:
  - code: T
    name: 测试表
    department: B
    kind: registry
    files: [t.csv]
    key: {column: id, type: local, namespace: flat}
    attrs: [sector, size, outcome]
EOF2
printf 'label: flat-bad\ncolumn: outcome\npositive: [bad]\n' > "$tmp/label.yaml"
"$crisk" ingest --db "$tmp/f.db" --catalog "$tmp/catalog.yaml" > /dev/null
"$crisk" learn --db "$tmp/f.db" --label "$tmp/label.yaml" --method scorecard --validation kfold \
  --as-of 2020-01-01 --out "$tmp/out" --json > "$tmp/rep.json"
card=$(ls "$tmp"/out/*-scorecard.yaml)
"$crisk" classify --db "$tmp/f.db" --model "$card" --as-of 2020-01-01 --json > "$tmp/cls.json"
run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run'])" "$tmp/cls.json")
sqlite3 -csv "$tmp/f.db" "SELECT r.subject, r.score, e.attrs FROM run_score r JOIN enterprise e ON e.subject = r.subject WHERE r.run=$run" > "$tmp/run.csv"
python3 - "$tmp" "$card" <<'PY'
import csv, json, sys, yaml
t, card = sys.argv[1], sys.argv[2]
rep = json.load(open(t + "/rep.json"))
auc = {m["method"]: m["auc"] for m in rep["models"]}
assert auc["expert"] == 0.5 and auc["scorecard"] > 0.75, auc
m = yaml.safe_load(open(card))
asp = [a for a in m["aspects"] if a["id"] == "registry_attrs"]
assert len(asp) == 1, [a["id"] for a in m["aspects"]]
inds = {i["input"]["attr"]: i for c in asp[0]["categories"] for i in c["indicators"]}
assert "outcome" not in inds, "the label column must not be a feature"
sec = inds["sector"]["map"]
assert sec["risky"] > sec["plain"] > sec["safe"], sec
f = lambda x: float(x) if not isinstance(x, str) else float(x.replace("inf", "Infinity"))
def points(ind, v):
    if v is None or v == "":
        return ind["missing"]
    if "map" in ind:
        return ind["map"].get(v, ind["map"]["default"])
    x = f(v)
    for lo, hi, p in ind["bins"]:
        if f(lo) <= x < f(hi):
            return p
    return ind["bins"][-1][2] if x >= f(ind["bins"][-1][1]) else ind["bins"][0][2]
wa = sum(a["weight"] for a in m["aspects"])
cat = asp[0]["categories"][0]
wc = sum(c["weight"] for c in asp[0]["categories"])
wi = sum(i["weight"] for i in cat["indicators"])
rest = []
for sub, score, attrs in csv.reader(open(t + "/run.csv")):
    a = json.loads(attrs)
    part = sum(asp[0]["weight"] / wa * cat["weight"] / wc * i["weight"] / wi * points(i, a.get(i["input"]["attr"]))
               for i in cat["indicators"])
    rest.append(float(score) - part)
assert len(rest) == 400 and max(rest) - min(rest) < 1e-6, (len(rest), min(rest), max(rest))
print("ok scorecard AUC %.4f, sector points %s" % (auc["scorecard"], sec))
PY
key=$(sqlite3 "$tmp/f.db" "SELECT s.key FROM enterprise e JOIN subject s ON s.id=e.subject WHERE json_extract(e.attrs,'\$.sector')='risky' LIMIT 1")
"$crisk" show --db "$tmp/f.db" "$key" --json > "$tmp/show.json"
grep -q '"value":"risky"' "$tmp/show.json" || { echo "show does not give the attribute's value"; head -c 2000 "$tmp/show.json"; exit 1; }
echo ok
