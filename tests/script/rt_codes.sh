#!/usr/bin/env bash
# Codes written as floats (a spreadsheet's 7513.0): industry codes, division codes and numeric
# local keys are read as their integer when the fraction is zero, and rejected when it is not.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/s.db" "$1"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: codes
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {name: name, industry: industryco, district: district}
  - code: TAX
    name: 欠税
    department: D1
    kind: tax_arrears
    files: [tax.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: day, amount: amount}
YAML
printf 'id,name,industryco,district\n1001.0,甲,7513.0,440106.0\n1002,乙,7513.00,440106\n1003.5,丙,,\n1004,丁,7513.5,\n1005,戊,,440106.1\n' > "$tmp/reg.csv"
printf 'id,day,amount\n1001,2021-01-02,5\n1002.0,2021-01-03,6\n' > "$tmp/tax.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":7,"loaded":5,"duplicates":0,"quarantined":2,"unlinked":0}' \
  || { echo "unexpected totals: $out"; exit 1; }
echo "$out" | grep >/dev/null '"bad_industry":1' && echo "$out" | grep >/dev/null '"bad_division":1' \
  || { echo "a code with a fraction was accepted: $out"; exit 1; }
[ "$(q "SELECT group_concat(key || '=' || coalesce(industry, '') || '/' || coalesce(district, ''), ' ') FROM (SELECT s.key, e.industry, e.district FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1)")" \
  = "ns:1001=M7513/440106 ns:1002=M7513/440106 ns:1003.5=/" ] \
  || { echo "codes not read as integers: $(q 'SELECT s.key, e.industry, e.district FROM enterprise e JOIN subject s ON s.id = e.subject')"; exit 1; }
echo "float codes: 7513.0 and 440106.0 read as codes, 1002.0 links to 1002; 7513.5 and 440106.1 rejected"
