#!/usr/bin/env bash
# The main job on the embedded default: build, generate a small synthetic Guangzhou, ingest
# every department feed into SQLite, and print what was collected.
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
echo "== the same feeds again: nothing is added"
build/crisk ingest --db out/demo.db --catalog out/city/catalog.yaml | grep '^total'
