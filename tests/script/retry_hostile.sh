#!/usr/bin/env bash
# Quarantine retry on hostile input: a stored row is decoded in its topic's current encoding;
# every skipped row is listed with why; a roles row keeps its (masked) ID through an edit; an
# export id is read whole; an edited text holding two records is refused.
set -euo pipefail
crisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
bad=0
topic() { # code kind encoding file extra
    printf '  - {code: %s, name: x, department: D1, kind: %s, encoding: %s, files: [%s], key: {column: k, type: local, namespace: x}, %s}\n' "$@"
}
head() { printf 'catalog: c\ndepartments: [{code: D1, name: x}]\ntopics:\n'; }
# (a) a UTF-8 file with a GBK row, then declared gb18030; a GB18030 file with a UTF-8 row, then
# declared utf-8 (its header is ASCII, so the file still opens). The UTF-8 row holds one
# ideograph: with two or more it would be read as UTF-8 at once (gb18030_utf8_rows.sh).
printf 'k,d,note\nA1,2024-01-02,ok\nA2,2024-01-03,\xd6\xd0\xce\xc4\n' > gbk_row.csv
printf 'k,d,note\nB1,2024-01-02,\xd6\xd0\nB2,2024-01-03,\xe4\xb8\xad\n' > u8_row.csv
{ head; topic T1 penalty utf-8 gbk_row.csv 'fields: {date: d}, attrs: [note]'
  topic T2 penalty gb18030 u8_row.csv 'fields: {date: d}, attrs: [note]'; } > before.yaml
{ head; topic T1 penalty gb18030 gbk_row.csv 'fields: {date: d}, attrs: [note]'
  topic T2 penalty utf-8 u8_row.csv 'fields: {date: d}, attrs: [note]'; } > after.yaml
"$crisk" ingest --db s.db --catalog before.yaml > /dev/null
[ "$(sqlite3 s.db "SELECT group_concat(reason) FROM (SELECT reason FROM quarantine ORDER BY reason)")" = "bad_encoding,bad_utf8" ] \
  || { echo "retry_hostile: setup did not quarantine both rows"; bad=1; }
out=$("$crisk" quarantine --db s.db --retry --catalog after.yaml)
echo "$out" | grep >/dev/null '^retry: 2 retried = 2 loaded' || { echo "retry_hostile: stored rows not decoded in the current encoding: $out"; bad=1; }
# (b) an unknown id, and a topic no longer in the catalog, are skipped with their reason.
printf 'k,d\nC1,2024-13-01\n' > bad_date.csv
{ head; topic T3 penalty utf-8 bad_date.csv 'fields: {date: d}'; } > t3.yaml
"$crisk" ingest --db s.db --catalog t3.yaml > /dev/null
id3=$(sqlite3 s.db "SELECT q.id FROM quarantine q JOIN topic t ON t.id = q.topic WHERE t.code = 'T3'")
printf 'id,topic,file,line,reason,detail,raw\n424242,T3,bad_date.csv,2,bad_date,,"C1,2024-12-01"\n' > unknown.csv
out=$("$crisk" quarantine --db s.db --retry unknown.csv --catalog t3.yaml)
echo "$out" | grep >/dev/null 'skipped #424242: no open quarantine row has this id' || { echo "retry_hostile: unknown id not named: $out"; bad=1; }
out=$("$crisk" quarantine --db s.db --retry --catalog after.yaml)
echo "$out" | grep >/dev/null "skipped #$id3: topic T3 is no longer in the catalog" || { echo "retry_hostile: gone topic not named: $out"; bad=1; }
# (d) an id longer than a buffer is not cut into another row's id.
printf 'id,topic,file,line,reason,detail,raw\n%s,T3,bad_date.csv,2,bad_date,,"C1,2024-12-01"\n' "0000000000000000000$id3" > long.csv
rc=0; out=$("$crisk" quarantine --db s.db --retry long.csv --catalog t3.yaml 2>&1) || rc=$?
[ "$rc" = 3 ] && echo "$out" | grep >/dev/null 'not a row of an export (bad id)' || { echo "retry_hostile: a 20+ digit id was read ($rc): $out"; bad=1; }
[ "$(sqlite3 s.db "SELECT state FROM quarantine WHERE id = $id3")" = open ] || { echo "retry_hostile: a cut id retried row $id3"; bad=1; }
# (e) an edited text with a second record is refused, the first not loaded alone.
printf 'id,topic,file,line,reason,detail,raw\n%s,T3,bad_date.csv,2,bad_date,,"C1,2024-12-01\nC9,2024-12-02"\n' "$id3" > two.csv
rc=0; out=$("$crisk" quarantine --db s.db --retry two.csv --catalog t3.yaml 2>&1) || rc=$?
[ "$rc" = 3 ] && echo "$out" | grep >/dev/null "skipped #$id3: the text given holds more than one record" \
  || { echo "retry_hostile: two records in one edit not refused ($rc): $out"; bad=1; }
[ "$(sqlite3 s.db "SELECT state FROM quarantine WHERE id = $id3")" = open ] || { echo "retry_hostile: part of a two-record edit loaded"; bad=1; }
# (c) a roles row fixed in its role only, its masked ID left as exported, loads with its ID.
printf 'k,pid,role\nR1,110101199003071233,\nR2,110101199003071233,监事\n' > roles.csv
{ head; topic T4 roles utf-8 roles.csv 'fields: {person_id: pid, role: role}'; } > roles.yaml
"$crisk" ingest --db r.db --catalog roles.yaml > /dev/null
"$crisk" quarantine --db r.db --export roles_x.csv 2> /dev/null
grep -q '110101199003071233' roles_x.csv && { echo "retry_hostile: the export shows an ID"; bad=1; }
sed -i 's/\*",$/&/; s/\(\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\),"$/\1,董事"/' roles_x.csv
grep -q '董事' roles_x.csv || { echo "retry_hostile: test could not edit the export: $(cat roles_x.csv)"; bad=1; }
out=$("$crisk" quarantine --db r.db --retry roles_x.csv --catalog roles.yaml)
echo "$out" | grep >/dev/null '^retry: 1 retried = 1 loaded' || { echo "retry_hostile: edited roles row not loaded: $out"; bad=1; }
[ "$(sqlite3 r.db "SELECT count(DISTINCT person) FROM role")" = 1 ] || { echo "retry_hostile: the retried role is not the same person's"; bad=1; }
[ "$bad" = 0 ] || exit 1
echo "retry_hostile: current encoding, skip reasons, roles kept, strict ids, one record per edit"
