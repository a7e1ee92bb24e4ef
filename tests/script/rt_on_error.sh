#!/usr/bin/env bash
# A bad optional field need not reject its row: on_error: null leaves the field out, loads the
# row and counts the field in the report (text and JSON) by reason; the default stays quarantine.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/s.db" "$1"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: onerr
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: ns}
    fields:
      name: name
      industry: {column: industry, on_error: null}
      district: {column: district, on_error: null}
      capital: {column: capital, on_error: null}
      established: {column: since, on_error: null}
      status: status
  - code: STRICT
    name: 登记（严格）
    department: D1
    kind: registry
    files: [strict.csv]
    key: {column: id, type: local, namespace: st}
    fields: {name: name, industry: industry}
  - code: PEN
    name: 处罚
    department: D1
    kind: penalty
    files: [pen.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: day, amount: {column: fine, on_error: null}}
YAML
printf 'id,name,industry,district,capital,since,status\nA,甲,9999,440106,10,2001-01-01,存续\nB,乙,7513,999999,abc,2001-13-01,存续\nC,丙,C1492,440106,5,2001-01-01,存续\n' > "$tmp/reg.csv"
printf 'id,name,industry\nA,甲,9999\n' > "$tmp/strict.csv"
printf 'id,day,fine\nA,2021-01-01,lots\nA,2021-01-02,100\n' > "$tmp/pen.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":6,"loaded":5,"duplicates":0,"quarantined":1,' \
  || { echo "unexpected totals: $out"; exit 1; }
echo "$out" | grep >/dev/null '"reasons":{"bad_industry":1}' || { echo "the default policy did not quarantine: $out"; exit 1; }
echo "$out" | grep >/dev/null '"nulled":{"bad_amount":2,"bad_date":1,"bad_division":1,"bad_industry":1}' \
  || { echo "nulled fields not counted: $out"; exit 1; }
got=$(q "SELECT s.key, coalesce(e.industry,'-'), coalesce(e.district,'-'), coalesce(e.capital_fen,'-'), coalesce(e.established,'-') FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='ns:A|-|440106|1000|11323
ns:B|M7513|-|-|-
ns:C|C1492|440106|500|11323'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
[ "$("$crisk" events --db "$tmp/s.db" --csv | grep -c ',PEN,18628,2021-01-01,,$')" = 1 ] \
  || { echo "the bad fine was not left out"; exit 1; }
text=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/catalog.yaml")
echo "$text" | grep >/dev/null 'nulled .*bad_division .*1' || { echo "text report lacks the nulled fields: $text"; exit 1; }
# on_error: null on a required field is a catalog error.
sed 's/      status: status/      status: status\n    required: [industry]/' "$tmp/catalog.yaml" > "$tmp/bad.yaml"
set +e; msg=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/bad.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "on_error" || { echo "on_error on a required field accepted (exit $rc): $msg"; exit 1; }
echo "on_error: null drops bad optional fields and counts them; quarantine stays the default"
