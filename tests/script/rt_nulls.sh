#!/usr/bin/env bash
# Null tokens (docs/catalog.md "Null tokens"): NA, N/A, -, NULL, \N and empty are missing values,
# not text. A key written NA is a quarantined row (missing_field), never an enterprise named NA;
# an optional value written N/A is simply absent. A catalog or topic may name its own tokens.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/s.db" "$1"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: nulls
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {name: name, status: status}
  - code: PEN
    name: 处罚
    department: D1
    kind: penalty
    files: [pen.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: day, amount: fine}
    attrs: [kind]
  - code: CPL
    name: 投诉
    department: D1
    kind: complaint
    files: [cpl.csv]
    nulls: [无, "-"]
    key: {column: id, type: local, namespace: ns}
    fields: {date: day}
    attrs: [kind]
YAML
printf 'id,name,status\nE1,甲公司,NULL\nNA,乙公司,存续\nn/a,丙公司,存续\n' > "$tmp/reg.csv"
printf 'id,day,fine,kind\nE1,2021-01-02,N/A,警告\nNA,2021-01-03,100,罚款\nNA,2021-01-04,200,罚款\n\\N,2021-01-05,300,-\nE1,2021-01-06,-,NA\n' > "$tmp/pen.csv"
printf 'id,day,kind\nE1,2021-02-01,无\n无,2021-02-02,x\nE1,2021-02-03,NA\n' > "$tmp/cpl.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":11,"loaded":5,"duplicates":0,"quarantined":6,' \
  || { echo "unexpected totals: $out"; exit 1; }
echo "$out" | grep >/dev/null '"missing_field":6' || { echo "null keys are not missing_field: $out"; exit 1; }
[ "$(q "SELECT count(*) FROM subject WHERE key LIKE 'ns:%' AND key <> 'ns:E1'")" = 0 ] \
  || { echo "a null token became an enterprise key: $(q 'SELECT key FROM subject')"; exit 1; }
[ "$(q "SELECT status IS NULL FROM enterprise")" = 1 ] || { echo "status NULL was kept as text"; exit 1; }
ev=$("$crisk" events --db "$tmp/s.db" --csv)
# N/A and - amounts are absent; the - and NA attributes of PEN are absent; CPL's own tokens
# are 无 and -, so its NA attribute is text.
echo "$ev" | grep >/dev/null ',PEN,18629,2021-01-02,,"{""kind"":""警告""}"$' || { echo "N/A amount not absent: $ev"; exit 1; }
echo "$ev" | grep >/dev/null ',PEN,18633,2021-01-06,,$' || { echo "- amount or NA attribute not absent: $ev"; exit 1; }
echo "$ev" | grep >/dev/null ',CPL,18659,2021-02-01,,$' || { echo "topic token 无 not absent: $ev"; exit 1; }
echo "$ev" | grep >/dev/null ',CPL,18661,2021-02-03,,"{""kind"":""NA""}"$' || { echo "topic tokens did not replace the catalog's: $ev"; exit 1; }
# The quarantine says why.
"$crisk" quarantine --db "$tmp/s.db" --json | grep >/dev/null 'null token' \
  || { echo "the quarantine does not name the null token"; exit 1; }
# nulls: [] turns the default off: NA is then a key like any other.
sed 's/^departments:/nulls: []\ndepartments:/; s/    nulls: \[无, "-"\]//' "$tmp/catalog.yaml" > "$tmp/off.yaml"
"$crisk" ingest --db "$tmp/off.db" --catalog "$tmp/off.yaml" > /dev/null
[ "$(sqlite3 "$tmp/off.db" "SELECT count(*) FROM subject WHERE key='ns:NA'")" = 1 ] \
  || { echo "nulls: [] did not turn the tokens off"; exit 1; }
echo "null tokens: 6 null keys quarantined with reason, N/A - NULL absent, topic tokens replace the catalog's"
