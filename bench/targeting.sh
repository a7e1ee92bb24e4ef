#!/usr/bin/env bash
# Targeted supervision finds more with the same effort (issue 11 "Numbers"): on a synthetic city
# (default 100,000 firms, seed 1), draw a plan under each locality's level ratios (DOMAIN.md
# §1.4) and a uniformly random plan of the same size, take each drawn firm's outcome from
# truth.csv (violation_next) and print problems found per 100 inspections for both and the ratio.
# Exemptions apply to both alike; triggered firms are left out of both (they are inspected
# anyway), so the comparison is of the drawn arms only. Then times `crisk draw` on the store
# (median of 3). Usage: bench/targeting.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}; seed=${2:-1}
crisk=build/crisk
[ -x "$crisk" ] || scripts/build.sh
out=bench/out/targeting-$n-$seed; mkdir -p "$out"
db=$out/s.db
if [ ! -f "$db" ]; then
  rm -rf "$out/city"
  "$crisk" gen --out "$out/city" --enterprises "$n" --seed "$seed" > /dev/null
  "$crisk" ingest --db "$db" --catalog "$out/city/catalog.yaml" > /dev/null
  "$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
  "$crisk" tag --db "$db" > /dev/null
fi
cp "$out/city/plans/check_items.csv" "$out/city/plans/no_penalty.csv" "$out/"
plan() { # name ratios random_share -> plan id
  cat > "$out/$1.yaml" <<YAML
name: $1
year: 2026
routine: false
ratios: $2
random_share: $3
triggers: {open_warnings: false, complaint_kinds: []}
YAML
  "$crisk" plan --db "$db" --file "$out/$1.yaml" --today 2026-01-05 --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["plan"])'
}
drawn() { # plan seed -> draw id
  "$crisk" draw --db "$db" --plan "$1" --seed "$2" --today 2026-01-06 --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["draw"])'
}
rate() { # draw id -> "sampled hits"
  "$crisk" draw --db "$db" --draw "$1" --csv | python3 -c '
import csv, sys
truth = {r["uscc"]: r["violation_next"] == "1" for r in csv.DictReader(open(sys.argv[1]))}
rows = [r for r in csv.DictReader(sys.stdin) if r["arm"] != "triggered"]
print(len(rows), sum(truth.get(r["uscc"], False) for r in rows))' "$out/city/truth.csv"
}
printf '%-10s %-34s %8s %10s %10s %7s\n' locality ratios sampled targeted random ratio
for row in "Yuexiu|{A: 5%, B: 15%, C: 30%, D: 50%}" "Yancheng|{A: 3%, B: 10%, C: 40%, D: 80%}" \
           "Lindian|{A: 5%, B: 15%, C: 40%, D: 80%}" "Henan|{A: 1%, B: 8%, C: 20%, D: 100%}"; do
  name=${row%%|*}; ratios=${row#*|}
  pt=$(plan "$name" "$ratios" "10%")
  read -r nt ht <<< "$(rate "$(drawn "$pt" "bench-$seed")")"
  # the uniform plan: the same total, all of it in the random arm
  pu=$(plan "$name-uniform" "$ratios" "100%")
  read -r nu hu <<< "$(rate "$(drawn "$pu" "bench-$seed")")"
  python3 -c 'import sys
n, loc, ratios, nt, ht, nu, hu = sys.argv[1:]
nt, ht, nu, hu = map(int, (nt, ht, nu, hu))
a, b = 100 * ht / nt, 100 * hu / nu
print(f"{loc:<10} {ratios:<34} {nt:>8} {a:>9.1f}% {b:>9.1f}% {a / b:>6.2f}x")' "$n" "$name" "$ratios" "$nt" "$ht" "$nu" "$hu"
done
echo "(problems found per 100 inspections: targeted plan with a 10 % uniform arm vs a uniform plan of the same size)"
echo "== crisk draw timing (the Yuexiu plan, median of 3)"
p=$(plan timing "{A: 5%, B: 15%, C: 30%, D: 50%}" "10%")
for i in 1 2 3; do "$crisk" draw --db "$db" --plan "$p" --seed "t$i" --json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; done | sort -n | sed -n 2p \
  | xargs -I{} echo "draw (in-process, recorded in the report): {} s"
