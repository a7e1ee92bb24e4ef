#!/usr/bin/env bash
# Facts without a row date (counts as of an extract): a topic's as_of dates every row that has
# no date of its own; a bad as_of is a catalog error with its place.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: asof
departments:
  - {code: D1, name: 部门}
topics:
  - code: OTHER
    name: 其他信息
    department: D1
    kind: ip_counts
    files: [other.csv]
    as_of: 2020-12-31
    key: {column: id, type: local, namespace: ns}
    attrs: [brand_num, patent_num]
  - code: PEN
    name: 处罚
    department: D1
    kind: penalty
    files: [pen.csv]
    as_of: 2021-06-30
    key: {column: id, type: local, namespace: ns}
    fields: {date: day}
YAML
printf 'id,brand_num,patent_num\nA,3,\nB,,1\nA,3,\n' > "$tmp/other.csv"
printf 'id,day\nA,2021-01-02\nB,\nB,NA\n' > "$tmp/pen.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":6,"loaded":4,"duplicates":2,"quarantined":0,' \
  || { echo "unexpected totals: $out"; exit 1; }
ev=$("$crisk" events --db "$tmp/s.db" --csv | tail -n +2 | cut -d, -f2,3,5 | sort)
want='ns:A,OTHER,2020-12-31
ns:A,PEN,2021-01-02
ns:B,OTHER,2020-12-31
ns:B,PEN,2021-06-30'
[ "$ev" = "$want" ] || { echo "events differ:"; diff <(echo "$want") <(echo "$ev"); exit 1; }
sed 's/as_of: 2020-12-31/as_of: 2020-13-01/' "$tmp/catalog.yaml" > "$tmp/bad.yaml"
set +e; msg=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/bad.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "bad.yaml:10:.*as_of" || { echo "bad as_of not reported (exit $rc): $msg"; exit 1; }
echo "as_of: rows without a date are dated by their topic's as_of; a bad as_of is a catalog error"
