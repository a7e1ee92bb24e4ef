#!/usr/bin/env bash
# Division codes outside Guangzhou: every county-level division of China (GB/T 2260) is known, so
# another city's registry loads; a street or grid code of a county without street data is kept
# as given and counted (unverified_divisions); a code that no reference knows is bad_division.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/s.db" "$1"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: sz
departments:
  - {code: D1, name: 深圳市市场监督管理局}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: sz}
    fields: {name: name, district: district, street: street, grid: grid}
YAML
printf 'id,name,district,street,grid\nA,福田甲,440304,,\nB,南山乙,,440305001,\nC,南山丙,440305,440305002,440305002003\nD,错,449999,,\nE,广州错街,,440106999,\nF,西城,110102.0,,\nG,不一致,440304,440305001,\n' > "$tmp/reg.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":7,"loaded":4,"duplicates":0,"quarantined":3,' \
  || { echo "unexpected totals: $out"; exit 1; }
echo "$out" | grep >/dev/null '"bad_division":3' || { echo "unknown codes not rejected: $out"; exit 1; }
echo "$out" | grep >/dev/null '"unverified_divisions":3' || { echo "unverified codes not counted: $out"; exit 1; }
got=$(q "SELECT s.key, coalesce(e.district,'-'), coalesce(e.street,'-'), coalesce(e.grid,'-') FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='sz:A|440304|-|-
sz:B|440305|440305001|-
sz:C|440305|440305002|440305002003
sz:F|110102|-|-'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
text=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/catalog.yaml")
echo "$text" | grep >/dev/null 'unverified' || { echo "text report lacks the unverified codes: $text"; exit 1; }
# A catalog may name its city's own streets and grids (code,name,parent_code): its codes are then
# checked like Guangzhou's, and an unknown street of that county is bad_division.
printf 'code,name,parent_code\n440305001,南头街道,440305\n440305002,南山街道,440305\n440305002003,某社区,440305002\n' > "$tmp/sz_divisions.csv"
sed 's/^departments:/divisions: [sz_divisions.csv]\ndepartments:/' "$tmp/catalog.yaml" > "$tmp/own.yaml"
printf 'id,name,district,street,grid\nB,南山乙,,440305001,\nC,南山丙,440305,440305002,440305002003\nH,南山错,,440305009,\nI,福田丁,,440304001,\n' > "$tmp/reg.csv"
out=$("$crisk" ingest --db "$tmp/own.db" --catalog "$tmp/own.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":4,"loaded":3,"duplicates":0,"quarantined":1,' \
  || { echo "unexpected totals with the catalog's divisions: $out"; exit 1; }
echo "$out" | grep >/dev/null '"unverified_divisions":1' || { echo "only 440304001 is unverified now: $out"; exit 1; }
printf 'code,name,parent_code\n440305001,南头街道,449999\n' > "$tmp/sz_divisions.csv"
set +e; msg=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/own.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "sz_divisions.csv:2" || { echo "a bad division file not reported (exit $rc): $msg"; exit 1; }
echo "divisions: another city's counties load; finer codes without reference data kept and counted; a catalog's own division file checks them"
