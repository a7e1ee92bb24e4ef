#!/usr/bin/env bash
# The respond library's messages reach the API too (409 conflicts of POST /tasks/ID/STEP carry
# them), so they name no CLI flag or verb option ("--today"): they say "the day D" (the API's
# field is day) and crisk task/dispatch turn that into --today. Checked on the sources (every
# string literal of src/respond) and on the CLI's message for an out-of-order step.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(dirname "$0")/../..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# string literals naming a --flag (comments left out: lines starting with * or //)
if grep -nE '"[^"]*--[a-z][a-z-]*' "$src"/src/respond/*.c | grep -vE '^[^:]+:[0-9]+:\s*(\*|//)' > "$tmp/hits"; then
  echo "respond_neutral: library messages name CLI flags:"; cat "$tmp/hits"; exit 1
fi
cd "$tmp"
db=$tmp/s.db
"$crisk" gen --out city --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog city/catalog.yaml > /dev/null
"$crisk" monitor --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file city/roster.csv > /dev/null
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
task=$(sqlite3 "$db" "SELECT t.id FROM task t JOIN staff s ON s.division = t.division WHERE t.kind='grid' ORDER BY t.id LIMIT 1")
by=$(sqlite3 "$db" "SELECT s.id FROM task t JOIN staff s ON s.division = t.division WHERE t.id=$task LIMIT 1")
rc=0; "$crisk" task "$task" --accept --by "$by" --db "$db" --today 2026-01-01 2> err || rc=$?
[ $rc = 3 ] || { echo "respond_neutral: a step before dispatch: exit $rc"; cat err; exit 1; }
grep -q "task $task: --today 2026-01-01 is before its previous step (dispatch on 2026-01-05)" err \
  || { echo "respond_neutral: the CLI's message lost --today"; cat err; exit 1; }
rc=0; "$crisk" dispatch --db "$db" --today 2026-01-02 2> err || rc=$?
[ $rc = 3 ] && grep -q "^crisk dispatch: --today 2026-01-02 is before the latest step" err \
  || { echo "respond_neutral: dispatch's message (exit $rc)"; cat err; exit 1; }
echo "respond_neutral: no flag in src/respond's messages; the CLI says --today"
