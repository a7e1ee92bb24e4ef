#!/usr/bin/env bash
# crisk learn measures the champion by its own method (docs/learn.md "Promotion"): after a
# challenger (trees, then a scorecard) is promoted, the next run's champion row, its AUC and its
# scores.csv column come from that model as `crisk classify` scores it — the AUC equals the
# challenger's AUC of the run that trained it (the same model on the same test rows), and an
# independent AUC in python3 over scores.csv (and classify's stored scores) agrees.
set -euo pipefail
crisk=$1
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c "import sklearn" 2>/dev/null || py=python3
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 9 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
label=$tmp/city/labels/violation-12m.yaml
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o1" --method both --json > "$tmp/r1.json"

check() { # run-json previous-json method out-dir
    "$py" - "$@" <<'PY'
import csv, json, sys
from sklearn.metrics import roc_auc_score
rep, prev, method, out = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
champ = rep["models"][0]
want = next(m for m in prev["models"] if m["method"] == method)
assert champ["method"] == method, ("champion scored as", champ["method"], "not", method)
assert champ["name"].startswith("gz-2021-" + method), champ["name"]
assert rep["champion"]["id"] == "gz-2021-" + method, rep["champion"]
assert abs(champ["auc"] - want["auc"]) < 1e-6, ("champion AUC", champ["auc"], "challenger's", want["auc"])
rows = [r for r in csv.DictReader(open(out + "/scores.csv")) if r["fold"] == "1"]
col = "champion"
assert col in rows[0], list(rows[0])
auc = roc_auc_score([int(r["y"]) for r in rows], [float(r[col]) for r in rows])
assert abs(auc - champ["auc"]) < 1e-9, (auc, champ["auc"])
print("ok", method, round(champ["auc"], 6))
PY
}
# Trees promoted: the champion is the booster's scores.
"$crisk" model promote "$tmp/o1/gz-2021-xgboost.yaml" --db "$db" --by 李四 --note trees > /dev/null
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o2" --method scorecard --json > "$tmp/r2.json"
check "$tmp/r2.json" "$tmp/r1.json" xgboost "$tmp/o2"
# ... the same scores classify stores with the promoted model at the test date.
asof=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['as_of'])" "$tmp/r2.json")
"$crisk" classify --db "$db" --as-of "$asof" --json > "$tmp/cls.json"
run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run'])" "$tmp/cls.json")
sqlite3 -csv "$db" "SELECT subject, score FROM run_score WHERE run=$run" > "$tmp/run.csv"
python3 - "$tmp" <<'PY'
import csv, sys
t = sys.argv[1]
run = {int(r[0]): float(r[1]) for r in csv.reader(open(t + "/run.csv"))}
rows = [r for r in csv.DictReader(open(t + "/o2/scores.csv")) if r["fold"] == "1"]
worst = max(abs(run[int(r["subject"])] - float(r["champion"])) for r in rows)
assert len(rows) > 1000 and worst < 1e-3, (len(rows), worst)
PY
# A scorecard promoted: the engine's scores of the card.
"$crisk" model promote "$tmp/o1/gz-2021-scorecard.yaml" --db "$db" --by 李四 --note card > /dev/null
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o3" --method xgboost --json > "$tmp/r3.json"
check "$tmp/r3.json" "$tmp/r1.json" scorecard "$tmp/o3"
# The expert champion keeps its column name (bench scripts read it).
"$crisk" learn --db "$db" --label "$label" --model "$src/models/gz-2021.yaml" --out "$tmp/o4" \
  --json > "$tmp/r4.json"
head -1 "$tmp/o4/scores.csv" | grep '^subject,fold,y,expert,baseline,scorecard$' > /dev/null \
  || { echo "expert column: $(head -1 "$tmp/o4/scores.csv")"; exit 1; }
echo ok
