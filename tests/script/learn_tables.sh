#!/usr/bin/env bash
# The foreign tables crisk learns from: the German credit table and the CUMCM firms load through
# their shipped catalogs with nothing quarantined, and the label column their label files name
# yields the known positives (German credit: 300 bad of 1,000; CUMCM: 27 defaults of 123, all
# 24 D-rated firms among them), counted by sqlite3 from the stored attributes and by Python's
# csv module from the source files.
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
label_field() { sed -n "s/^$2: *//p" "$1" | sed 's/ *#.*//'; }

# German credit
out=$("$crisk" ingest --db "$tmp/g.db" --catalog "$src/catalogs/germancredit/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"totals":{"read":1000,"loaded":1000,"duplicates":0,"quarantined":0,"unlinked":0}' \
  || { echo "germancredit: unexpected totals: $out"; exit 1; }
lab=$src/catalogs/germancredit/label.yaml
col=$(label_field "$lab" column)
[ "$col" = creditability ] || { echo "germancredit label column '$col'"; exit 1; }
pos=$(sqlite3 "$tmp/g.db" "SELECT count(*) FROM enterprise WHERE json_extract(attrs, '\$.$col') = 'bad'")
neg=$(sqlite3 "$tmp/g.db" "SELECT count(*) FROM enterprise WHERE json_extract(attrs, '\$.$col') = 'good'")
[ "$pos/$neg" = 300/700 ] || { echo "germancredit: $pos bad / $neg good, expected 300/700"; exit 1; }
# every attribute of the source row is kept, value for value
python3 - "$src/data/samples/germancredit.csv" "$tmp/g.db" <<'PY'
import csv, json, sqlite3, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
db = sqlite3.connect(sys.argv[2])
got = {k: json.loads(a) for k, a in db.execute(
    "SELECT s.key, e.attrs FROM enterprise e JOIN subject s ON s.id = e.subject")}
assert len(rows) == 1000 == len(got), (len(rows), len(got))
for r in rows:
    key = 'germancredit:' + r.pop('id')
    assert got[key] == r, (key, got[key], r)
PY

# CUMCM 2020 C
out=$("$crisk" ingest --db "$tmp/c.db" --catalog "$src/catalogs/cumcm2020c/catalog.yaml" --json)
echo "$out" | grep >/dev/null '"quarantined":0,"unlinked":0}' || { echo "cumcm: unexpected totals: $out"; exit 1; }
lab=$src/catalogs/cumcm2020c/label.yaml
col=$(label_field "$lab" column)
[ "$col" = 是否违约 ] || { echo "cumcm label column '$col'"; exit 1; }
pos=$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM enterprise WHERE json_extract(attrs, '\$.$col') = '是'")
neg=$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM enterprise WHERE json_extract(attrs, '\$.$col') = '否'")
dd=$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM enterprise WHERE json_extract(attrs, '\$.$col') = '是' AND json_extract(attrs, '\$.信誉评级') = 'D'")
[ "$pos/$neg/$dd" = 27/96/24 ] || { echo "cumcm: $pos defaults / $neg not / $dd D-rated defaults, expected 27/96/24"; exit 1; }
ind=$(python3 -c 'import csv,sys; print(sum(r["是否违约"] == "是" for r in csv.DictReader(open(sys.argv[1], newline=""))))' \
  "$src/data/samples/cumcm2020c/enterprises_123_with_rating.csv")
[ "$ind" = "$pos" ] || { echo "cumcm: csv module counts $ind defaults, the store $pos"; exit 1; }
echo "learn tables: germancredit 300 bad / 700 good, cumcm 27 defaults / 96 (24 D-rated) — nothing quarantined"
