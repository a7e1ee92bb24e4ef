#!/usr/bin/env bash
# level_jump's "indicators that moved" on a generated city classified as of two year ends: every
# indicator is compared, not only the runs' top contributions (a new user found 78 of 86 jumps
# with an empty list: the moving indicators were outside both tops). Checked against an
# independent path: classify --indicators writes every firm's points per indicator at each as-of;
# python3 takes each jumping firm's rises, largest first (ties in model order), and the first
# max_indicators of them must be the evidence's, with the same points.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "monitor_jump: $*"; exit 1; }
cd "$tmp"
"$crisk" gen --out city --enterprises 3000 --seed 2 > /dev/null
"$crisk" ingest --db s.db --catalog city/catalog.yaml > /dev/null
"$crisk" classify --db s.db --as-of 2024-12-31 --indicators i1.csv > /dev/null
"$crisk" classify --db s.db --as-of 2025-12-31 --indicators i2.csv > /dev/null
"$crisk" monitor --db s.db --as-of 2025-12-31 > /dev/null
"$crisk" warnings --db s.db --detector level_jump --json > jumps.json
max=$(sed -n 's/^ *max_indicators: *\([0-9]*\).*/\1/p' "$src/models/monitor.yaml")
[ -n "$max" ] || fail "no max_indicators in models/monitor.yaml"
python3 - i1.csv i2.csv jumps.json "$max" <<'PY' || fail "evidence differs from classify --indicators"
import csv, json, sys
def points(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        ids = [h[:-len(".points")] for h in head if h.endswith(".points")]
        cols = [i for i, h in enumerate(head) if h.endswith(".points")]
        return ids, {row[0]: [float(row[i]) if row[i] else float("nan") for i in cols] for row in r}
ids, before = points(sys.argv[1])
_, after = points(sys.argv[2])
jumps, mx = json.load(open(sys.argv[3])), int(sys.argv[4])
assert len(jumps) >= 20, "too few jumps to test: %d" % len(jumps)
for w in jumps:
    e = w["evidence"]
    u = w["firms"][0]["uscc"]
    rises = [(a - b, k) for k, (b, a) in enumerate(zip(before[u], after[u])) if a > b]
    rises.sort(key=lambda t: (-t[0], t[1]))
    want = [ids[k] for _, k in rises[:mx]]
    got = [m["indicator"] for m in e["indicators_moved"]]
    if not want:  # its own points rose nowhere: the top contributions are shown instead
        assert e["indicators_from"] == "top_contributions", (u, e)
        continue
    assert e["indicators_from"] == "recomputed" and got == want, (u, got, want)
    for m in e["indicators_moved"]:
        k = ids.index(m["indicator"])
        assert abs(m["points_before"] - before[u][k]) < 1e-9 and abs(m["points_after"] - after[u][k]) < 1e-9, (u, m)
print("monitor_jump: %d jumps, indicators as classify --indicators gives them" % len(jumps))
PY
# The bug this fixes: some listed indicator is in neither run's stored top contributions.
sqlite3 -json s.db "SELECT e.uscc, x.top AS before, y.top AS after FROM run_score x
  JOIN run_score y ON y.subject = x.subject AND y.run = 2 JOIN enterprise e ON e.subject = x.subject
  WHERE x.run = 1" > tops.json
python3 - jumps.json tops.json <<'PY' || fail "no listed indicator outside both runs' tops: the test shows nothing"
import json, sys
jumps = json.load(open(sys.argv[1]))
tops = {r["uscc"]: {t[0] for k in ("before", "after") for t in json.loads(r[k])} for r in json.load(open(sys.argv[2]))}
outside = sum(any(m["indicator"] not in tops[w["firms"][0]["uscc"]] for m in w["evidence"]["indicators_moved"]) for w in jumps)
assert outside > 0, outside
print("monitor_jump: %d jumps list an indicator outside both stored tops" % outside)
PY

# A model edited under the same id (another weight) made the earlier run: the loaded model is
# not the one both runs used, so nothing is recomputed; the runs' own top contributions are shown.
sed '0,/^    weight: 0.05/s//    weight: 0.5/' "$src/models/gz-2021.yaml" > edited.yaml
! cmp -s edited.yaml "$src/models/gz-2021.yaml" || fail "could not edit the model"
"$crisk" classify --db s.db --as-of 2024-12-31 --model edited.yaml > /dev/null
"$crisk" classify --db s.db --as-of 2025-12-31 > /dev/null
"$crisk" monitor --db s.db --as-of 2025-12-31 > /dev/null
"$crisk" warnings --db s.db --detector level_jump --status open --json > jumps2.json
python3 - jumps2.json <<'PY' || fail "a jump between runs of two model texts was recomputed"
import json, sys
w = json.load(open(sys.argv[1]))
assert w and all(x["evidence"]["indicators_from"] == "top_contributions" and x["evidence"]["run_before"] == 3 for x in w), [x["evidence"] for x in w[:2]]
print("monitor_jump: %d jumps between an edited model's run and the shipped one's: top contributions" % len(w))
PY
