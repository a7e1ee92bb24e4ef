#!/usr/bin/env bash
# crisk learn on inspection results (docs/learn.md "Label files": inspections:): two special
# plans drawn (the first with a random arm, the triggered firms in both), results imported with
# problems more likely at riskier levels, some pending and some dated before the as-of date
# (the near misses: not in the window). Only inspected firms are rows; positives, negatives, the
# random-arm counts and the random-arm AUCs are checked against python3 over the store's own
# inspection table (sqlite3) and scores.csv. Then a plan a year earlier gives the train period
# its results: out of time, its counts checked the same way. Refusals: a store without results,
# an unknown key.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "learn_inspections: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 2000 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
printf 'label: insp-problem\ninspections: {within_days: 365}\n' > "$tmp/insp.yaml"
# No results yet: refused, naming the label file.
set +e; "$crisk" learn --db "$db" --label "$tmp/insp.yaml" --out "$tmp/o0" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'insp.yaml.*no\|has none' "$tmp/err" || fail "no results: exit $rc: $(cat "$tmp/err")"
cat > "$tmp/p1.yaml" <<'Y'
name: 专项一
year: 2026
routine: false
ratios: {A: 10%, B: 20%, C: 40%, D: 60%}
random_share: 30%
Y
cat > "$tmp/p2.yaml" <<'Y'
name: 专项二
year: 2026
routine: false
ratios: {A: 3%, B: 5%, C: 10%, D: 20%}
random_share: 0%
Y
for pl in 1 2; do
  "$crisk" plan --db "$db" --file "$tmp/p$pl.yaml" --today 2025-12-01 > /dev/null
  "$crisk" draw --db "$db" --plan $pl --seed "s$pl" --today 2025-12-01 > /dev/null
done
"$crisk" inspections --db "$db" --csv > "$tmp/list.csv"
python3 - "$tmp" <<'PY'
import csv, random, datetime, sys
t = sys.argv[1]
rng = random.Random(7)
p = {"A": .15, "B": .3, "C": .5, "D": .7}
out = open(t + "/imp.csv", "w")
out.write("inspection,result,items,by,date\n")
for i, r in enumerate(csv.DictReader(open(t + "/list.csv"))):
    if not r["inspectors"] or rng.random() < 0.05:
        continue  # unstaffed, or pending: no result yet
    prob = rng.random() < p[r["level"]]
    code = rng.choice(["D", "B", "C"]) if prob else rng.choice(["1", "F"])
    if i % 23 == 0:
        day = datetime.date(2025, 12, 15)  # before the as-of date: outside the window
    else:
        day = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randrange(170))
    out.write(f"{r['id']},{code},,u1,{day}\n")
PY
"$crisk" inspect --db "$db" --import "$tmp/imp.csv" --today 2026-11-30 > /dev/null
"$crisk" learn --db "$db" --label "$tmp/insp.yaml" --as-of 2025-12-31 --out "$tmp/out" --json \
  --method both > "$tmp/rep.json"
sqlite3 -csv "$db" "SELECT i.subject, i.day, i.problem, f.arm FROM inspection i JOIN draw_firm f
  ON f.draw=i.draw AND f.subject=i.subject WHERE i.result IS NOT NULL" > "$tmp/insp.csv"
sqlite3 -csv "$db" "SELECT subject, coalesce(established, '') FROM enterprise" > "$tmp/firms.csv"
python3 - "$tmp" <<'PY'
import bisect, csv, datetime, json, sys
t = sys.argv[1]
rep = json.load(open(t + "/rep.json"))
day = lambda s: (datetime.date.fromisoformat(s) - datetime.date(1970, 1, 1)).days
T = day("2025-12-31")
assert rep["as_of"] == "2025-12-31" and rep["validation"] == "kfold", rep
est = {int(r[0]): (int(r[1]) if r[1] else None) for r in csv.reader(open(t + "/firms.csv"))}
y, yr, before = {}, {}, set()
for s, d, prob, arm in csv.reader(open(t + "/insp.csv")):
    s, d, prob = int(s), int(d), int(prob)
    if est.get(s, -1) is not None and est.get(s, -1) > T:
        continue
    if d <= T:
        before.add(s)
        continue
    if d > T + 365:
        continue
    y[s] = max(y.get(s, 0), prob)
    if arm == "random":
        yr[s] = max(yr.get(s, 0), prob)
pos = sum(y.values())
assert (pos, len(y) - pos) == (rep["positives"], rep["negatives"]), ((pos, len(y) - pos), rep)
ra = rep["random_arm"]
rpos = sum(yr.values())
assert (rpos, len(yr) - rpos) == (ra["positives"], ra["negatives"]), ((rpos, len(yr) - rpos), ra)
assert 0 < rpos < len(yr) < len(y), (rpos, len(yr), len(y))
# a firm with a problem found by a targeted inspection and none by its random one: y 1, random 0
assert any(y[s] == 1 and yr[s] == 0 for s in yr), "no firm tells the random label from the label"
sc = list(csv.DictReader(open(t + "/out/scores.csv")))
rows = {int(r["subject"]) for r in sc}
assert rows == set(y), (len(rows), len(y))
assert before - set(y) and not (before - set(y)) & rows, "a result before the as-of date made a row"
for r in sc:
    assert int(r["y"]) == y[int(r["subject"])], r
def auc(v):
    P = [s for s, l in v if l]; N = sorted(s for s, l in v if not l)
    num = sum(bisect.bisect_left(N, s) + 0.5 * (bisect.bisect_right(N, s) - bisect.bisect_left(N, s)) for s in P)
    return num / (len(P) * len(N))
assert [m["method"] for m in ra["models"]] == [m["method"] for m in rep["models"]]
for m, a in zip(rep["models"], ra["models"]):
    col = m["method"]
    full = auc([(float(r[col]), int(r["y"])) for r in sc if r[col] != ""])
    rnd = auc([(float(r[col]), yr[int(r["subject"])]) for r in sc if r[col] != "" and int(r["subject"]) in yr])
    assert abs(full - m["auc"]) < 1e-9, (col, full, m["auc"])
    assert abs(rnd - a["auc"]) < 1e-9, (col, rnd, a["auc"])
    assert a["rows"] == len(yr) and a["positives"] == rpos, a
assert rep["models"][0]["auc"] > 0.6, rep["models"][0]
print("ok", len(y), pos, len(yr), rpos, [round(m["auc"], 3) for m in ra["models"]])
PY
grep -q '随机抽查组 random-arm' "$tmp/out/report.html" || fail "report.html lacks the random-arm section"
# Results a year earlier (a plan drawn 2025-01-05, results in 2025): the train period now has
# outcomes, so the validation is out of time; train counts against python3, test unchanged.
sed 's/专项一/专项三/; s/2026/2025/' "$tmp/p1.yaml" > "$tmp/p3.yaml"
"$crisk" plan --db "$db" --file "$tmp/p3.yaml" --today 2025-01-05 > /dev/null
"$crisk" draw --db "$db" --plan 3 --seed s3 --today 2025-01-05 > /dev/null
"$crisk" inspections --db "$db" --plan 3 --csv > "$tmp/list3.csv"
python3 - "$tmp" <<'PY'
import csv, random, datetime, sys
t = sys.argv[1]
rng = random.Random(9)
out = open(t + "/imp3.csv", "w")
out.write("inspection,result,items,by,date\n")
for r in csv.DictReader(open(t + "/list3.csv")):
    if r["inspectors"]:
        day = datetime.date(2025, 2, 1) + datetime.timedelta(days=rng.randrange(200))
        out.write(f"{r['id']},{'D' if rng.random() < 0.4 else '1'},,u1,{day}\n")
PY
"$crisk" inspect --db "$db" --import "$tmp/imp3.csv" --today 2026-11-30 > /dev/null
"$crisk" learn --db "$db" --label "$tmp/insp.yaml" --as-of 2025-12-31 --out "$tmp/out3" --json > "$tmp/rep3.json"
sqlite3 -csv "$db" "SELECT i.subject, i.day, i.problem FROM inspection i WHERE i.result IS NOT NULL" > "$tmp/insp3.csv"
python3 - "$tmp" <<'PY'
import csv, datetime, json, sys
t = sys.argv[1]
rep, old = json.load(open(t + "/rep3.json")), json.load(open(t + "/rep.json"))
day = lambda s: (datetime.date.fromisoformat(s) - datetime.date(1970, 1, 1)).days
T0 = day("2024-12-31")
assert rep["validation"] == "out_of_time" and rep["train"]["as_of"] == "2024-12-31", rep
est = {int(r[0]): (int(r[1]) if r[1] else None) for r in csv.reader(open(t + "/firms.csv"))}
y = {}
for s, d, prob in csv.reader(open(t + "/insp3.csv")):
    s, d = int(s), int(d)
    if T0 < d <= T0 + 365 and (est[s] is None or est[s] <= T0):
        y[s] = max(y.get(s, 0), int(prob))
p = sum(y.values())
assert (p, len(y) - p) == (rep["train"]["positives"], rep["train"]["negatives"]), (p, len(y) - p, rep["train"])
for k in ("positives", "negatives"):
    assert rep[k] == old[k] and rep["random_arm"][k] == old["random_arm"][k], (k, rep, old)
sc = list(csv.DictReader(open(t + "/out3/scores.csv")))
assert sum(r["fold"] == "0" for r in sc) == len(y), "train rows"
print("out of time: train", p, len(y) - p)
PY
# An events label has no random arm.
printf 'label: v\nevents: {kinds: [penalty], within_days: 365}\n' > "$tmp/ev.yaml"
"$crisk" learn --db "$db" --label "$tmp/ev.yaml" --out "$tmp/o2" --json --min-class 5 > "$tmp/rep2.json"
python3 -c 'import json,sys; assert "random_arm" not in json.load(open(sys.argv[1]))' "$tmp/rep2.json" \
  || fail "an events label reported a random arm"
# Label file errors name the file and line.
printf 'label: x\ninspections: {within_days: 365, kinds: [inspection]}\n' > "$tmp/bad.yaml"
set +e; "$crisk" learn --db "$db" --label "$tmp/bad.yaml" --out "$tmp/o3" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'bad.yaml:2' "$tmp/err" && grep -q kinds "$tmp/err" || fail "unknown key: exit $rc: $(cat "$tmp/err")"
printf 'label: x\ninspections: {within_days: 365}\npositive: [1]\n' > "$tmp/bad.yaml"
set +e; "$crisk" learn --db "$db" --label "$tmp/bad.yaml" --out "$tmp/o3" > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc = 3 ] && grep -q 'bad.yaml:3' "$tmp/err" || fail "positive: beside inspections: exit $rc: $(cat "$tmp/err")"
echo "learn on inspections: rows, positives and the random arm match an independent count"
