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
# nothing loaded: the good roster is still there
[ "$(sqlite3 "$db" 'SELECT count(*) FROM staff')" = 6 ] || { echo "roster: a bad file changed the roster"; exit 1; }
set +e
"$crisk" roster --db "$tmp/none.db" --file "$tmp/roster.csv" 2> /dev/null; rc=$?
set -e
[ $rc -ne 0 ] && [ ! -e "$tmp/none.db" ] || { echo "roster: a missing store was created"; exit 1; }
echo ok
