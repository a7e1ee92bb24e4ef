#!/usr/bin/env bash
# A retry file that lists one quarantine id twice retries its first line and says the second
# was skipped (the second edit used to vanish without a word).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'catalog: r\ndepartments:\n  - {code: D1, name: 甲局}\ntopics:\n  - {code: T1, name: 处罚, department: D1, kind: penalty, files: [a.csv], key: k, fields: {date: d}}\n' > "$tmp/c.yaml"
printf 'k,d\n91440101MA5CJQ4N59,2021-13-01\n' > "$tmp/a.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" > /dev/null
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/q.csv" 2> /dev/null
line=$(sed -n 2p "$tmp/q.csv")
{ head -1 "$tmp/q.csv"
  echo "$line" | sed 's/2021-13-01"$/2021-02-01"/'
  echo "$line" | sed 's/2021-13-01"$/2021-03-01"/'; } > "$tmp/fix.csv"
rc=0; out=$("$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/fix.csv" --catalog "$tmp/c.yaml" 2>&1) || rc=$?
bad=0
echo "$out" | grep 'listed again in the retry file' > /dev/null || { echo "retry_twice: second line not reported (exit $rc): $out"; bad=1; }
days=$("$crisk" events --db "$tmp/s.db" --csv | tail -n +2 | cut -d, -f5 | tr '\n' ' ')
[ "$days" = "2021-02-01 " ] || { echo "retry_twice: events '$days', want the first line's date only"; bad=1; }
[ $bad = 0 ] && echo "retry_twice: the first line retried, the second reported as skipped"
exit $bad
