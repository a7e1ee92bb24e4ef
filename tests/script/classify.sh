#!/usr/bin/env bash
# Collect → classify → tag → show on a small synthetic city, end to end through the CLI.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 9 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
out=$("$crisk" classify --db "$db" --json)
n=$(sqlite3 "$db" "SELECT count(*) FROM enterprise")
echo "$out" | grep >/dev/null "\"run\":1," || { echo "first run is not run 1: $out"; exit 1; }
sum=$(echo "$out" | sed -E 's/.*"levels":\{"A":([0-9]+),"B":([0-9]+),"C":([0-9]+),"D":([0-9]+)\}.*/\1+\2+\3+\4/' | bc)
[ "$sum" = "$n" ] || { echo "levels add up to $sum, not $n enterprises"; exit 1; }
# Same inputs, same scores; the run records the model hash and finds no level changes.
again=$("$crisk" classify --db "$db" --json --threads 1)
echo "$again" | grep >/dev/null '"level_changes":0' || { echo "a second identical run changed levels: $again"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM run_score a JOIN run_score b ON a.subject=b.subject AND a.run=1 AND b.run=2 WHERE a.score <> b.score OR a.level <> b.level")" = 0 ] \
  || { echo "runs 1 and 2 differ"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(DISTINCT model_hash) FROM run")" = 1 ] || exit 1
# An earlier as-of date sees fewer events and gives other levels to some firms.
early=$("$crisk" classify --db "$db" --json --as-of 2024-06-30)
echo "$early" | grep >/dev/null '"as_of":"2024-06-30"' || exit 1
changes=$(echo "$early" | sed -E 's/.*"level_changes":([0-9]+).*/\1/')
[ "$changes" -gt 0 ] || { echo "an earlier as-of date changed no level"; exit 1; }
# scores --csv lists every enterprise of a run.
[ "$("$crisk" scores --db "$db" --run 1 --csv | tail -n +2 | wc -l)" = "$n" ] || exit 1
# Tags: every D firm of the latest run is a 风险预警企业.
"$crisk" tag --db "$db" --json > "$tmp/tags.json"
d=$(sqlite3 "$db" "SELECT count(*) FROM run_score WHERE run=3 AND level='D'")
grep -q "\"risk_warning\":{\"name\":\"风险预警企业\",\"count\":$d}" "$tmp/tags.json" || { cat "$tmp/tags.json"; exit 1; }
# The portrait of a D firm explains its score: the shares of all indicators add up to it.
u=$(sqlite3 "$db" "SELECT s.key FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=3 AND r.level='D' ORDER BY r.score DESC LIMIT 1")
stored=$(sqlite3 "$db" "SELECT score FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=3 AND s.key='$u'")
"$crisk" show --db "$db" --json "$u" > "$tmp/show.json"
grep -q '"level":"D"' "$tmp/show.json" || exit 1
grep -q '"name":"风险预警企业"' "$tmp/show.json" || { echo "portrait lacks the tag"; exit 1; }
shown=$(sed -E 's/.*"level":\{[^}]*"score":([0-9.e+-]+).*/\1/' "$tmp/show.json")
echo "$shown $stored" | awk '{ d = $1 - $2; if (d < 0) d = -d; exit !(d < 1e-6) }' \
  || { echo "portrait score $shown differs from the stored $stored"; exit 1; }
set +e
"$crisk" show --db "$db" 91440101MA5CJQ4N58 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -q "wrong check character" "$tmp/err" || { echo "bad check character: exit $rc"; exit 1; }
# The event column cache (STORE.cols) follows the store: new rows ingested after a run are
# counted by the next run. A firm of level A gets three fresh penalties in a new feed.
[ -f "$db.cols" ] || { echo "no column cache was written"; exit 1; }
a=$(sqlite3 "$db" "SELECT s.key FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=3 AND r.level='A' ORDER BY r.score LIMIT 1")
before=$(sqlite3 "$db" "SELECT score FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=3 AND s.key='$a'")
mkdir -p "$tmp/extra"
printf 'catalog: extra\ndepartments:\n  - {code: X, name: 新部门}\ntopics:\n  - code: X1\n    name: 新处罚\n    department: X\n    kind: penalty\n    files: [p.csv]\n    key: k\n    fields: {date: d, amount: a}\n' > "$tmp/extra/catalog.yaml"
printf 'k,d,a\n%s,2025-12-01,50000\n%s,2025-11-01,60000\n%s,2025-10-01,70000\n' "$a" "$a" "$a" > "$tmp/extra/p.csv"
"$crisk" ingest --db "$db" --catalog "$tmp/extra/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --json > /dev/null
after=$(sqlite3 "$db" "SELECT score FROM run_score r JOIN subject s ON s.id=r.subject WHERE r.run=4 AND s.key='$a'")
# The firm's events through its posting (extended by the second ingest) are exactly its rows
# in a scan of the whole store, the three new penalties among them.
"$crisk" events --db "$db" --key "$a" --csv | tail -n +2 > "$tmp/one.csv"
"$crisk" events --db "$db" --csv | awk -F, -v k="$a" '$2 == k' > "$tmp/scan.csv"
diff -u "$tmp/scan.csv" "$tmp/one.csv" || { echo "events by posting differ from a scan"; exit 1; }
[ "$(grep -c ',X1,' "$tmp/one.csv")" = 3 ] || { echo "the new penalties are not in the posting"; exit 1; }
echo "$after $before" | awk '{ exit !($1 > $2 + 1) }' || { echo "new penalties not counted: $before -> $after"; exit 1; }
# Without the cache, the same scores.
CRISK_COLUMN_CACHE=0 "$crisk" classify --db "$db" --json > /dev/null
[ "$(sqlite3 "$db" "SELECT count(*) FROM run_score a JOIN run_score b ON a.subject=b.subject AND a.run=4 AND b.run=5 WHERE a.score <> b.score")" = 0 ] \
  || { echo "cached and uncached runs differ"; exit 1; }
# A new store at the same path with other rows never takes the old store's cache.
cp "$db.cols" "$tmp/old.cols"
rm -f "$db" "$db-wal" "$db-shm"
"$crisk" gen --out "$tmp/city2" --enterprises 500 --seed 10 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city2/catalog.yaml" > /dev/null
cp "$tmp/old.cols" "$db.cols"
# Even with the very generation the old cache was stamped with (bytes 8..15 of its header).
old_gen=$(od -An -t d8 -j 8 -N 8 "$tmp/old.cols" | tr -d ' ')
sqlite3 "$db" "UPDATE meta SET v = $old_gen WHERE k = 'generation'"
"$crisk" classify --db "$db" --json > "$tmp/new.json"
n2=$(sqlite3 "$db" "SELECT count(*) FROM enterprise")
"$crisk" events --db "$db" --csv > "$tmp/events.csv"
e2=$(sqlite3 "$db" ".import --csv --schema temp $tmp/events.csv ev" \
  "SELECT count(*) FROM temp.ev e JOIN enterprise x ON x.subject = e.subject")
grep -q "\"enterprises\":$n2,\"events\":$e2," "$tmp/new.json" || { echo "a stale cache was used: $(cat "$tmp/new.json")"; exit 1; }
echo "classify: $n enterprises, levels add up, runs reproducible, as-of respected, tags and portrait agree"
