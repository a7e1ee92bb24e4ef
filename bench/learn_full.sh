#!/usr/bin/env bash
# Issue 12's numbers on a whole city (1.6 M firms x 72 indicators): the scorecard fit <= 60 s,
# the tree fit <= 120 s, peak RSS <= 4 GiB. Ingests a `crisk gen` city (unless DB names a store
# already made from it), then runs `crisk learn --method scorecard` and `--method xgboost` on
# its violation-12m label, each as its own process under GNU time: wall seconds and peak RSS of
# the process, and from the report the seconds of its stages (matrix: store read, indicators
# and the champion at both dates; the fit: the challenger's folds and final model).
#
# Usage: bench/learn_full.sh CITY_DIR [OUT_DIR]
#   CRISK      the binary (default build/crisk; build it RelWithDebInfo for timing)
#   DB         an ingested store of CITY_DIR to use instead of ingesting into OUT_DIR/s.db
#   LEARN_ARGS more options for crisk learn (e.g. "--validation kfold")
# Example (the lead's full run): crisk gen --enterprises 1600000 --seed 1 --out /big/city1600k
#   bench/learn_full.sh /big/city1600k bench/out/learn-full
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
crisk=${CRISK:-$src/build/crisk}
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: bench/learn_full.sh CITY_DIR [OUT_DIR]" >&2; exit 2; }
city=$1
out=${2:-$src/bench/out/learn-full}
mkdir -p "$out"
[ -x /usr/bin/time ] || { echo "learn_full: needs GNU time (/usr/bin/time, Debian package time)"; exit 1; }
db=${DB:-$out/s.db}
if [ ! -f "$db" ]; then
  s=$(date +%s)
  "$crisk" ingest --db "$db" --catalog "$city/catalog.yaml" > "$out/ingest.txt"
  echo "ingest: $(( $(date +%s) - s )) s (not part of the goals)"
fi
firms=$(sqlite3 "$db" "SELECT count(*) FROM enterprise")
for method in scorecard xgboost; do
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$out/$method.time" "$crisk" learn --db "$db" \
    --label "$city/labels/violation-12m.yaml" --method $method --out "$out/learn-$method" \
    --json ${LEARN_ARGS:-} > "$out/$method.json"
done
python3 - "$out" "$firms" <<'PY'
import json, re, sys
out, firms = sys.argv[1], int(sys.argv[2])
goal = {"scorecard": 60, "xgboost": 120}
GiB = 1024 ** 3
ok = True
print(f"{firms:,} firms")
print(f"{'method':10} {'rows':>10} {'features':>8} {'matrix s':>9} {'fit s':>8} {'goal s':>6} "
      f"{'process s':>9} {'peak RSS GiB':>12} {'goal':>5}  AUC")
for m in ("scorecard", "xgboost"):
    rep = json.load(open(f"{out}/{m}.json"))
    t = open(f"{out}/{m}.time").read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) * 1024
    w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", t).group(1)
    wall = 0.0
    for part in w.split(":"):
        wall = wall * 60 + float(part)
    fit = rep["seconds"][m]
    rows = sum(x["rows"] for x in rep["models"][:1])
    feats = rep["features"]["indicators"] + rep["features"]["attributes"]
    auc = [x["auc"] for x in rep["models"] if x["method"] == m][0]
    good = fit <= goal[m] and rss <= 4 * GiB
    ok &= good
    print(f"{m:10} {rows:>10,} {feats:>8} {rep['seconds']['matrix']:>9.1f} {fit:>8.1f} "
          f"{goal[m]:>6} {wall:>9.1f} {rss / GiB:>12.2f} {4:>5}  {auc:.4f}  "
          f"{'ok' if good else 'OVER'}")
print("rows: the test rows measured (out of time: the train period has as many again)")
print("all within the goals" if ok else "some over the goals")
PY
