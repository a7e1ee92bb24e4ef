#!/usr/bin/env bash
# crisk learn --psi RUN_A RUN_B (docs/learn.md "PSI between two runs"): two classification runs a
# year apart; the score PSI (bins at run A's deciles, or --bins quantiles) and the level PSI, bin
# by bin, against a python3 re-computation over the store's run_score table; a run against
# itself is 0; an unknown run is refused (exit 3), a missing second run is a usage error.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "learn_psi: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 8 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2024-06-30 > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" learn --db "$db" --psi 1 2 --json > "$tmp/p10.json"
"$crisk" learn --db "$db" --psi 2 1 --bins 7 --json > "$tmp/p7.json"
"$crisk" learn --db "$db" --psi 2 2 --json > "$tmp/same.json"
"$crisk" learn --db "$db" --psi 1 2 > "$tmp/p10.txt"
grep -q '^  scores  ' "$tmp/p10.txt" || fail "text output: $(cat "$tmp/p10.txt")"
for r in 1 2; do
  sqlite3 -csv "$db" "SELECT score, level FROM run_score WHERE run=$r" > "$tmp/run$r.csv"
done
python3 - "$tmp" <<'PY'
import csv, json, math, sys
t = sys.argv[1]
run = {r: [(float(s), l) for s, l in csv.reader(open(f"{t}/run{r}.csv"))] for r in (1, 2)}
F = 1e-4
def term(e, a):
    e, a = max(e, F), max(a, F)
    return (a - e) * math.log(a / e)
def psi(E, A, bins):
    es = sorted(E)
    cuts = [es[b * len(es) // bins] for b in range(1, bins)]
    def which(v):
        return sum(1 for c in cuts if v >= c)
    ce = [0] * bins; ca = [0] * bins
    for v in E: ce[which(v)] += 1
    for v in A: ca[which(v)] += 1
    terms = [term(ce[b] / len(E), ca[b] / len(A)) for b in range(bins)]
    return sum(terms), terms, ce, ca
def psi_levels(E, A):
    return sum(term(E.count(l) / len(E), A.count(l) / len(A)) for l in "ABCD")
for name, a, b, bins in (("p10", 1, 2, 10), ("p7", 2, 1, 7), ("same", 2, 2, 10)):
    rep = json.load(open(f"{t}/{name}.json"))
    E = [s for s, _ in run[a]]; A = [s for s, _ in run[b]]
    p, terms, ce, ca = psi(E, A, bins)
    assert rep["bins"] == bins and len(rep["score_bins"]) == bins, rep
    assert abs(rep["psi_scores"] - p) < 1e-9, (name, rep["psi_scores"], p)
    for k, x in enumerate(rep["score_bins"]):
        assert (x["expected"], x["actual"]) == (ce[k], ca[k]), (name, k, x, ce[k], ca[k])
        assert abs(x["psi"] - terms[k]) < 1e-12, (name, k)
    pl = psi_levels([l for _, l in run[a]], [l for _, l in run[b]])
    assert abs(rep["psi_levels"] - pl) < 1e-9, (name, rep["psi_levels"], pl)
    assert [r["run"] for r in rep["runs"]] == [a, b], rep["runs"]
    reading = "stable" if p < 0.1 else "watch" if p <= 0.25 else "rebuild"
    assert rep["psi_scores_reading"] == reading, rep
    print(name, round(p, 4), round(pl, 4))
same = json.load(open(f"{t}/same.json"))
assert same["psi_scores"] == 0 and same["psi_levels"] == 0, same
# the text's level rows carry their PSI terms too (they were left empty), summing to the levels'
txt = open(f"{t}/p10.txt", encoding="utf-8").read().splitlines()
lv = [l.split() for l in txt if l.startswith("  level ")]
assert len(lv) == 4 and all(len(r) == 5 for r in lv), lv
pl = psi_levels([l for _, l in run[1]], [l for _, l in run[2]])
assert abs(sum(float(r[4]) for r in lv) - pl) < 1e-4, (lv, pl)
p10 = json.load(open(f"{t}/p10.json"))
assert p10["psi_scores"] > 0.01, p10["psi_scores"]  # a year and a half apart: not identical
PY
set +e
"$crisk" learn --db "$db" --psi 1 9 > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 3 ] && grep -q 'no classification run 9' "$tmp/err" || fail "unknown run: exit $rc: $(cat "$tmp/err")"
"$crisk" learn --db "$db" --psi 1 > /dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--psi with one run: exit $rc"
"$crisk" learn --db "$db" --psi 1 2 --bins 1 > /dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--bins 1: exit $rc"
"$crisk" learn --db "$db" --psi 1 2 --label x.yaml > /dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--psi with --label: exit $rc"
set -e
echo "learn --psi: score and level PSI between runs match python3"
