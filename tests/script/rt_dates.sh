#!/usr/bin/env bash
# Dates as departments write them (docs/catalog.md "Dates"): a per-column pattern (%m/%d/%Y,
# %d.%m.%Y), periods (2017, 2017.0, 201712, 2017-06, 2019年7月) dated by their last day (or the
# first, period: start) with the period kept as the event's _period attribute, and relative dates
# (4小时前, 昨天) quarantined as relative_date.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: dates
departments:
  - {code: D1, name: 部门}
topics:
  - code: US
    name: licences
    department: D1
    kind: licence
    files: [us.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: {column: issued, format: "%m/%d/%Y"}}
  - code: EU
    name: inspections
    department: D1
    kind: inspection
    files: [eu.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: {column: day, format: "%d.%m.%Y"}}
  - code: AR
    name: 年报
    department: D1
    kind: annual_report
    files: [ar.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: year}
  - code: TAX
    name: 纳税
    department: D1
    kind: tax_filing
    files: [tax.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: {column: month, period: start}}
  - code: NEWS
    name: 舆情
    department: D1
    kind: news
    files: [news.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {date: public_date}
YAML
printf 'id,issued\nA,01/15/2019\nA,1/5/2019 12:00:00 AM\nA,13/01/2019\nA,2019-01-15\n' > "$tmp/us.csv"
printf 'id,day\nA,04.11.2021\nA,2021.11.04\n' > "$tmp/eu.csv"
printf 'id,year\nA,2017\nA,2018.0\nA,2019年\nA,2020-05-06\n' > "$tmp/ar.csv"
printf 'id,month\nA,201712\nA,2017-06\nA,2019年7月\nA,2017.6\nA,201713\n' > "$tmp/tax.csv"
printf 'id,public_date\nA,4小时前\nA,昨天\nA,2019-07-25\nA,20170117095523.0\n' > "$tmp/news.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":19,"loaded":12,"duplicates":1,"quarantined":6,' \
  || { echo "unexpected totals: $out"; exit 1; }
echo "$out" | grep >/dev/null '"relative_date":2' || { echo "relative dates not quarantined as such: $out"; exit 1; }
echo "$out" | grep >/dev/null '"bad_date":4' || { echo "bad dates not quarantined: $out"; exit 1; }
"$crisk" quarantine --db "$tmp/s.db" --json | grep >/dev/null "'4小时前' is a relative date" \
  || { echo "the quarantine does not say the date is relative"; exit 1; }
ev=$("$crisk" events --db "$tmp/s.db" --csv | tail -n +2 | cut -d, -f3,5,7- | sort)
want='AR,2017-12-31,"{""_period"":""2017""}"
AR,2018-12-31,"{""_period"":""2018""}"
AR,2019-12-31,"{""_period"":""2019""}"
AR,2020-05-06,
EU,2021-11-04,
NEWS,2017-01-17,
NEWS,2019-07-25,
TAX,2017-06-01,"{""_period"":""2017-06""}"
TAX,2017-12-01,"{""_period"":""2017-12""}"
TAX,2019-07-01,"{""_period"":""2019-07""}"
US,2019-01-05,
US,2019-01-15,'
[ "$ev" = "$want" ] || { echo "events differ:"; diff <(echo "$want") <(echo "$ev"); exit 1; }
echo "dates: patterns, periods (kept as _period) and relative dates as documented"
