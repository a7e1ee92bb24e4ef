#!/usr/bin/env bash
# De-duplication: a topic's repeated rows are loaded once, whatever their distance (next row,
# a few rows apart, across a batch boundary, in another file of the topic) and whatever the
# batch size or thread count. Ingest probes its de-duplication sets a few rows late (ingest.c
# PROBE_LAG) and takes a duplicate back from the batch: counts, unlinked rows and the stored
# events must be exactly those of the distinct rows.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/feeds"
cat > "$tmp/catalog.yaml" <<'EOF'
catalog: dedupe
departments:
  - {code: SCJ, name: 市场监督管理局}
topics:
  - code: REG
    name: 企业登记信息
    department: SCJ
    kind: registry
    files: [feeds/registry.csv]
    key: uscc
    fields: {name: name}
  - code: PEN
    name: 行政处罚信息
    department: SCJ
    kind: penalty
    files: [feeds/penalty_*.csv]
    key: uscc
    fields: {date: date, amount: amount}
    attrs: [kind]
EOF
printf 'uscc,name\n91440106MA5AAAA192,甲\n91440106MA5AAAB236,乙\n' > "$tmp/feeds/registry.csv"
# Row i of a file repeats row i-d for d in 1, 7, 8, 9 and 60 by turns; keys alternate between
# the two registered firms and two that the registry lacks.
awk -v seed=1 'BEGIN {
  split("91440106MA5AAAA192 91440106MA5AAAB236 91440106MA5AAAE57N 91440106MA5AAAD42G", key, " ")
  split("1 7 8 9 60", dist, " ")
  for (f = 1; f <= 2; f++) {
    file = "'"$tmp"'/feeds/penalty_" f ".csv"
    print "uscc,date,amount,kind" > file
    for (i = 1; i <= 400; i++) {
      if (i % 3 == 0 && i > 60) row[i] = row[i - dist[1 + (i / 3) % 5]]
      else if (f == 2 && i % 5 == 1) row[i] = first[i]   # the same row in the other file
      else row[i] = key[1 + i % 4] ",2023-01-" sprintf("%02d", 1 + i % 28) "," (f * 1000 + i) ",警告"
      if (f == 1) first[i] = row[i]
      print row[i] > file
    }
  }
}'
rows=$(cat "$tmp"/feeds/penalty_*.csv | grep -vc '^uscc')
distinct=$(cat "$tmp"/feeds/penalty_*.csv | grep -v '^uscc' | sort -u | wc -l)
unlinked=$(cat "$tmp"/feeds/penalty_*.csv | grep -v '^uscc' | sort -u | grep -c -e MA5AAAE57N -e MA5AAAD42G)
[ "$distinct" -lt "$((rows - 100))" ] || { echo "dedupe: the fixture has too few repeats"; exit 1; }
for opts in "--threads 1" "--threads 2" "--threads 1 --batch-rows 1" "--threads 2 --batch-rows 5"; do
  rm -f "$tmp"/store.db*
  # shellcheck disable=SC2086
  json=$("$crisk" ingest --db "$tmp/store.db" --catalog "$tmp/catalog.yaml" $opts --json)
  pen=$(echo "$json" | grep -o '"path":"feeds/penalty_[^}]*' | sed -E 's/.*"loaded":([0-9]+),"duplicates":([0-9]+).*/\1 \2/' |
    awk '{l += $1; d += $2} END {print l, d}')
  [ "$pen" = "$distinct $((rows - distinct))" ] ||
    { echo "dedupe ($opts): loaded, duplicates = $pen; want $distinct $((rows - distinct))"; exit 1; }
  got=$(echo "$json" | sed -E 's/.*"unlinked":([0-9]+).*/\1/')
  [ "$got" = "$unlinked" ] || { echo "dedupe ($opts): unlinked $got; want $unlinked"; exit 1; }
  stored=$("$crisk" events --db "$tmp/store.db" --csv | tail -n +2 | wc -l)
  unique=$("$crisk" events --db "$tmp/store.db" --csv | tail -n +2 | cut -d, -f2- | sort -u | wc -l)
  [ "$stored" = "$distinct" ] && [ "$unique" = "$distinct" ] ||
    { echo "dedupe ($opts): $stored events stored, $unique distinct; want $distinct"; exit 1; }
done
echo "dedupe: $rows rows, $distinct distinct, loaded once each under 4 batch and thread settings"
