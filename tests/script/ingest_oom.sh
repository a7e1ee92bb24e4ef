#!/usr/bin/env bash
# An ingest that runs out of memory (ulimit -v) says where (the file and topic, or what it was
# writing), that what was committed stays and that the same command resumes; runs under growing
# limits into one store, then one without a limit, leave the same store as one clean run.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# An AddressSanitizer build aborts at start under any ulimit -v (its shadow memory is reserved
# up front): asked first, its output captured (a pipe's status would be the abort's, pipefail).
probe=$( (ulimit -v 400000; "$crisk" gen --help) 2>&1 || true)
case "$probe" in
*Sanitizer*) echo "ingest_oom: skipped: an AddressSanitizer build cannot run under ulimit -v"; exit 0 ;;
esac
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 5 > /dev/null
cat="$tmp/city/catalog.yaml"
failed=0
for v in 60000 80000 100000 120000 140000 160000 180000 200000; do
  set +e
  (ulimit -v $v; exec "$crisk" ingest --db "$tmp/a.db" --catalog "$cat" --threads 2) > /dev/null 2> "$tmp/err"
  rc=$?
  set -e
  [ "$rc" = 0 ] && break
  [ "$rc" = 1 ] || { echo "ingest_oom: exit $rc under ulimit -v $v: $(cat "$tmp/err")"; exit 1; }
  failed=$((failed + 1))
  first=$(head -1 "$tmp/err")
  case "$first" in
  "crisk ingest: out of memory" | "crisk ingest: "*"operation"*)
    echo "ingest_oom: the message says not where: $first"; exit 1 ;;
  "crisk ingest: "*"out of memory"*) ;; # with where: a file, a topic, a stage or what was kept
  *) echo "ingest_oom: not an out-of-memory message under ulimit -v $v: $(cat "$tmp/err")"; exit 1 ;;
  esac
  grep -q 'the same command resumes from there' "$tmp/err" ||
    { echo "ingest_oom: no word on resuming: $(cat "$tmp/err")"; exit 1; }
done
[ "$failed" -ge 2 ] || { echo "ingest_oom: only $failed runs ran out of memory: the limits no longer bite"; exit 1; }
"$crisk" ingest --db "$tmp/a.db" --catalog "$cat" > /dev/null
"$crisk" ingest --db "$tmp/b.db" --catalog "$cat" > /dev/null
for s in a b; do
  "$crisk" events --db "$tmp/$s.db" --csv | cut -d, -f2- | LC_ALL=C sort > "$tmp/$s.events"
  "$crisk" quarantine --db "$tmp/$s.db" --export "$tmp/$s.csv" > /dev/null 2> "$tmp/export.err"
  cut -d, -f2- "$tmp/$s.csv" | LC_ALL=C sort > "$tmp/$s.quarantine"
  sqlite3 "$tmp/$s.db" "SELECT s.key, r.role, p.name, r.start_day FROM role r
    JOIN subject s ON s.id = r.subject JOIN person p ON p.id = r.person ORDER BY 1, 2, 3, 4;
    SELECT uscc, name, addr_key, grid FROM enterprise ORDER BY 1" > "$tmp/$s.registry"
done
for f in events quarantine registry; do
  cmp -s "$tmp/a.$f" "$tmp/b.$f" || { echo "ingest_oom: $f differ after $failed runs out of memory and a resumed one"; diff "$tmp/a.$f" "$tmp/b.$f" | head -5; exit 1; }
done
echo "ingest_oom: $failed runs out of memory said where and left a store the resumed run completed as one clean run does"
