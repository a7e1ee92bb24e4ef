#!/usr/bin/env bash
# A feed file that is a FIFO and a catalog that never ends are clear errors, never a hang or a
# process filling the memory: open() of a FIFO waited for a writer forever (the regular-file
# check came after it), and the YAML reader grew its buffer without a limit on /dev/zero. A YAML
# file (catalog, model, monitor rules) is read only from a regular file of at most 16 MiB
# (cr_file_read).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  set +e; out=$(timeout 10 "$@" 2>&1); rc=$?; set -e
  [ $rc = "$code" ] || { echo "expected exit $code, got $rc: $*"; echo "$out"; exit 1; }
  echo "$out" | grep >/dev/null -- "$pat" || { echo "expected '$pat' in: $out"; exit 1; }
}
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > c.yaml
mkfifo a.csv
expect 3 "a.csv: not a regular file" -- "$crisk" ingest --db s.db --catalog c.yaml
# A folder a wildcard matches (an archive beside the feeds) is passed over; one named by a
# pattern without a wildcard is a file error.
mkdir -p w/archive.csv
printf 'k,d\n91440101MA5CJQ4N59,2024-01-02\n' > w/p.csv
sed 's|files: \[a.csv\]|files: ["w/*.csv"]|' c.yaml > w.yaml
expect 0 "w/p.csv: 1 read = 1 loaded" -- "$crisk" ingest --db w.db --catalog w.yaml
"$crisk" ingest --db w.db --catalog w.yaml | grep >/dev/null archive && { echo "special_files: the folder is listed"; exit 1; }
sed 's|files: \[a.csv\]|files: ["w/archive.csv"]|' c.yaml > wd.yaml
expect 3 "w/archive.csv" -- "$crisk" ingest --db wd.db --catalog wd.yaml
expect 3 "/dev/zero: is not a regular file" -- "$crisk" ingest --db s2.db --catalog /dev/zero
mkfifo c.fifo
expect 3 "c.fifo: is not a regular file" -- "$crisk" ingest --db s2.db --catalog c.fifo
head -c $((17 << 20)) /dev/zero | tr '\0' '#' > big.yaml
expect 3 "big.yaml: is 17825792 bytes, over the limit of 16777216 bytes" -- "$crisk" ingest --db s2.db --catalog big.yaml
expect 3 "a model file has at most" -- "$crisk" classify --db s.db --model /dev/zero
# The monitor's rules file has a reader of its own (its hash is of the bytes parsed): the same
# limits (a FIFO waited for a writer forever, /dev/zero filled 16 MiB before).
expect 3 "c.fifo: is not a regular file" -- "$crisk" monitor --db s.db --rules c.fifo
expect 3 "/dev/zero: is not a regular file" -- "$crisk" monitor --db s.db --rules /dev/zero
expect 3 "big.yaml: is 17825792 bytes, over the limit of 16777216 bytes" -- "$crisk" monitor --db s.db --rules big.yaml
echo ok
