#!/usr/bin/env bash
# Files joined with their headers: a row equal to the header is quarantined as repeated_header,
# not loaded as an enterprise; a byte-order mark at the start of a joined file's first line is
# dropped, so its header is recognised and its rows keep their keys.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{ printf '\xEF\xBB\xBF企业代号,企业名称\nE1,甲公司\n'
  printf '企业代号,企业名称\r\nE2,乙公司\n'
  printf '\xEF\xBB\xBF企业代号,企业名称\n\xEF\xBB\xBFE3,丙公司\n'
  printf ' 企业代号 ,"企业名称"\n'; } > "$tmp/base.csv"
cat > "$tmp/c.yaml" <<'Y'
catalog: joined
departments: [{code: D1, name: 甲局}]
topics:
  - {code: R, name: 登记, department: D1, kind: registry, files: [base.csv], key: {column: 企业代号, type: local, namespace: cumcm}, fields: {name: 企业名称}}
Y
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" --json > "$tmp/out.json"
keys=$(sqlite3 "$tmp/s.db" "SELECT group_concat(hex(key), ' ') FROM (SELECT key FROM subject ORDER BY key)")
want=$(printf 'cumcm:E1 cumcm:E2 cumcm:E3' | xxd -p | tr -d '\n' | tr a-f A-F | sed 's/20/ /g')
[ "$keys" = "$want" ] || { echo "repeated_header: keys $(sqlite3 "$tmp/s.db" 'SELECT group_concat(key) FROM subject'), want E1,E2,E3"; exit 1; }
grep -q '"reasons":{"repeated_header":3}' "$tmp/out.json" || { echo "repeated_header: not counted: $(cat "$tmp/out.json")"; exit 1; }
grep -q '"totals":{"read":6,"loaded":3,"duplicates":0,"quarantined":3' "$tmp/out.json" || { echo "repeated_header: counts: $(cat "$tmp/out.json")"; exit 1; }
echo "repeated_header: 3 repeated headers quarantined, 3 enterprises, no U+FEFF in a key"
# The header repeated in full-width forms, another case or with ideographic spaces is a header
# too (tests/script/repeated_header.sh, session 5: these loaded as enterprises before).
printf 'ID,Name\nE1,甲公司\nｉｄ,ｎａｍｅ\nID,NAME\n\xe3\x80\x80Id\xe3\x80\x80,name\nE2,乙公司\nidx,name\n' > "$tmp/fold.csv"
cat > "$tmp/f.yaml" <<'Y'
catalog: folded
departments: [{code: D1, name: 甲局}]
topics:
  - {code: R, name: 登记, department: D1, kind: registry, files: [fold.csv], key: {column: ID, type: local, namespace: x}, fields: {name: Name}}
Y
"$crisk" ingest --db "$tmp/f.db" --catalog "$tmp/f.yaml" --json > "$tmp/fold.json"
keys=$(sqlite3 "$tmp/f.db" "SELECT group_concat(key, ' ') FROM (SELECT key FROM subject ORDER BY key)")
[ "$keys" = "x:E1 x:E2 x:idx" ] || { echo "repeated_header: folded headers loaded as enterprises: $keys"; exit 1; }
grep -q '"reasons":{"repeated_header":3}' "$tmp/fold.json" || { echo "repeated_header: folded headers not counted: $(cat "$tmp/fold.json")"; exit 1; }
echo "repeated_header: 3 folded variants (full-width, upper case, ideographic spaces) quarantined; a near miss (idx) loads"
