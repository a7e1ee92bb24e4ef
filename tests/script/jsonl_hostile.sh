#!/usr/bin/env bash
# JSON Lines that is valid JSON gets a precise reason when refused (a NUL in a string, nesting
# past the reader's limit) and is read when it can be (a 23-digit integer); lines of spaces are
# blank in JSON Lines and CSV, and a line of spaces above a CSV header is not the header.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
deep=$(printf '%.0s[' $(seq 70))$(printf '%.0s]' $(seq 70))
{ printf '{"k":"A1","d":"2024-01-02","x":"a\\u0000b"}\n'
  printf '{"k":"A2","d":"2024-01-03","big":12345678901234567890123,"n":98765432109876543210987}\n'
  printf '   \n\t \r\n'
  printf '{"k":"A3","d":"2024-01-04","deep":%s}\n' "$deep"; } > "$tmp/e.jsonl"
printf '  \nk,d\nB1,2024-01-02\n \t \nB2,2024-01-03\n' > "$tmp/e.csv"
cat > "$tmp/c.yaml" <<'Y'
catalog: j
departments: [{code: D1, name: 甲局}]
topics:
  - {code: J, name: j, department: D1, kind: penalty, format: jsonl, files: [e.jsonl], key: {column: k, type: local, namespace: x}, fields: {date: d}, attrs: [n]}
  - {code: C, name: c, department: D1, kind: complaint, files: [e.csv], key: {column: k, type: local, namespace: x}, fields: {date: d}}
Y
rc=0; out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" --json 2>&1) || rc=$?
[ "$rc" = 0 ] || { echo "jsonl_hostile: ingest exit $rc: $out"; exit 1; }
q() { sqlite3 "$tmp/s.db" "$1"; }
echo "$out" | grep >/dev/null '"path":"e.jsonl","topic":"J","read":3,"loaded":1,"duplicates":0,"quarantined":2' \
  || { echo "jsonl_hostile: JSON Lines counts (a blank line read as a row?): $out"; bad=1; }
echo "$out" | grep >/dev/null '"path":"e.csv","topic":"C","read":2,"loaded":2,' \
  || { echo "jsonl_hostile: CSV with lines of spaces: $out"; bad=1; }
[ "$(q "SELECT detail FROM quarantine WHERE line = 1 AND reason = 'bad_json'")" = 'a NUL character (\u0000) in a string is not allowed (column 34)' ] \
  || { echo "jsonl_hostile: NUL reason: $(q "SELECT detail FROM quarantine WHERE line = 1")"; bad=1; }
q "SELECT detail FROM quarantine WHERE line = 5 AND reason = 'bad_json'" | grep >/dev/null '^objects and arrays nested deeper than 64 (column' \
  || { echo "jsonl_hostile: nesting reason: $(q "SELECT reason, detail FROM quarantine WHERE line = 5")"; bad=1; }
"$crisk" events --db "$tmp/s.db" --csv | grep >/dev/null '98765432109876543210987' || { echo "jsonl_hostile: big integer not kept as its digits"; bad=1; }
[ "$bad" = 0 ] || exit 1
echo "jsonl_hostile: precise reasons, big integers read, lines of spaces blank"
