#!/usr/bin/env bash
# A feed file that grew by appended rows (a department that appends each month to one file) is
# read from its first new line: the rows read before, bad ones included, are not read again, so
# no bad row is quarantined twice and every row is counted once. A file edited in place (not an
# append) is read whole again, as before. UTF-8 and GB18030 alike.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "appended_feed: $*"; exit 1; }
cat > "$tmp/c.yaml" <<'YAML'
catalog: x
departments:
  - {code: D1, name: n}
topics:
  - code: U
    name: utf8
    department: D1
    kind: penalty
    files: [u.csv]
    key: k
    fields: {date: d, amount: m}
  - code: G
    name: gb
    department: D1
    kind: penalty
    files: [g.csv]
    encoding: gb18030
    key: k
    fields: {date: d, amount: m}
YAML
printf 'k,d,m\n91440101MA5CJQ4N59,2024-01-02,10\n91440101MA5CJQ4N59,not a date,10\n' > "$tmp/u.csv"
printf 'k,d,m\n91440101MA5CJQ4N59,2024-01-03,\xb6\xfe\n' > "$tmp/g.csv" # 二: not an amount
db=$tmp/s.db
"$crisk" ingest --db "$db" --catalog "$tmp/c.yaml" > /dev/null 2>&1 || true
open() { sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE state='open'"; }
[ "$(open)" = 2 ] || fail "first ingest: $(open) open quarantine rows, want 2"
printf '91440101MA5CJQ4N59,2024-02-02,20\n91440101MA5CJQ4N59,2024-02-30,20\n' >> "$tmp/u.csv"
printf '91440101MA5CJQ4N59,2024-02-03,30\n' >> "$tmp/g.csv"
out=$("$crisk" ingest --db "$db" --catalog "$tmp/c.yaml" --json 2>/dev/null) || true
echo "$out" | grep >/dev/null '"path":"u.csv","topic":"U","read":2,"loaded":1,"duplicates":0,"quarantined":1' \
  || fail "appended u.csv not read from its new rows: $out"
echo "$out" | grep >/dev/null '"appended_from":4' || fail "no appended_from 4: $out"
echo "$out" | grep >/dev/null '"path":"g.csv","topic":"G","read":1,"loaded":1' || fail "appended g.csv: $out"
[ "$(open)" = 3 ] || fail "after the append: $(open) open quarantine rows, want 3 (2 old + 1 new)"
line=$(sqlite3 "$db" "SELECT line FROM quarantine WHERE reason LIKE '%date%' ORDER BY id DESC LIMIT 1")
[ "$line" = 5 ] || fail "the appended bad row is quarantined at line $line, want 5"
[ "$(sqlite3 "$db" "SELECT coalesce(sum(n),0) FROM event_block")" = 3 ] || fail "events: want 3 loaded"
# Edited in place (the first row changed): not an append, read whole again.
sed -i 's/2024-01-02,10/2024-01-02,11/' "$tmp/u.csv"
out=$("$crisk" ingest --db "$db" --catalog "$tmp/c.yaml" --json 2>/dev/null) || true
echo "$out" | grep >/dev/null '"path":"u.csv","topic":"U","read":4,' || fail "an edited file was not read whole: $out"
echo "$out" | grep "appended_from" >/dev/null && fail "an edited file counted as an append: $out"
# A header-only file (and one with blank lines after its header) grown by rows: the header is
# never read as a row (it was quarantined as repeated_header; T16).
cat > "$tmp/h.yaml" <<'YAML'
catalog: h
departments:
  - {code: D1, name: n}
topics:
  - {code: H, name: h, department: D1, kind: penalty, files: ["h*.csv"], key: k, fields: {date: d}}
YAML
printf 'k,d\n' > "$tmp/h1.csv"
printf 'k,d\n\n\n' > "$tmp/h2.csv"
"$crisk" ingest --db "$tmp/h.db" --catalog "$tmp/h.yaml" > /dev/null
for h in h1 h2; do printf '91440101MA5CJQ4N59,2024-02-0%s\n' 1 2 >> "$tmp/$h.csv"; done
out=$("$crisk" ingest --db "$tmp/h.db" --catalog "$tmp/h.yaml" --json)
echo "$out" | grep >/dev/null '"path":"h1.csv","topic":"H","read":2,"loaded":2,"duplicates":0,"quarantined":0,"appended_from":2' ||
  fail "a header-only file grown by rows: $out"
echo "$out" | grep >/dev/null '"path":"h2.csv","topic":"H","read":2,"loaded":0,"duplicates":2,"quarantined":0,"appended_from":4' ||
  fail "a header-and-blank-lines file grown by rows: $out"
[ "$(sqlite3 "$tmp/h.db" "SELECT count(*) FROM quarantine")" = 0 ] || fail "a header was quarantined"
echo "appended_feed: appended rows read from their first line (UTF-8 and GB18030), no bad row quarantined twice; an edited file read whole"
