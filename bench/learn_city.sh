#!/usr/bin/env bash
# The out-of-time table of docs/learn.md "Measured on the synthetic city": ingests a city made by
# crisk gen, runs `crisk learn --method both` on its violation-12m label and prints each model's AUC on
# the test rows, for the label and for truth.csv's violation_next, beside the ceiling (the hidden
# propensity). Usage: bench/learn_city.sh CITY_DIR OUT_DIR   (CRISK: the binary, default build/crisk)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
crisk=${CRISK:-$src/build/crisk}
[ $# -eq 2 ] || { echo "usage: bench/learn_city.sh CITY_DIR OUT_DIR" >&2; exit 2; }
city=$1; out=$2
mkdir -p "$out"
t0=$(date +%s)
"$crisk" ingest --db "$out/s.db" --catalog "$city/catalog.yaml" > "$out/ingest.txt"
t1=$(date +%s)
"$crisk" learn --db "$out/s.db" --label "$city/labels/violation-12m.yaml" --method both --out "$out/learn" --json > "$out/rep.json"
t2=$(date +%s)
sqlite3 -csv "$out/s.db" "SELECT e.subject, e.uscc FROM enterprise e" > "$out/uscc.csv" 2>/dev/null || \
  sqlite3 -csv "$out/s.db" "SELECT s.id, s.key FROM subject s" > "$out/uscc.csv"
echo "ingest $((t1-t0)) s, learn $((t2-t1)) s" > "$out/times.txt"
python3 - "$out" "$city/truth.csv" <<'PY'
import csv, json, sys
out, truth = sys.argv[1], sys.argv[2]
rep = json.load(open(out + "/rep.json"))
uscc = {int(r[0]): r[1] for r in csv.reader(open(out + "/uscc.csv"))}
tr = {r["uscc"]: r for r in csv.DictReader(open(truth))}
rows = [r for r in csv.DictReader(open(out + "/learn/scores.csv")) if r["fold"] == "1"]
def auc(pairs):
    pairs = sorted(pairs)
    n = len(pairs); pos = sum(y for _, y in pairs); neg = n - pos
    rs = 0; i = 0
    while i < n:
        j = i
        while j + 1 < n and pairs[j + 1][0] == pairs[i][0]: j += 1
        r = (i + j) / 2 + 1
        rs += r * sum(pairs[k][1] for k in range(i, j + 1)); i = j + 1
    return (rs - pos * (pos + 1) / 2) / (pos * neg)
print("validation", rep["validation"], "as_of", rep.get("as_of"), "positives", rep["positives"], "negatives", rep["negatives"])
cols = [c for c in rows[0].keys() if c not in ("subject", "fold", "y")]
for c in cols:
    v = [(float(r[c]), int(r["y"])) for r in rows if r[c] != ""]
    vn = [(float(r[c]), int(tr[uscc[int(r["subject"])]]["violation_next"])) for r in rows if r[c] != "" and uscc.get(int(r["subject"])) in tr]
    print("%-10s AUC %.4f  (violation_next %.4f)  n %d" % (c, auc(v), auc(vn), len(v)))
v = [(float(tr[uscc[int(r["subject"])]]["propensity"]), int(r["y"])) for r in rows if uscc.get(int(r["subject"])) in tr]
vn = [(float(tr[uscc[int(r["subject"])]]["propensity"]), int(tr[uscc[int(r["subject"])]]["violation_next"])) for r in rows if uscc.get(int(r["subject"])) in tr]
print("%-10s AUC %.4f  (violation_next %.4f)  n %d" % ("ceiling", auc(v), auc(vn), len(v)))
for m in rep["models"]:
    print("report:", m["name"], m["method"], round(m["auc"], 4), round(m.get("ks") or 0, 4))
PY
