#!/usr/bin/env bash
# Hostile single rows are quarantined with a reason that names them, never crash ingest:
# coordinates that are not coordinates (text, 200, nan, a number too long to be one; NA is a
# null token, a missing value) crashed ingest through a sentence with three %s for two values,
# and a person ID of 39 characters overflowed a 24-byte buffer (run this under ASan to see a
# clean run); one of 300 characters is too long. Good rows beside them still load.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: hostile
departments:
  - {code: SCJ, name: 市场监督管理局}
topics:
  - code: REG
    name: 企业登记信息
    department: SCJ
    kind: registry
    files: [registry.csv]
    key: uscc
    fields: {name: name, lon: lon, lat: lat}
  - code: ROLE
    name: 企业主要人员
    department: SCJ
    kind: roles
    files: [roles.csv]
    key: uscc
    fields: {person_id: pid, person_name: pname, role: role}
YAML
long=$(printf '1%.0s' $(seq 1 60))
cat > "$tmp/registry.csv" <<CSV
uscc,name,lon,lat
91440106MA5AAAA192,甲,113.3,23.1
91440106MA5AAAB236,乙,abc,x23
91440106MA5AAAE57N,丙,200,23.1
91440106MA5AAAD42G,丁,113.3,nan
91440101MA5CJQ4N59,戊,113.$long,23.1
CSV
id39=$(printf '4%.0s' $(seq 1 39))
id300=$(printf '5%.0s' $(seq 1 300))
cat > "$tmp/roles.csv" <<CSV
uscc,pid,pname,role
91440106MA5AAAA192,440106199001011235,张三,法定代表人
91440106MA5AAAA192,$id39,李四,监事
91440106MA5AAAA192,$id300,王五,董事
91440106MA5AAAA192,４４０１０６１９９００１０１１２３５,张三,经理
CSV
set +e
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" > "$tmp/out.txt" 2>&1
rc=$?
set -e
[ $rc = 0 ] || { echo "hostile_rows: ingest exited $rc"; cat "$tmp/out.txt"; exit 1; }
q() { sqlite3 "$tmp/s.db" "$1"; }
got=$(q "SELECT line || ' ' || reason FROM quarantine ORDER BY file, line" | tr '\n' ';')
want="3 bad_coordinates;4 bad_coordinates;5 bad_coordinates;6 bad_coordinates;3 bad_person_id;4 bad_person_id;"
[ "$got" = "$want" ] || { echo "hostile_rows: quarantine '$got', want '$want'"; exit 1; }
q "SELECT detail FROM quarantine WHERE line = 3 AND reason = 'bad_coordinates'" | grep -x >/dev/null "columns lon/lat: 'abc', 'x23' are not finite coordinates inside the topic's bounds" ||
  { echo "hostile_rows: unclear reason: $(q "SELECT detail FROM quarantine")"; exit 1; }
q "SELECT detail FROM quarantine WHERE reason = 'bad_person_id'" | grep >/dev/null "too long" ||
  { echo "hostile_rows: the 300-character ID is not called too long"; exit 1; }
# No person ID reaches the store, not even in the quarantine's raw text.
[ "$(q "SELECT count(*) FROM quarantine WHERE raw LIKE '%4444444444%' OR raw LIKE '%5555555555%'")" = 0 ] ||
  { echo "hostile_rows: a person ID is stored unmasked"; exit 1; }
# The good rows load, the person ID in full-width digits (54 bytes) among them, as the same
# person as its half-width spelling.
[ "$(q 'SELECT count(*) FROM enterprise')" = 1 ] && [ "$(q 'SELECT count(*) FROM role')" = 2 ] &&
  [ "$(q 'SELECT count(*) FROM person')" = 1 ] ||
  { echo "hostile_rows: the good rows did not load"; exit 1; }
echo "hostile_rows: 4 bad coordinates and 2 overlong person IDs quarantined with their reasons"
