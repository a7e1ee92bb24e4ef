#!/usr/bin/env bash
# A bad line is quarantined once: read again — twice in one file, in a copy of the file under
# another name, in an edited file — it counts as a duplicate while its row is open in the
# topic's quarantine; once that row is resolved, the same bad line is new again.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/cat.yaml" <<'Y'
catalog: once
departments: [{code: D1, name: 甲局}]
topics:
  - {code: T1, name: 处罚, department: D1, kind: penalty, files: ["pen*.csv"], key: {column: k, type: local, namespace: x}, fields: {date: d}}
Y
printf 'k,d\nA1,2024-01-02\nA2,2024-13-45\nA2,2024-13-45\n' > "$tmp/pen1.csv"
counts() { # path read loaded duplicates quarantined, from --json
  python3 -c 'import json,sys
for f in json.load(sys.stdin)["files"]:
    if f["path"] == sys.argv[1]: print(f["read"], f["loaded"], f["duplicates"], f["quarantined"])' "$1"
}
open_rows() { sqlite3 "$tmp/s.db" "SELECT count(*) FROM quarantine WHERE state = 'open'"; }
check() { # what got want
  [ "$2" = "$3" ] || { echo "quarantine_once: $1: $2 (read loaded duplicates quarantined), want $3"; exit 1; }
}

"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/cat.yaml" --json > "$tmp/r1.json"
check "the bad line twice in one file" "$(counts pen1.csv < "$tmp/r1.json")" "3 1 1 1"
[ "$(open_rows)" = 1 ] || { echo "quarantine_once: $(open_rows) rows open after one file"; exit 1; }

cp "$tmp/pen1.csv" "$tmp/pen2.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/cat.yaml" --json > "$tmp/r2.json"
check "a copy under another name" "$(counts pen2.csv < "$tmp/r2.json")" "3 0 3 0"
[ "$(open_rows)" = 1 ] || { echo "quarantine_once: $(open_rows) rows open after a copy"; exit 1; }

# An edited file is read whole again: its new bad line is quarantined, its old one is not.
printf 'k,d\nA1,2024-01-02\nA3,not-a-date\nA2,2024-13-45\n' > "$tmp/pen1.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/cat.yaml" --json > "$tmp/r3.json"
check "an edited file" "$(counts pen1.csv < "$tmp/r3.json")" "3 0 2 1"
[ "$(open_rows)" = 2 ] || { echo "quarantine_once: $(open_rows) rows open after an edit"; exit 1; }

# A retry whose edit still fails keeps the edit to show and the line as delivered: the line
# sent again (or the edit) is still a duplicate while the row is open.
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/q.csv" 2> /dev/null
sed -i 's/"A3,not-a-date"$/"A3,still-not-a-date"/' "$tmp/q.csv"
"$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/q.csv" --catalog "$tmp/cat.yaml" > /dev/null
[ "$(open_rows)" = 2 ] || { echo "quarantine_once: $(open_rows) rows open after a failed edit"; exit 1; }
[ "$(sqlite3 "$tmp/s.db" "SELECT CAST(raw AS TEXT) || '|' || CAST(delivered AS TEXT) FROM quarantine WHERE delivered IS NOT NULL")" \
  = "A3,still-not-a-date|A3,not-a-date" ] || { echo "quarantine_once: the edit and the line as delivered not both kept"; exit 1; }
printf 'k,d\nA3,not-a-date\nA3,still-not-a-date\n' > "$tmp/pen4.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/cat.yaml" --json > "$tmp/r5.json"
check "the line as delivered and its edit, sent again" "$(counts pen4.csv < "$tmp/r5.json")" "2 0 2 0"
# A second failed edit keeps the first line as delivered.
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/q.csv" 2> /dev/null
sed -i 's/"A3,still-not-a-date"$/"A3,2024-02-30"/' "$tmp/q.csv"
"$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/q.csv" --catalog "$tmp/cat.yaml" > /dev/null
[ "$(sqlite3 "$tmp/s.db" "SELECT CAST(raw AS TEXT) || '|' || CAST(delivered AS TEXT) FROM quarantine WHERE delivered IS NOT NULL")" \
  = "A3,2024-02-30|A3,not-a-date" ] || { echo "quarantine_once: a second edit lost the line as delivered"; exit 1; }
rm "$tmp/pen4.csv"

# Fixed and retried, the row is resolved: the same bad line delivered again is new again.
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/q.csv" 2> /dev/null
sed -i 's/"A2,2024-13-45"$/"A2,2024-12-31"/' "$tmp/q.csv"
"$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/q.csv" --catalog "$tmp/cat.yaml" > /dev/null
[ "$(open_rows)" = 1 ] || { echo "quarantine_once: $(open_rows) rows open after the retry"; exit 1; }
printf 'k,d\nA2,2024-13-45\n' > "$tmp/pen3.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/cat.yaml" --json > "$tmp/r4.json"
check "a resolved bad line delivered again" "$(counts pen3.csv < "$tmp/r4.json")" "1 0 0 1"
[ "$(open_rows)" = 2 ] || { echo "quarantine_once: $(open_rows) rows open after a resolved line came again"; exit 1; }
echo "quarantine_once: a bad line open in the quarantine counts as a duplicate when read again"
