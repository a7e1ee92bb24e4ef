#!/usr/bin/env bash
# Mistakes get a message that names the mistake and the README's exit code (issue 8: a quote
# delimiter was "must be one character", a folder given as catalog "YAML: input error", a retry
# file without raw a "column mapped by topic retry (catalog line 0)", a USCC with S "not an
# 18-character USCC", scores --run 99 printed a header first, --data /nonexistent exited 1).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ $rc = "$code" ] || { echo "expected exit $code, got $rc: $*"; echo "$out"; exit 1; }
  echo "$out" | grep >/dev/null -- "$pat" || { echo "expected '$pat' in: $out"; exit 1; }
}
cat_yaml() { # cat_yaml EXTRA-TOPIC-LINE > file
  printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n%s' "$1"
}
cat_yaml "    delimiter: '\"'
" > "$tmp/q.yaml"
expect 3 "q.yaml:12:16: a quote (\") cannot be the delimiter" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/q.yaml"
mkdir "$tmp/feeds"
expect 3 "feeds: is a folder, not a YAML file" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/feeds"
cat_yaml "" > "$tmp/c.yaml"
printf 'k,d\n91440101MA5CJQ4S59,2021-01-01\n91440101MA5CJQ4N5,2021-01-01\n91440101MA5CJ广4N59,2021-01-01\n91440101MA5CJQ4N59,2021-01-01\n' > "$tmp/a.csv"
expect 3 "no store here" -- "$crisk" scores --db "$tmp/s.db" --csv
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" > /dev/null || true
d=$(sqlite3 "$tmp/s.db" "SELECT group_concat(detail, '|') FROM (SELECT detail FROM quarantine ORDER BY line)")
echo "$d" | grep >/dev/null "'91440101MA5CJQ4S59' is not an 18-character USCC: 'S' (character 16) is not in the USCC alphabet (digits and A-Z without I, O, S, V, Z)" \
  || { echo "S not named: $d"; exit 1; }
echo "$d" | grep >/dev/null "'91440101MA5CJQ4N5' is not an 18-character USCC: it has 17 characters, not 18" \
  || { echo "length not named: $d"; exit 1; }
echo "$d" | grep >/dev/null "is not an 18-character USCC: character 14 is not in the USCC alphabet" \
  || { echo "CJK character not placed: $d"; exit 1; }
# A retry file that is not an export.
printf 'id,raw2\n1,x\n' > "$tmp/fix.csv"
expect 3 "fix.csv: not an export of crisk quarantine --export: the retry file needs the export's columns id,topic,file,line,reason,detail,raw" \
  -- "$crisk" quarantine --db "$tmp/s.db" --retry --catalog "$tmp/c.yaml" "$tmp/fix.csv"
# A run that does not exist prints nothing on stdout.
set +e; o=$("$crisk" scores --db "$tmp/s.db" --csv --run 99 2> "$tmp/err"); rc=$?; set -e
[ $rc = 3 ] && [ -z "$o" ] && grep -q "run 99 does not exist" "$tmp/err" \
  || { echo "scores --run 99: exit $rc, stdout '$o', stderr $(cat "$tmp/err")"; exit 1; }
# A reference folder that is not there is bad input.
expect 3 "nonexistent/.*cannot open reference file: No such file or directory" -- "$crisk" ingest --db "$tmp/d.db" --catalog "$tmp/c.yaml" --data "$tmp/nonexistent"
[ ! -e "$tmp/d.db" ] || { echo "--data /nonexistent created a store"; exit 1; }
expect 3 "cannot open reference file" -- "$crisk" quarantine --db "$tmp/s.db" --retry --catalog "$tmp/c.yaml" --data "$tmp/nonexistent"
echo "messages: each mistake named"
