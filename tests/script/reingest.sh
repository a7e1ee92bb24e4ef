#!/usr/bin/env bash
# Re-running the same files adds nothing; a new month's (here: year's) files add exactly their
# rows; the end state equals one ingest of everything.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 3 > /dev/null
"$crisk" ingest --db "$tmp/all.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mkdir "$tmp/later"
later=$(cd "$tmp/city" && ls feeds/*/*_2025.* | head -40)
for f in $later; do mkdir -p "$tmp/later/$(dirname "$f")"; mv "$tmp/city/$f" "$tmp/later/$f"; done
ev() { sqlite3 "$1" "SELECT coalesce(sum(n),0) FROM event_block"; }
"$crisk" ingest --db "$tmp/inc.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
before=$(ev "$tmp/inc.db")
again=$("$crisk" ingest --db "$tmp/inc.db" --catalog "$tmp/city/catalog.yaml" --json)
[ "$(ev "$tmp/inc.db")" = "$before" ] || { echo "a second run added rows"; exit 1; }
echo "$again" | grep >/dev/null '"totals":{"read":0,' || { echo "a second run read rows: $again"; exit 1; }
for f in $later; do mv "$tmp/later/$f" "$tmp/city/$f"; done
new=$("$crisk" ingest --db "$tmp/inc.db" --catalog "$tmp/city/catalog.yaml" --json)
loaded=$(echo "$new" | sed -E 's/.*"totals":\{"read":[0-9]+,"loaded":([0-9]+).*/\1/')
files=$(echo "$new" | grep -o '"skipped":true' | wc -l)
after=$(ev "$tmp/inc.db")
[ $((after - before)) = "$loaded" ] || { echo "new files loaded $loaded rows but events grew by $((after - before))"; exit 1; }
[ "$loaded" -gt 0 ] || { echo "the new files added nothing"; exit 1; }
[ "$after" = "$(ev "$tmp/all.db")" ] || { echo "incremental store differs from one full ingest"; exit 1; }
echo "reingest: rerun added 0; $(echo "$later" | wc -w) new files added $loaded rows ($files files skipped); equals a full ingest"
