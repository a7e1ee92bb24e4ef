#!/usr/bin/env bash
# Golden test: a tiny catalog whose every row's fate is known (tests/golden/ingest/README.md).
# Usage: golden_ingest.sh CRISK [--update]
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")/../golden/ingest" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/store.db
zero_times() { sed -E 's/"seconds":[0-9.e+-]+/"seconds":0/; s/"rows_per_s":[0-9.e+-]+/"rows_per_s":0/; s/"index_seconds":[0-9.e+-]+/"index_seconds":0/'; }
"$crisk" ingest --db "$db" --catalog "$here/catalog.yaml" --json | zero_times > "$tmp/ingest.json"
# Quarantine ids follow the order in which parser threads handed rows over: not compared.
"$crisk" quarantine --db "$db" --json | sed -E 's/"id":[0-9]+,//g' > "$tmp/quarantine.json"
"$crisk" events --db "$db" --csv > "$tmp/events.csv"
sqlite3 "$db" ".import --csv --schema temp $tmp/events.csv ev" \
  "SELECT uscc,name,industry,capital_fen,established,addr_key,district,street,grid FROM enterprise ORDER BY uscc;
   SELECT key,topic,day,amount_fen,attrs FROM temp.ev ORDER BY 1,2,3,4,5;
   SELECT s.key,r.role,p.name,length(p.idhash) FROM role r JOIN subject s ON s.id=r.subject JOIN person p ON p.id=r.person;" > "$tmp/store.txt"
# A second run over the same files adds nothing.
"$crisk" ingest --db "$db" --catalog "$here/catalog.yaml" --json | zero_times > "$tmp/again.json"
if [ "${2:-}" = --update ]; then
  cp "$tmp"/ingest.json "$tmp"/quarantine.json "$tmp"/store.txt "$tmp"/again.json "$here/expected/"
  echo "updated $here/expected"; exit 0
fi
fail=0
for f in ingest.json quarantine.json store.txt again.json; do
  if ! diff -u "$here/expected/$f" "$tmp/$f"; then echo "golden: $f differs"; fail=1; fi
done
# No raw ID number may be stored anywhere.
if sqlite3 "$db" .dump | grep >/dev/null 440106198001011231; then echo "golden: a raw ID number was stored"; fail=1; fi
[ $fail = 0 ] && echo "golden ingest: 4 outputs match"
exit $fail
