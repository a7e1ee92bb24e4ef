#!/usr/bin/env bash
# A topic code keeps the kind and department its stored rows were loaded with: a catalog that
# reuses the code for another kind or department is refused (exit 3, naming both values); a
# new name is taken.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'k,d\nA1,2024-01-02\n' > "$tmp/a.csv"
printf 'k,d\nB1,2024-02-03\n' > "$tmp/b.csv"
cat_of() { # file code-name kind department data
    printf 'catalog: c\ndepartments: [{code: D1, name: 甲局}, {code: D2, name: 乙局}]\ntopics:\n  - {code: T1, name: %s, department: %s, kind: %s, files: [%s], key: {column: k, type: local, namespace: x}, fields: {date: d}}\n' "$2" "$4" "$3" "$5" > "$tmp/$1"
}
cat_of a.yaml 处罚 penalty D1 a.csv
cat_of kind.yaml 投诉 complaint D1 b.csv
cat_of dept.yaml 处罚 penalty D2 b.csv
cat_of name.yaml 行政处罚 penalty D1 b.csv
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/a.yaml" > /dev/null
kinds() { sqlite3 "$tmp/s.db" "SELECT code || ':' || kind || ':' || department || ':' || name FROM topic"; }
rc=0; err=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/kind.yaml" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 3 ] || { echo "topic_identity: a changed kind gave exit $rc: $err"; exit 1; }
echo "$err" | grep >/dev/null "topic T1: kind 'complaint' differs from the stored topic's kind 'penalty'.*new code" \
  || { echo "topic_identity: unclear message: $err"; exit 1; }
[ "$(kinds)" = "T1:penalty:D1:处罚" ] || { echo "topic_identity: topic relabelled: $(kinds)"; exit 1; }
rc=0; err=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/dept.yaml" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 3 ] || { echo "topic_identity: a changed department gave exit $rc: $err"; exit 1; }
echo "$err" | grep >/dev/null "topic T1: department 'D2' differs from the stored topic's department 'D1'" \
  || { echo "topic_identity: unclear message: $err"; exit 1; }
[ "$(sqlite3 "$tmp/s.db" 'SELECT count(*) FROM feed_file')" = 1 ] || { echo "topic_identity: a refused run loaded files"; exit 1; }
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/name.yaml" > /dev/null || { echo "topic_identity: a new name was refused"; exit 1; }
[ "$(kinds)" = "T1:penalty:D1:行政处罚" ] || { echo "topic_identity: name not updated: $(kinds)"; exit 1; }
echo "topic_identity: kind and department kept, the name updated"
