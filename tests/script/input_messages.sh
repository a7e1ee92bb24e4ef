#!/usr/bin/env bash
# Messages about bad input say what is wrong: a delimiter that is not a single ASCII byte (other
# than quote, NUL, CR, LF) is refused with its value escaped; a division file reads quoted CSV
# fields ("南头,街道"); --as-of names a date that does not exist; show and events --key say why a
# key is not a USCC; a catalog with no topics is a catalog error.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "$*"; exit 1; }
cat > "$tmp/base.yaml" <<'YAML'
catalog: msgs
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: m}
    fields: {name: name, street: street}
YAML
printf 'id,name,street\nA,甲,440305001\n' > "$tmp/reg.csv"
# The base catalog with a delimiter written as given (no escape is interpreted on the way).
with_delim() { D=$1 awk '{ print } /^    kind: registry/ { print "    delimiter: " ENVIRON["D"] }' "$tmp/base.yaml" > "$tmp/d.yaml"; }
# Delimiters: each refused (exit 3) with the value shown escaped and the rule stated.
for d in '"，"' '"\u0000"' '"\n"' '"\r"' '"ab"'; do
  with_delim "$d"
  set +e; msg=$("$crisk" ingest --db "$tmp/d.db" --catalog "$tmp/d.yaml" 2>&1); rc=$?; set -e
  [ $rc = 3 ] || fail "delimiter $d: exit $rc, want 3: $msg"
  echo "$msg" | grep >/dev/null "must be a single ASCII byte other than a quote, NUL, CR or LF" \
    || fail "delimiter $d: $msg"
  [ ! -e "$tmp/d.db" ] || fail "delimiter $d: a store was created"
done
with_delim '"\r"'
set +e; msg=$("$crisk" ingest --db "$tmp/d.db" --catalog "$tmp/d.yaml" 2>&1); set -e
echo "$msg" | grep -F >/dev/null "'\\x0D'" || fail "CR not shown escaped: $msg"
with_delim '"\u0000"'
set +e; msg=$("$crisk" ingest --db "$tmp/d.db" --catalog "$tmp/d.yaml" 2>&1); set -e
echo "$msg" | grep -F >/dev/null "'\\x00'" || fail "NUL not shown escaped: $msg"
with_delim '";"'
printf 'id;name;street\nA;甲;440305001\n' > "$tmp/reg.csv"
"$crisk" ingest --db "$tmp/semi.db" --catalog "$tmp/d.yaml" > /dev/null || fail "';' refused"
printf 'id,name,street\nA,甲,440305001\n' > "$tmp/reg.csv"
# A division file with quoted names, one holding a comma and one a doubled quote.
printf 'code,name,parent_code\n440305001,"南头,街道",440305\n"440305002","南山""街道""",440305\n' \
  > "$tmp/div.csv"
sed 's/^departments:/divisions: [div.csv]\ndepartments:/' "$tmp/base.yaml" > "$tmp/div.yaml"
set +e; msg=$("$crisk" ingest --db "$tmp/div.db" --catalog "$tmp/div.yaml" --json 2>&1); rc=$?; set -e
[ $rc = 0 ] || fail "quoted division names: exit $rc: $msg"
echo "$msg" | grep >/dev/null '"loaded":1,' || fail "quoted division names: $msg"
printf 'code,name,parent_code\n440305001,"南头,街道,440305\n' > "$tmp/div.csv"
set +e; msg=$("$crisk" ingest --db "$tmp/div2.db" --catalog "$tmp/div.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "div.csv:2" || fail "an unclosed quote not refused (exit $rc): $msg"
# No topics: a catalog error, nothing created.
printf 'catalog: empty\ndepartments:\n  - {code: D1, name: 部门}\ntopics: []\n' > "$tmp/empty.yaml"
set +e; msg=$("$crisk" ingest --db "$tmp/e.db" --catalog "$tmp/empty.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "empty.yaml:4:.*at least one topic" \
  || fail "topics: [] not refused (exit $rc): $msg"
[ ! -e "$tmp/e.db" ] || fail "topics: []: a store was created"
# --as-of: a date of the right form that does not exist.
set +e; msg=$("$crisk" classify --db "$tmp/semi.db" --as-of 2025-02-30 2>&1); rc=$?; set -e
[ $rc = 2 ] && echo "$msg" | grep >/dev/null "2025-02-30: no such date" || fail "as-of 2025-02-30 (exit $rc): $msg"
# An 18-character key that is no USCC: say why.
set +e; msg=$("$crisk" show --db "$tmp/semi.db" 91440111MA0010BS5A 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$msg" | grep >/dev/null "'S' (character 16) is not in the USCC alphabet" \
  || fail "show (exit $rc): $msg"
set +e; msg=$("$crisk" events --db "$tmp/semi.db" --key 91440111MA0010BS5A --csv 2>&1); rc=$?; set -e
[ $rc != 0 ] && echo "$msg" | grep >/dev/null "'S' (character 16) is not in the USCC alphabet" \
  || fail "events --key (exit $rc): $msg"
echo "input_messages: delimiters, quoted division names, empty topics, as-of and USCC messages"
