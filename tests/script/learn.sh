#!/usr/bin/env bash
# crisk learn end to end on a small synthetic city (docs/learn.md): the label's positives
# against a python3 count over the stored events, AUC and KS against a python3 computation over
# scores.csv, the learned scorecard round-tripping through crisk classify with the learner's
# scores, promotion recorded and required, and the refusals (too few, unknown key).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 9 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
cp "$tmp/city/labels/violation-12m.yaml" "$tmp/label.yaml" # written by crisk gen
"$crisk" learn --db "$db" --label "$tmp/label.yaml" --out "$tmp/out" --json > "$tmp/rep.json"
sqlite3 -csv "$db" "SELECT code, kind FROM topic" > "$tmp/topics.csv"
sqlite3 -csv "$db" "SELECT subject, coalesce(established, '') FROM enterprise" > "$tmp/firms.csv"
"$crisk" events --db "$db" --csv --attrs-of none > "$tmp/events.csv"
python3 - "$tmp" <<'PY'
import csv, json, sys, datetime
t = sys.argv[1]
rep = json.load(open(t + "/rep.json"))
assert rep["label"] == "violation-12m", rep
assert rep["validation"] == "out_of_time", rep["validation"]
assert [m["method"] for m in rep["models"]] == ["expert", "baseline", "scorecard"], rep["models"]
day = lambda s: (datetime.date.fromisoformat(s) - datetime.date(1970, 1, 1)).days
T = day(rep["as_of"])
kind = {r[0]: r[1] for r in csv.reader(open(t + "/topics.csv"))}
bad = {"penalty", "abnormal_list", "serious_violation"}
firms = {int(r[0]): (int(r[1]) if r[1] else None) for r in csv.reader(open(t + "/firms.csv"))}
pos = set()
for r in csv.DictReader(open(t + "/events.csv")):
    d = int(r["day"])
    if kind.get(r["topic"]) in bad and T < d <= T + 365:
        pos.add(int(r["subject"]))
rows = [s for s, e in firms.items() if e is None or e <= T]
p = sum(1 for s in rows if s in pos)
assert (p, len(rows) - p) == (rep["positives"], rep["negatives"]), ((p, len(rows) - p), rep["positives"], rep["negatives"])
# AUC (all pairs, ties one half) and KS from scores.csv's test rows
sc = list(csv.DictReader(open(t + "/out/scores.csv")))
for m in rep["models"]:
    col = m["method"]
    v = [(float(r[col]), int(r["y"])) for r in sc if r["fold"] == "1" and r[col] != ""]
    P = [s for s, y in v if y]; N = [s for s, y in v if not y]
    import bisect
    Ns = sorted(N)
    num = sum(bisect.bisect_left(Ns, s) + 0.5 * (bisect.bisect_right(Ns, s) - bisect.bisect_left(Ns, s)) for s in P)
    auc = num / (len(P) * len(N))
    assert abs(auc - m["auc"]) < 1e-9, (col, auc, m["auc"])
    ks = 0
    for th in sorted(set(s for s, _ in v)):
        tp = sum(1 for s in P if s >= th) / len(P); fp = sum(1 for s in N if s >= th) / len(N)
        ks = max(ks, tp - fp)
    assert abs(ks - m["ks"]) < 1e-9, (col, ks, m["ks"])
assert rep["models"][2]["auc"] > 0.6, rep["models"][2]
print("ok", rep["positives"], rep["negatives"], [round(m["auc"], 4) for m in rep["models"]])
PY
# The scorecard file runs in classify with the learner's scores (test rows: scored as of T).
card=$(ls "$tmp"/out/*-scorecard.yaml)
asof=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['as_of'])" "$tmp/rep.json")
"$crisk" classify --db "$db" --model "$card" --as-of "$asof" --json > "$tmp/cls.json"
run=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['run'])" "$tmp/cls.json")
sqlite3 -csv "$db" "SELECT subject, score FROM run_score WHERE run=$run" > "$tmp/run.csv"
python3 - "$tmp" <<'PY'
import csv, sys
t = sys.argv[1]
run = {int(r[0]): float(r[1]) for r in csv.reader(open(t + "/run.csv"))}
n = worst = 0
for r in csv.DictReader(open(t + "/out/scores.csv")):
    if r["fold"] == "1":
        d = abs(run[int(r["subject"])] - float(r["scorecard"]))
        worst = max(worst, d); n += 1
assert n > 1000 and worst < 1e-6, (n, worst)
PY
"$crisk" show --db "$db" "$(sqlite3 "$db" "SELECT s.key FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=$run ORDER BY r.score DESC LIMIT 1")" > "$tmp/show.txt"
grep -E "scorecard|评分卡" "$tmp/show.txt" > /dev/null || { echo "show does not name the scorecard"; head "$tmp/show.txt"; exit 1; }
# Promotion: required (classify keeps the champion until then) and recorded.
"$crisk" classify --db "$db" --json > "$tmp/c1.json"
grep -q '"model":{"id":"gz-2021"' "$tmp/c1.json" || { echo "unpromoted challenger used"; cat "$tmp/c1.json"; exit 1; }
set +e
"$crisk" model promote "$card" --db "$db" --by 张三 2> "$tmp/err"; rc=$?
set -e
[ $rc = 2 ] || { echo "promote without --note: exit $rc"; exit 1; }
# promoted by a relative path: the record keeps the file's whole path
(cd "$(dirname "$card")" && "$crisk" model promote "./$(basename "$card")" --db "$db" --by 张三 --note "AUC 高于专家模型" > /dev/null)
[ "$(sqlite3 "$db" "SELECT path FROM model_promotion ORDER BY id DESC LIMIT 1")" = "$(realpath "$card")" ] \
  || { echo "the promotion keeps the path as typed: $(sqlite3 "$db" "SELECT path FROM model_promotion")"; exit 1; }
"$crisk" classify --db "$db" --json > "$tmp/c2.json"
grep -q '"model":{"id":"gz-2021-scorecard"' "$tmp/c2.json" || { echo "promoted model not used"; cat "$tmp/c2.json"; exit 1; }
"$crisk" model promotions --db "$db" --json > "$tmp/prom.json"
grep '"by":"张三","note":"AUC 高于专家模型"' "$tmp/prom.json" > /dev/null \
  || { echo "promotion not listed"; "$crisk" model promotions --db "$db" --json; exit 1; }
# Refusals: too few of a class (exit 3, the counts named), an unknown key (file:line).
printf 'label: x\nevents: {kinds: [penalty], within_days: 365}\nmin_class: 100000\n' > "$tmp/few.yaml"
set +e
"$crisk" learn --db "$db" --label "$tmp/few.yaml" --out "$tmp/o2" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -q "too few" "$tmp/err" || { echo "too few: exit $rc"; cat "$tmp/err"; exit 1; }
printf 'label: x\nevents: {kinds: [penalty], within_days: 365, widow: 3}\n' > "$tmp/bad.yaml"
set +e
"$crisk" learn --db "$db" --label "$tmp/bad.yaml" --out "$tmp/o3" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -q "bad.yaml:2" "$tmp/err" && grep -q "widow" "$tmp/err" || { echo "unknown key: exit $rc"; cat "$tmp/err"; exit 1; }
# A label window past the last event is refused (outcomes not known yet).
set +e
"$crisk" learn --db "$db" --label "$tmp/label.yaml" --as-of 2025-06-30 --out "$tmp/o4" 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -q "not known yet" "$tmp/err" || { echo "late as-of: exit $rc"; cat "$tmp/err"; exit 1; }
echo ok
