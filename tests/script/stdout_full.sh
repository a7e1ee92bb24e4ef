#!/usr/bin/env bash
# A verb whose standard output cannot be written (here /dev/full: every write fails with ENOSPC)
# exits 1 with a message, whatever the verb and whether its output is text or JSON, small or
# large: an exit 0 would tell a script the output it kept is complete. The same verbs to a
# pipe exit 0 (the near miss: the check is of the output, not of the verb).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "stdout_full: $*"; exit 1; }
[ -c /dev/full ] || { echo "stdout_full: no /dev/full here: skipped"; exit 0; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" monitor --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
firm=$(sqlite3 "$db" "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY subject LIMIT 1")

# Each line: the verb's arguments after crisk (the store where it needs one). Writing verbs
# first run for real (their effect is kept: only the report is lost).
cases=(
  "--help"
  "monitor --db $db --as-of 2025-12-31"
  "monitor --db $db --as-of 2025-12-31 --json"
  "dispatch --db $db --today 2026-01-05"
  "dispatch --db $db --today 2026-01-05 --json"
  "roster --db $db --file $tmp/city/roster.csv"
  "warnings --db $db --csv"
  "warnings --db $db --json"
  "tasks --db $db --csv"
  "tasks --db $db --json"
  "show --db $db $firm"
  "classify --db $db --as-of 2025-12-31"
)
n=0
for c in "${cases[@]}"; do
  read -r -a args <<< "$c"
  "$crisk" "${args[@]}" | cat > /dev/null || fail "crisk $c to a pipe failed"
  rc=0
  "$crisk" "${args[@]}" > /dev/full 2> "$tmp/err" || rc=$?
  [ $rc = 1 ] || fail "crisk $c > /dev/full: exit $rc, want 1 ($(cat "$tmp/err"))"
  grep -q "could not be written\|cannot write" "$tmp/err" || fail "crisk $c > /dev/full: no message: $(cat "$tmp/err")"
  n=$((n + 1))
done
echo "stdout_full: $n verbs refuse a lost output"
