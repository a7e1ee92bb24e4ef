#!/usr/bin/env bash
# A topic's de-duplication set may take the memory of the set of a topic done before it
# (src/collect/dedupe.c, cr__ingest_set_reserve): the hashes it holds already — the store's
# rows of its topic, loaded at the start of a run — must all move with it, and nothing of the
# other topic's may stay. Two runs over three event topics of falling sizes: the second
# delivers every row of the first again beside new ones, so it must load exactly the new rows,
# with one parser thread (the topics one after another, each taking the last one's memory) and
# with two.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "dedupe_sets: $*"; exit 1; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: sets
departments:
  - {code: SCJ, name: 市场监督管理局}
topics:
YAML
for t in A B C; do
  cat >> "$tmp/catalog.yaml" <<YAML
  - code: $t
    name: 主题$t
    department: SCJ
    kind: penalty
    files: [feeds/$t-*.csv]
    key: uscc
    fields: {date: date, amount: amount}
YAML
done
# rows N FROM: N distinct rows of one firm, amounts FROM.. (a topic's rows differ by amount)
rows() {
  echo "uscc,date,amount"
  awk -v n="$1" -v from="$2" 'BEGIN { for (i = 0; i < n; i++) print "91440106MA5AAAA192,2023-01-01," from + i }'
}
for threads in 1 2; do
  rm -rf "$tmp/feeds" "$tmp"/store.db*
  mkdir "$tmp/feeds"
  rows 3000 0 > "$tmp/feeds/A-1.csv"
  rows 2000 0 > "$tmp/feeds/B-1.csv"
  rows 1000 0 > "$tmp/feeds/C-1.csv"
  json=$("$crisk" ingest --db "$tmp/store.db" --catalog "$tmp/catalog.yaml" --threads $threads --json)
  got=$(echo "$json" | python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["loaded"], t["duplicates"])')
  [ "$got" = "6000 0" ] || fail "threads $threads, first run: loaded/duplicates $got, want 6000 0"
  # The second delivery: each topic's rows again, after 500 new ones (so no file extends another).
  for t in A:3000 B:2000 C:1000; do
    n=${t#*:}
    { rows 500 100000; rows "$n" 0 | tail -n +2; } > "$tmp/feeds/${t%:*}-2.csv"
  done
  json=$("$crisk" ingest --db "$tmp/store.db" --catalog "$tmp/catalog.yaml" --threads $threads --json)
  got=$(echo "$json" | python3 -c 'import json,sys; t=json.load(sys.stdin)["totals"]; print(t["loaded"], t["duplicates"])')
  [ "$got" = "1500 6000" ] || fail "threads $threads, second run: loaded/duplicates $got, want 1500 6000"
done
echo "dedupe_sets: ok"
