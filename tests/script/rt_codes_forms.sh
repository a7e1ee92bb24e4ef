#!/usr/bin/env bash
# Industry codes are read as NFKC keeps text, section letter in upper case (Ｍ７５１３, m7513),
# and a catalog's divisions file that is a folder, missing, empty or without rows is an error at
# the catalog's line:column (issue 8: bad_industry for both forms; divisions: [.] and an empty
# file were silently accepted).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: codes
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: n}
    fields: {name: name, industry: industry}
YAML
printf 'id,name,industry\nA,甲,Ｍ７５１３\nB,乙,m7513\nC,丙,７５１３．０\nD,丁,c\nE,戊,M7513\nF,己,x7513\nG,庚,Ｍ７５１３Ｍ７５１３Ｍ７５１３Ｍ７５１３Ｍ７５１３\n' > "$tmp/reg.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" > /dev/null || true
got=$(sqlite3 "$tmp/s.db" "SELECT s.key, e.industry FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='n:A|M7513
n:B|M7513
n:C|M7513
n:D|C
n:E|M7513'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
[ "$(sqlite3 "$tmp/s.db" "SELECT group_concat(line) FROM quarantine WHERE reason = 'bad_industry'")" = "7,8" ] \
  || { echo "bad codes: $(sqlite3 "$tmp/s.db" 'SELECT line, reason, detail FROM quarantine')"; exit 1; }
# Division files.
expect() { # expect LIST PATTERN
  sed "s|^departments:|divisions: $1\ndepartments:|" "$tmp/catalog.yaml" > "$tmp/d.yaml"
  set +e; o=$("$crisk" ingest --db "$tmp/d.db" --catalog "$tmp/d.yaml" 2>&1); rc=$?; set -e
  [ $rc = 3 ] && echo "$o" | grep >/dev/null -- "$2" || { echo "divisions $1: exit $rc: $o"; exit 1; }
  [ ! -e "$tmp/d.db" ] || { echo "divisions $1: the store was created"; exit 1; }
}
: > "$tmp/empty.csv"
printf 'code,name,parent_code\n' > "$tmp/header.csv"
printf 'code,name,parent_code\n440305001,街道,440305\n' > "$tmp/ok.csv"
expect "[.]" "d.yaml:2:13: divisions: .*/\. is a folder, not a file of code,name,parent_code"
expect "[ok.csv, gone.csv]" "d.yaml:2:21: divisions: .*gone.csv: No such file or directory"
expect "[empty.csv]" "d.yaml:2:13: divisions: .*empty.csv: no divisions"
expect "[header.csv]" "d.yaml:2:13: divisions: .*header.csv: no divisions"
expect '[""]' "d.yaml:2:13: an item of 'divisions' .* must be a non-empty string"
expect "\"\"" "d.yaml:2:12: an item of 'divisions' .* must be a non-empty string"
sed "s|^departments:|divisions: [ok.csv]\ndepartments:|" "$tmp/catalog.yaml" > "$tmp/d.yaml"
"$crisk" ingest --db "$tmp/ok.db" --catalog "$tmp/d.yaml" > /dev/null || { echo "a good divisions file was refused"; exit 1; }
echo "rt codes forms: industry codes normalised, division files checked"
