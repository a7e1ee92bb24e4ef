#!/usr/bin/env bash
# A file matched by several patterns of one topic is read once; a file two topics use is loaded
# by each, and each keeps its own record (skipped and resumed per topic).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'k,d\nA1,2024-01-02\nA2,2024-01-03\n' > "$tmp/pen.csv"
cat > "$tmp/twice.yaml" <<'Y'
catalog: twice
departments: [{code: D1, name: 甲局}]
topics:
  - {code: T1, name: 处罚, department: D1, kind: penalty, files: [pen.csv, pen.csv, "*.csv", "p*.csv"], key: {column: k, type: local, namespace: x}, fields: {date: d}}
Y
out=$("$crisk" ingest --db "$tmp/a.db" --catalog "$tmp/twice.yaml" --json) || { echo "shared_files: one topic matching a file twice failed"; exit 1; }
echo "$out" | grep >/dev/null '"totals":{"read":2,"loaded":2,"duplicates":0' || { echo "shared_files: file not read exactly once: $out"; exit 1; }
[ "$(echo "$out" | grep -o '"path":"pen.csv"' | wc -l)" = 1 ] || { echo "shared_files: file reported more than once: $out"; exit 1; }
# Its other names (a symbolic and a hard link "*.csv" also matches) are read once too, and each
# is listed as the same file, so that no name a pattern matched vanishes from the report.
ln -s pen.csv "$tmp/link.csv"
ln "$tmp/pen.csv" "$tmp/hard.csv"
out=$("$crisk" ingest --db "$tmp/l.db" --catalog "$tmp/twice.yaml" --json) || { echo "shared_files: a feed and its links failed"; exit 1; }
echo "$out" | grep >/dev/null '"totals":{"read":2,"loaded":2,"duplicates":0' || { echo "shared_files: a feed and its links not read exactly once: $out"; exit 1; }
for l in hard link; do
  echo "$out" | grep >/dev/null "\"path\":\"$l.csv\",\"topic\":\"T1\",\"read\":0,\"loaded\":0,\"duplicates\":0,\"quarantined\":0,\"same_as\":\"pen.csv\"}" ||
    { echo "shared_files: $l.csv not listed as the same file as pen.csv: $out"; exit 1; }
done
text=$("$crisk" ingest --db "$tmp/l2.db" --catalog "$tmp/twice.yaml")
echo "$text" | grep >/dev/null -F 'link.csv: same file as pen.csv, read once' || { echo "shared_files: the text report: $text"; exit 1; }
rm "$tmp/link.csv" "$tmp/hard.csv"
# A licence table used as registry and as events.
printf 'k,n,d\nL1,甲,2024-01-02\nL2,乙,2024-01-03\n' > "$tmp/lic.csv"
cat > "$tmp/two.yaml" <<'Y'
catalog: two
departments: [{code: D1, name: 甲局}]
topics:
  - {code: R, name: 登记, department: D1, kind: registry, files: [lic.csv], key: {column: k, type: local, namespace: x}, fields: {name: n}}
  - {code: L, name: 许可, department: D1, kind: license, files: [lic.csv], key: {column: k, type: local, namespace: x}, fields: {date: d}}
Y
out=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/two.yaml" --json) || { echo "shared_files: two topics sharing a file failed: $out"; exit 1; }
echo "$out" | grep >/dev/null '"totals":{"read":4,"loaded":4,' || { echo "shared_files: both topics not loaded: $out"; exit 1; }
[ "$(sqlite3 "$tmp/b.db" 'SELECT count(*) FROM enterprise')" = 2 ] || { echo "shared_files: registry not loaded"; exit 1; }
[ "$(sqlite3 "$tmp/b.db" 'SELECT coalesce(sum(n),0) FROM event_block')" = 2 ] || { echo "shared_files: events not loaded"; exit 1; }
again=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/two.yaml")
[ "$(echo "$again" | grep -c 'already ingested, skipped')" = 2 ] || { echo "shared_files: rerun not skipped per topic: $again"; exit 1; }
echo "shared_files: one read per topic, each topic loaded and skipped on its own"
