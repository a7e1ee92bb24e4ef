#!/usr/bin/env bash
# Registry topics: name is optional (a table keyed by hashed ids has none), and attrs are kept on
# the enterprise (enterprise.attrs, JSON); two rows differing only in attrs are not duplicates
# (the later one is the enterprise's registry change); an established year keeps its period.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/s.db" "$1"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: reg
departments:
  - {code: BANK, name: 银行}
topics:
  - code: ENT
    name: 企业信息
    department: BANK
    kind: registry
    files: [ent.csv]
    key: {column: 企业代号, type: local, namespace: c}
    fields: {established: 成立年份}
    attrs: [信誉评级, 是否违约]
YAML
printf '企业代号,信誉评级,是否违约,成立年份\nE1,A,否,2010\nE1,B,否,2010\nE1,B,否,2010\nE2,D,是,\n' > "$tmp/ent.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":4,"loaded":3,"duplicates":1,"quarantined":0,' \
  || { echo "unexpected totals: $out"; exit 1; }
got=$(q "SELECT s.key, e.name, e.established, e.attrs FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='c:E1||14974|{"信誉评级":"B","是否违约":"否","_established_period":"2010"}
c:E2|||{"信誉评级":"D","是否违约":"是"}'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
echo "registry: no name needed, attrs kept (a change of attrs is not a duplicate), established period kept"
