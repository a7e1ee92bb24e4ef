#!/usr/bin/env bash
# A mapped column name that the header holds twice is a file error naming both positions (the
# first was taken silently); a column listed twice in attrs is a catalog error at its line and
# column (rows stored {"备注":"ab","备注":"ab"}).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'k,n,n\nA1,x,y\n' > "$tmp/dup.csv"
printf 'k,d,备注\nA1,2024-01-02,ab\n' > "$tmp/ev.csv"
cat > "$tmp/hdr.yaml" <<'Y'
catalog: dup
departments: [{code: D1, name: 甲局}]
topics:
  - {code: R, name: 登记, department: D1, kind: registry, files: [dup.csv], key: {column: k, type: local, namespace: x}, fields: {name: n}}
Y
rc=0; out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/hdr.yaml" 2>&1) || rc=$?
[ "$rc" = 3 ] || { echo "duplicate_columns: a header naming the mapped column twice gave exit $rc: $out"; exit 1; }
echo "$out" | grep >/dev/null "dup.csv:1: .*column 'n' .*header twice, at columns 2 and 3" \
  || { echo "duplicate_columns: unclear message: $out"; exit 1; }
[ "$(sqlite3 "$tmp/s.db" 'SELECT count(*) FROM enterprise')" = 0 ] || { echo "duplicate_columns: rows loaded"; exit 1; }
cat > "$tmp/attrs.yaml" <<'Y'
catalog: dup
departments: [{code: D1, name: 甲局}]
topics:
  - code: T
    name: 处罚
    department: D1
    kind: penalty
    files: [ev.csv]
    key: {column: k, type: local, namespace: x}
    fields: {date: d}
    attrs: [备注, 备注]
Y
rc=0; out=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/attrs.yaml" 2>&1) || rc=$?
[ "$rc" = 3 ] || { echo "duplicate_columns: attrs naming a column twice gave exit $rc: $out"; exit 1; }
echo "$out" | grep >/dev/null "attrs.yaml:11:17: .*column '备注' twice" || { echo "duplicate_columns: no line:column: $out"; exit 1; }
echo "duplicate_columns: header and attrs duplicates refused with their positions"
