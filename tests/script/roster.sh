#!/usr/bin/env bash
# crisk roster: a good roster loads (counts per role checked against the file by awk), a bad
# file is refused with every bad row's line and leaves the roster as it was.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 50 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
cat > "$tmp/roster.csv" <<'R'
id,name,role,division,qualifications
C440100-01,陈市,city,440100,
D440106-01,林区,district,440106,
S440106001-01,黄所,station,440106001,
I440106001-01,"李,执法",inspector,440106001,general;food
G440106001001,张网,grid,440106001001,
G440106001002,王网,grid,440106001002,
R
"$crisk" roster --db "$db" --file "$tmp/roster.csv" --json > "$tmp/out.json"
python3 - "$tmp/out.json" "$tmp/roster.csv" <<'P'
import csv, json, sys, collections
got = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2], encoding='utf-8')))
want = collections.Counter(r['role'] for r in rows)
assert got['staff'] == len(rows), got
for role in ('city', 'district', 'station', 'inspector', 'grid'):
    assert got['by_role'][role] == want[role], (role, got)
P
[ "$(sqlite3 "$db" "SELECT name||'|'||qualifications FROM staff WHERE id='I440106001-01'")" = "李,执法|general;food" ] \
  || { echo "roster: quoted name or qualifications lost"; exit 1; }
bad() { # name expected-line-in-message file-content
    printf '%s' "$3" > "$tmp/bad.csv"
    set +e
    "$crisk" roster --db "$db" --file "$tmp/bad.csv" 2> "$tmp/err"
    rc=$?
    set -e
    [ $rc -eq 3 ] || { echo "roster: $1: exit $rc, want 3"; cat "$tmp/err"; exit 1; }
    grep -q "$2" "$tmp/err" || { echo "roster: $1: message lacks '$2'"; cat "$tmp/err"; exit 1; }
}
h='id,name,role,division,qualifications'
bad empty 'empty file' ''
bad header 'header must be' $'id,name,role\nX,Y,grid\n'
# a header and nothing else (or only blank lines) would replace the roster by no one
bad header_only 'bad.csv:1:.*no staff rows' "$h"$'\n'
bad header_blank 'bad.csv:3:.*no staff rows' "$h"$'\n\n\n'
bad role 'bad.csv:2:.*role' "$h"$'\nX1,甲,boss,440106,\n'
bad division 'bad.csv:3:.*12-digit' "$h"$'\nX1,甲,grid,440106001001,\nX2,乙,grid,440106001,\n'
bad fields 'bad.csv:2:.*5 fields' "$h"$'\nX1,甲,grid\n'
bad dup 'listed twice' "$h"$'\nX1,甲,grid,440106001001,\nX1,乙,grid,440106001002,\n'
bad quals 'bad.csv:2:.*qualifications' "$h"$'\nX1,甲,grid,440106001001,food\n'
bad noname 'bad.csv:2:.*name is empty' "$h"$'\nX1,,grid,440106001001,\n'
bad gb18030 'bad.csv:2:.*UTF-8' "$h"$'\nX1,\xd5\xc5\xc8\xfd,grid,440106001001,\n'
# every bad row is named, not only the first
bad all 'bad.csv:4:' "$h"$'\nX1,甲,boss,440106,\nX2,乙,grid,440106001001,\nX3,丙,grid,4401,\n'
grep -q 'bad.csv:2:' "$tmp/err" || { echo "roster: first of two bad rows not named"; exit 1; }
# a NUL byte is named as such, not as a GB18030 file
printf '%s\nX1,甲,grid,440106001001,\nX2,乙\0丙,grid,440106001001,\n' "$h" > "$tmp/bad.csv"
set +e; "$crisk" roster --db "$db" --file "$tmp/bad.csv" 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 3 ] && grep -q 'bad.csv:3:.*NUL byte' "$tmp/err" || { echo "roster: NUL not named (exit $rc)"; cat "$tmp/err"; exit 1; }
grep -q 'GB18030' "$tmp/err" && { echo "roster: a NUL byte called GB18030"; cat "$tmp/err"; exit 1; }
# one id five times: one message naming every line (2, 4, 5, 6, 8), not four unnamed ones
bad dup5 'bad.csv:4:.*X1.* 5 times, on lines 2, 4, 5, 6 and 8' "$h"$'\nX1,甲,grid,440106001001,\nX9,乙,grid,440106001001,\nX1,丙,grid,440106001001,\nX1,丁,grid,440106001001,\nX1,戊,grid,440106001001,\nX8,己,grid,440106001001,\nX1,庚,grid,440106001001,\n'
[ "$(grep -c 'listed' "$tmp/err")" = 1 ] || { echo "roster: duplicates reported more than once"; cat "$tmp/err"; exit 1; }
# ids differing only in case are one id (G001 and g001 would be two staff people tell apart by
# case only): the second is refused, both lines and spellings named; near miss G001/G0011 loads
bad dupcase "bad.csv:4:.*G001.* twice (ids differing only in case are one id), on lines 2 ('G001') and 4 ('g001')" "$h"$'\nG001,甲,grid,440106001001,\nG0011,乙,grid,440106001001,\ng001,丙,grid,440106001001,\n'
printf '%s\nG001,甲,grid,440106001001,\nG0011,乙,grid,440106001001,\nG01,丙,grid,440106001001,\n' "$h" > "$tmp/near.csv"
cp "$db" "$tmp/near.db"
"$crisk" roster --db "$tmp/near.db" --file "$tmp/near.csv" > /dev/null || { echo "roster: G001, G0011 and G01 refused"; exit 1; }
# field sizes: bounded by models/respond.yaml (roster_max_bytes: id 64, name 200,
# qualifications 1000), a longer field named with its line and the limit; the limit is fine
long=$(python3 -c 'print("张" * 666667)')   # 2,000,001 bytes
bad hugename 'bad.csv:3:.*name is 2000001 bytes, over the limit of 200 (roster_max_bytes.name' "$h"$'\nX1,甲,grid,440106001001,\n'"X2,$long,grid,440106001001,"$'\n'
bad longid 'bad.csv:2:.*id is 65 bytes, over the limit of 64' "$h"$'\n'"$(printf 'I%.0s' $(seq 65)),甲,grid,440106001001,"$'\n'
bad longquals 'bad.csv:2:.*qualifications is 1001 bytes, over the limit of 1000' "$h"$'\n'"I1,甲,inspector,440106001,$(printf 'q%.0s' $(seq 1001))"$'\n'
edge=$(python3 -c 'print("张" * 66 + "ab")')   # 200 bytes: on the limit
printf '%s\n%s,%s,inspector,440106001,%s\n' "$h" "$(printf 'I%.0s' $(seq 64))" "$edge" "$(printf 'q%.0s' $(seq 1000))" > "$tmp/edge.csv"
cp "$db" "$tmp/edge.db"
"$crisk" roster --db "$tmp/edge.db" --file "$tmp/edge.csv" > /dev/null || { echo "roster: fields on the limit refused"; exit 1; }
[ "$(sqlite3 "$tmp/edge.db" "SELECT length(CAST(name AS BLOB)) || ' ' || length(id) || ' ' || length(qualifications) FROM staff")" = "200 64 1000" ] \
  || { echo "roster: fields on the limit not stored whole"; exit 1; }
# the limits come from the policy file: a smaller one refuses the same roster
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
sed 's/^  name: .*/  name: 199/' "$src/models/respond.yaml" > "$tmp/small.yaml"
set +e; "$crisk" roster --db "$tmp/edge.db" --file "$tmp/edge.csv" --config "$tmp/small.yaml" 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 3 ] && grep -q 'edge.csv:2:.*over the limit of 199' "$tmp/err" || { echo "roster: --config name 199 (exit $rc)"; cat "$tmp/err"; exit 1; }
# nothing loaded: the good roster is still there
[ "$(sqlite3 "$db" 'SELECT count(*) FROM staff')" = 6 ] || { echo "roster: a bad file changed the roster"; exit 1; }
set +e
"$crisk" roster --db "$tmp/none.db" --file "$tmp/roster.csv" 2> /dev/null; rc=$?
set -e
[ $rc -ne 0 ] && [ ! -e "$tmp/none.db" ] || { echo "roster: a missing store was created"; exit 1; }
echo ok
