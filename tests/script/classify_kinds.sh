#!/usr/bin/env bash
# crisk classify warns, in text and --json, about each kind the model reads that no topic
# provides and each loaded kind the model reads nowhere: a catalog that says `tax` where the
# model counts `tax_filing` no longer scores every firm silently as missing those indicators.
# scores --csv (and --indicators) name the key column `key` when keys are a department's own
# (type: local), `uscc` when every key is a USCC.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: kinds
departments:
  - {code: SW, name: 税务局}
topics:
  - code: ENT
    name: 企业信息
    department: SW
    kind: registry
    files: [ent.csv]
    key: {column: 代号, type: local, namespace: sw}
    fields: {name: 名称}
    required: [name]
  - code: TAX
    name: 纳税申报
    department: SW
    kind: tax
    files: [tax.csv]
    key: {column: 代号, type: local, namespace: sw}
    fields: {date: 申报日期, amount: 税额}
YAML
printf '代号,名称\nE1,甲公司\nE2,乙公司\nE3,丙公司\n' > "$tmp/ent.csv"
printf '代号,申报日期,税额\nE1,2025-01-15,100\nE2,2025-02-15,200\nE1,2025-03-15,300\n' > "$tmp/tax.csv"
"$crisk" ingest --db "$db" --catalog "$tmp/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 --indicators "$tmp/ind.csv" > "$tmp/text"
grep -q "^warning: .*kind 'tax_filing', which no topic of the store provides" "$tmp/text" \
  || { echo "no warning for the unprovided kind tax_filing"; cat "$tmp/text"; exit 1; }
grep -q "^warning: topics of kind 'tax' are loaded, but the model reads no events of that kind" "$tmp/text" \
  || { echo "no warning for the ignored kind tax"; cat "$tmp/text"; exit 1; }
! grep -q "kind 'registry'" "$tmp/text" || { echo "registry is read through registry inputs"; exit 1; }
"$crisk" classify --db "$db" --as-of 2025-12-31 --json > "$tmp/json"
j() { sqlite3 :memory: "SELECT $1 FROM (SELECT readfile('$tmp/json') AS d)"; }
[ "$(j "json_extract(d, '\$.kinds.ignored')")" = '["tax"]' ] || { echo "json: ignored kinds $(cat "$tmp/json")"; exit 1; }
[ "$(j "(SELECT count(*) FROM json_each(d, '\$.kinds.unprovided') WHERE value = 'tax_filing')")" = 1 ] \
  || { echo "json: tax_filing not among the unprovided kinds"; exit 1; }
[ "$(j "json_array_length(d, '\$.warnings')")" -ge 2 ] || { echo "json: no warnings"; exit 1; }
# Local keys: the column is `key`, and the keys are there.
"$crisk" scores --db "$db" --csv > "$tmp/scores.csv"
[ "$(head -1 "$tmp/scores.csv")" = "key,score,level" ] || { echo "scores header: $(head -1 "$tmp/scores.csv")"; exit 1; }
[ "$(tail -n +2 "$tmp/scores.csv" | cut -d, -f1 | tr '\n' ' ')" = "sw:E1 sw:E2 sw:E3 " ] || { cat "$tmp/scores.csv"; exit 1; }
[ "$(head -1 "$tmp/ind.csv" | cut -d, -f1)" = key ] && [ "$(sed -n 2p "$tmp/ind.csv" | cut -d, -f1)" = sw:E1 ] \
  || { echo "indicators CSV: $(head -2 "$tmp/ind.csv")"; exit 1; }
# With the right kind, no such warning; USCC keys keep the column `uscc`.
sed -i 's/kind: tax$/kind: tax_filing/' "$tmp/catalog.yaml"
rm -f "$db" "$db-wal" "$db-shm" "$db.cols"
"$crisk" ingest --db "$db" --catalog "$tmp/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > "$tmp/text"
! grep -q -E "kind '(tax|tax_filing)'" "$tmp/text" || { echo "a warning about tax_filing once it is provided"; exit 1; }
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
"$crisk" ingest --db "$tmp/u.db" --catalog "$src/tests/golden/ingest/catalog.yaml" > /dev/null
"$crisk" classify --db "$tmp/u.db" --as-of 2022-12-31 > /dev/null
[ "$("$crisk" scores --db "$tmp/u.db" --csv | head -1)" = "uscc,score,level" ] || { echo "USCC keys: not uscc"; exit 1; }
echo "classify_kinds: unprovided and ignored kinds warned in text and JSON; local keys under 'key'"
