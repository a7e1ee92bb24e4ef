#!/usr/bin/env bash
# The main job on the embedded default: build, generate a small synthetic Guangzhou, collect
# every department feed into SQLite, classify every enterprise with the gz-2021 model, tag them
# by the theme library, show the level distribution by district and one portrait, then the
# loop's response: monitor's warnings, dispatch to the city's roster, one task worked to its end.
# Usage: scripts/demo.sh [ENTERPRISES] (default 20000); the store is out/demo.db.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
scripts/build.sh
mkdir -p out
rm -rf out/city out/demo.db out/demo.db-wal out/demo.db-shm
echo "== crisk gen: a synthetic city of $n enterprises"
build/crisk gen --out out/city --enterprises "$n" --seed 1
echo "== crisk ingest: every feed of out/city/catalog.yaml into out/demo.db"
build/crisk ingest --db out/demo.db --catalog out/city/catalog.yaml | grep -v '^  T'
echo "== crisk quarantine: what was rejected, and why"
build/crisk quarantine --db out/demo.db --limit 3
echo "== crisk classify: 5 aspects, 24 categories, 72 indicators → levels A–D"
build/crisk classify --db out/demo.db
echo "== crisk tag: the theme library"
build/crisk tag --db out/demo.db
echo "== crisk show: the portrait of the riskiest enterprise"
top=$(build/crisk scores --db out/demo.db --csv | awk -F, 'NR > 1 && $2 + 0 > best { best = $2 + 0; key = $1 } END { print key }')
build/crisk show --db out/demo.db "$top"
echo "== crisk monitor: warnings with evidence (一址多照, 一人多企, 僵尸企业, …) as of the city's last day"
build/crisk monitor --db out/demo.db --as-of 2025-12-31
echo "== crisk roster + dispatch: the city's staff; each open warning a task for its grid, street or district"
build/crisk roster --db out/demo.db --file out/city/roster.csv
build/crisk dispatch --db out/demo.db --today 2026-01-05
build/crisk tasks --db out/demo.db --today 2026-01-05 --csv | awk 'NR <= 4'
echo "== crisk task: the first task accepted, visited and closed (属实) by a staff member of its division"
read -r tid div < <(build/crisk tasks --db out/demo.db --status open --today 2026-01-05 --csv | awk -F, 'NR == 2 { print $1, $5 }')
who=$(awk -F, -v d="$div" 'NR > 1 && $4 == d { print $1; exit }' out/city/roster.csv)
[ -n "$who" ] || who=$(awk -F, 'NR > 1 && $3 == "city" { print $1; exit }' out/city/roster.csv)
build/crisk task --db out/demo.db "$tid" --accept --by "$who" --today 2026-01-06
build/crisk task --db out/demo.db "$tid" --visit --by "$who" --today 2026-01-07 --note "现场核查"
build/crisk task --db out/demo.db "$tid" --close confirmed --by "$who" --today 2026-01-08
build/crisk tasks --db out/demo.db --status closed --today 2026-01-08 --csv
echo "== quality against the generator's hidden truth"
CRISK=build/crisk bench/quality.sh out/demo.db out/city/truth.csv
