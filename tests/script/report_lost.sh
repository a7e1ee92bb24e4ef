#!/usr/bin/env bash
# push and task whose work is done but whose report to the standard output is lost (/dev/full)
# exit 1 saying what WAS done (the push's folder and file count, the task's id and step), once,
# so a script does not repeat it; the folder and the step are in place. The near miss: the same
# to a pipe exits 0 with the usual report.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -c /dev/full ] || { echo "report_lost: no /dev/full here: skipped"; exit 0; }
cd "$tmp"
db=$tmp/s.db
fail() { echo "report_lost: $*"; cat "$tmp/err" 2>/dev/null; exit 1; }
"$crisk" gen --out city --enterprises 300 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog city/catalog.yaml > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" monitor --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file city/roster.csv > /dev/null
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
for j in "" --json; do
  out=p$j
  rc=0; "$crisk" push --db "$db" --out "$out" $j > /dev/full 2> err || rc=$?
  [ $rc = 1 ] || fail "push $j > /dev/full: exit $rc, want 1"
  n=$(find "$out" -type f | wc -l)
  [ "$n" -gt 0 ] || fail "push $j: no folder left"
  grep -q "the push WAS written: $out holds its $n files; only this report could not be written" err \
    || fail "push $j: message does not say the push was written"
  [ "$(wc -l < err)" = 1 ] || fail "push $j: reported more than once"
done
"$crisk" push --db "$db" --out p2 | cat > /dev/null || fail "push to a pipe failed"
task=$(sqlite3 "$db" "SELECT t.id FROM task t JOIN staff s ON s.division = t.division WHERE t.kind='grid' ORDER BY t.id LIMIT 1")
by=$(sqlite3 "$db" "SELECT s.id FROM task t JOIN staff s ON s.division = t.division WHERE t.id=$task LIMIT 1")
rc=0; "$crisk" task "$task" --accept --by "$by" --db "$db" --today 2026-01-06 > /dev/full 2> err || rc=$?
[ $rc = 1 ] || fail "task --accept > /dev/full: exit $rc, want 1"
grep -q "task $task WAS accepted (recorded in the store); only this report could not be written" err \
  || fail "task: message does not say the step was done"
[ "$(wc -l < err)" = 1 ] || fail "task: reported more than once"
[ "$(sqlite3 "$db" "SELECT status FROM task WHERE id=$task")" = accepted ] || fail "task not accepted"
[ "$("$crisk" task "$task" --visit --by "$by" --db "$db" --today 2026-01-06 | cat)" = "task $task visited" ] \
  || fail "task --visit to a pipe"
echo "report_lost: push and task with a lost report exit 1 saying what was done"
