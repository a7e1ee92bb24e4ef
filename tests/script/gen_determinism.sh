#!/usr/bin/env bash
# Same seed, same bytes; another seed, another city; the catalog has the promised breadth.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/a" --enterprises 2000 --seed 42 > /dev/null
"$crisk" gen --out "$tmp/b" --enterprises 2000 --seed 42 > /dev/null
"$crisk" gen --out "$tmp/c" --enterprises 2000 --seed 43 > /dev/null
diff -r "$tmp/a" "$tmp/b" > /dev/null || { echo "same seed gave different bytes"; exit 1; }
if diff -r "$tmp/a" "$tmp/c" > /dev/null; then echo "another seed gave the same city"; exit 1; fi
depts=$(grep -c '^  - code: D' "$tmp/a/catalog.yaml")
topics=$(grep -c '^  - code: T' "$tmp/a/catalog.yaml")
[ "$depts" = 151 ] || { echo "expected 151 departments, got $depts"; exit 1; }
[ "$topics" -ge 3000 ] || { echo "expected at least 3000 topics, got $topics"; exit 1; }
head -1 "$tmp/a/truth.csv" | grep >/dev/null '^uscc,violation_next,' || { echo "truth.csv header"; exit 1; }
head -1 "$tmp/a/truth.csv" | grep >/dev/null ',hard_negative$' || { echo "truth.csv lacks hard_negative"; exit 1; }
head -1 "$tmp/a/roster.csv" | grep >/dev/null '^id,name,role,division,qualifications$' || { echo "roster.csv header"; exit 1; }
[ "$(($(wc -l < "$tmp/a/truth.csv") - 1))" -ge 1900 ] || { echo "truth.csv too short"; exit 1; }
# The generator's dirt is there: GB18030 files, CRLF files, JSON Lines files.
grep -q 'encoding: gb18030' "$tmp/a/catalog.yaml" || { echo "no GB18030 department"; exit 1; }
grep -q 'format: jsonl' "$tmp/a/catalog.yaml" || { echo "no JSON Lines department"; exit 1; }
grep -rlq $'\r' "$tmp/a/feeds" || { echo "no CRLF file"; exit 1; }
echo "gen: deterministic; $depts departments, $topics topics"
