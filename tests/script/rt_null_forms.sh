#!/usr/bin/env bash
# Null tokens match after the normalisation values get (NFKC, trimmed): ＮＡ is NA, and a token
# written with spaces (" - ") is its trimmed self (issue 8: a full-width ＮＡ key became the
# enterprise n:NA although a key written NA never becomes one).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
    key: {column: id, type: local, namespace: n}
    fields: {name: name, status: status}
  - code: OWN
    name: 登记（自定）
    department: D1
    kind: registry
    files: [own.csv]
    nulls: [" - ", "ＸＸ", "　"]
    key: {column: id, type: local, namespace: o}
    fields: {name: name, status: status}
YAML
printf 'id,name,status\nＮＡ,甲,存续\nＮ／Ａ,乙,存续\n"　NA　",丙,存续\n𝐍𝐀,丁,存续\nE1,戊,ｎｕｌｌ\nE2,己,NAB\nＮＡＸ,庚,存续\n' > "$tmp/reg.csv"
printf 'id,name,status\n-,甲,存续\nＸＸ,乙,存续\nxx,丙,存续\nE1,丁,－\nE2,戊,NA\n' > "$tmp/own.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" > /dev/null || true
got=$(sqlite3 "$tmp/s.db" "SELECT s.key, e.name, coalesce(e.status, '-') FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='n:E1|戊|-
n:E2|己|NAB
n:NAX|庚|存续
o:E1|丁|-
o:E2|戊|NA'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
[ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM quarantine WHERE reason = 'missing_field' AND detail LIKE '%null token%'")" = 7 ] \
  || { echo "null keys not quarantined: $(sqlite3 "$tmp/s.db" 'SELECT line, reason, detail FROM quarantine')"; exit 1; }
echo "rt null forms: tokens match in every written form"
