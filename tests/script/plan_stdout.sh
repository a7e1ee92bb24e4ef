#!/usr/bin/env bash
# `crisk plan` and `crisk draw` whose standard output cannot be written (/dev/full) have done
# their work: the plan or draw is recorded. They exit 1 (the report is lost) and say that it was
# recorded and its id, so that nobody records it again (docs/inspect.md "Recorded, report lost").
# The near miss: to a pipe they exit 0 and say nothing of the kind.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "plan_stdout: $*"; exit 1; }
[ -c /dev/full ] || { echo "plan_stdout: no /dev/full here: skipped"; exit 0; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
printf 'name: p\nyear: 2026\nroutine: false\n' > "$tmp/p.yaml"
q() { sqlite3 "$db" "$1"; }
n=0
for json in "" --json; do
  n=$((n + 1))
  rc=0; "$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 $json > /dev/full 2> "$tmp/err" || rc=$?
  [ $rc = 1 ] || fail "plan $json > /dev/full: exit $rc, want 1"
  [ "$(q 'SELECT max(id) FROM plan')" = $n ] || fail "plan $json > /dev/full: not recorded"
  grep -q "plan $n was recorded" "$tmp/err" || fail "plan $json > /dev/full: does not say plan $n was recorded: $(cat "$tmp/err")"
  rc=0; "$crisk" draw --db "$db" --plan $n --seed s --today 2026-01-06 $json > /dev/full 2> "$tmp/err" || rc=$?
  [ $rc = 1 ] || fail "draw $json > /dev/full: exit $rc, want 1"
  [ "$(q "SELECT max(id) FROM draw WHERE plan=$n")" = $n ] || fail "draw $json > /dev/full: not recorded"
  grep -q "draw $n was recorded" "$tmp/err" || fail "draw $json > /dev/full: does not say draw $n was recorded: $(cat "$tmp/err")"
  "$crisk" draw verify --db "$db" --draw $n > /dev/null || fail "the draw recorded with a lost report does not verify"
done
# the near miss: to a pipe, exit 0 and no such message
"$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 2> "$tmp/err" | cat > /dev/null
"$crisk" draw --db "$db" --plan 3 --seed s --today 2026-01-06 2>> "$tmp/err" | cat > /dev/null
! grep -q "recorded" "$tmp/err" || fail "a written report said: $(cat "$tmp/err")"
echo "plan_stdout: a lost report of a recorded plan or draw says it was recorded, with its id"
