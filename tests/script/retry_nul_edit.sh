#!/usr/bin/env bash
# Quarantine retry tells an edited raw from an unedited one by its length and bytes: an edit that
# adds a NUL and text after it is an edit (strcmp saw the text before the NUL only, so the edit
# was ignored and the row retried as stored).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > c.yaml
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\nbad,2021-01-01\n' > a.csv
"$crisk" ingest --db s.db --catalog c.yaml > /dev/null 2>&1 || true
"$crisk" quarantine --db s.db --export x.csv 2> /dev/null
grep -q 'bad,2021-01-01' x.csv || { echo "retry_nul_edit: setup: no quarantined row: $(cat x.csv)"; exit 1; }
# The edit: a NUL, then a lone backslash (not a valid escape: an edited raw says so, exit 3).
python3 - <<'PY'
d = open('x.csv', 'rb').read()
open('x.csv', 'wb').write(d.replace(b'bad,2021-01-01', b'bad,2021-01-01\x00\\', 1))
PY
rc=0; out=$("$crisk" quarantine --db s.db --retry x.csv --catalog c.yaml 2>&1) || rc=$?
[ "$rc" = 3 ] && echo "$out" | grep >/dev/null 'has a backslash that is not' \
  || { echo "retry_nul_edit: an edit after a NUL was taken as unedited ($rc): $out"; exit 1; }
echo ok
