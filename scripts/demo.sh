#!/usr/bin/env bash
# The main job on the embedded default: build, generate a small synthetic Guangzhou, collect
# every department feed into SQLite, classify every enterprise with the gz-2021 model, tag them
# by the theme library, and show the level distribution by district and one portrait.
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
echo "== quality against the generator's hidden truth"
CRISK=build/crisk bench/quality.sh out/demo.db out/city/truth.csv
