#!/usr/bin/env bash
# Files whose names are not UTF-8 (a GBK name from a Windows share) or hold a line break: every
# file is in --json, named in cr_escape's form (as the quarantine shows texts), and the text
# report prints no raw line break or control byte from a name.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gbk=$(printf 'feeds/\xb4\xa6\xb7\xa3.csv')   # 处罚 in GBK
nl=$(printf 'feeds/a\nb\x01.csv')
mkdir "$tmp/feeds"
printf 'k,d\nA1,2024-01-02\n' > "$tmp/$gbk"
printf 'k,d\nA2,2024-01-03\n' > "$tmp/$nl"
cat > "$tmp/c.yaml" <<'Y'
catalog: names
departments: [{code: D1, name: 甲局}]
topics:
  - {code: T, name: 处罚, department: D1, kind: penalty, files: ["feeds/*.csv"], key: {column: k, type: local, namespace: x}, fields: {date: d}}
Y
json=$("$crisk" ingest --db "$tmp/j.db" --catalog "$tmp/c.yaml" --json)
echo "$json" | grep -F >/dev/null '"path":"feeds/\\xB4\\xA6\\xB7\\xA3.csv"' || { echo "file_names: GBK name missing from --json: $json"; exit 1; }
echo "$json" | grep -F >/dev/null '"path":"feeds/a\\x0Ab\\x01.csv"' || { echo "file_names: name with a line break missing from --json: $json"; exit 1; }
text=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/c.yaml")
[ "$(echo "$text" | grep -c ' read = ')" = 3 ] || { echo "file_names: a name broke the text report's lines: $text"; exit 1; }
echo "$text" | grep -F >/dev/null 'feeds/a\x0Ab\x01.csv: 1 read' || { echo "file_names: name not escaped in text: $text"; exit 1; }
echo "$text" | LC_ALL=C grep -q $'\x01' && { echo "file_names: a control byte reached the text report"; exit 1; }
echo "file_names: every file listed, names escaped"
