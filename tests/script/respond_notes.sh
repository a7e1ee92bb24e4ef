#!/usr/bin/env bash
# Task notes and a task's history (docs/respond.md "Lifecycle"): a note that is not UTF-8 or is
# longer than note_max_bytes is refused (exit 3 naming the limit) and nothing changes; a note on
# the limit, of three-byte characters, is stored whole (never cut, never broken UTF-8); crisk
# task ID without a step shows the task and every step with who and when, --json checked
# against the task_history table by python and sqlite3.
set -euo pipefail
crisk=$(realpath "$1")
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "respond_notes: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 40 --seed 9 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
s=$(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 1")
q "UPDATE enterprise SET district='440106', street='440106001', grid='440106001001' WHERE subject=$s;
   INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES (1, 'zombie', 'k1', 'open', 1, 1, 1, 20000, '连续两年未年报', '{}');
   INSERT INTO warning_firm VALUES (1, $s);"
printf 'id,name,role,division,qualifications\nG1,张网,grid,440106001001,\nS1,黄所,station,440106001,\n' > "$tmp/roster.csv"
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
t=$(q "SELECT id FROM task WHERE kind='grid'")
limit=$(sed -n 's/^note_max_bytes: *\([0-9]*\).*/\1/p' "$src/models/respond.yaml")
[ -n "$limit" ] || fail "no note_max_bytes in models/respond.yaml"
refuse() { # what pattern args...
    local what=$1 pat=$2; shift 2
    set +e; "$crisk" task --db "$db" "$@" > /dev/null 2> "$tmp/err"; local rc=$?; set -e
    [ $rc -eq 3 ] || fail "$what: exit $rc, want 3 ($(cat "$tmp/err"))"
    grep -q -- "$pat" "$tmp/err" || fail "$what: message lacks '$pat': $(cat "$tmp/err")"
}
nhist() { q "SELECT count(*) FROM task_history WHERE task=$t"; }
h0=$(nhist)
refuse "a note of invalid UTF-8" "note: it is not UTF-8" "$t" --accept --by G1 --today 2026-01-06 --note $'\xff\xfe x'
refuse "a note of GB18030" "note: it is not UTF-8" "$t" --accept --by G1 --today 2026-01-06 --note $'\xd5\xc5\xc8\xfd'
# terminal control sequences (the API's rule: only tab and line breaks), C1 controls too
refuse "a note with an escape sequence" "U+001B, a control character, at character 3 (byte 3)" "$t" --accept --by G1 --today 2026-01-06 --note $'ab\x1b[31mcd'
refuse "a note with a C1 control" "U+0085, a control character, at character 2 (byte 2)" "$t" --accept --by G1 --today 2026-01-06 --note $'a\xc2\x85b'
# what reorders or hides text: a bidirectional override, a zero-width space, a line separator
refuse "a note with a bidi override" "U+202E" "$t" --accept --by G1 --today 2026-01-06 --note $'abc\u202edef'
refuse "a note with a zero-width space" "U+200B" "$t" --accept --by G1 --today 2026-01-06 --note $'ab\u200bcd'
refuse "a note with a line separator" "U+2028" "$t" --accept --by G1 --today 2026-01-06 --note $'ab\u2028cd'
# a note one byte over the limit, of three-byte characters ending mid-way in the old cut
over=$(python3 -c 'import sys; n=int(sys.argv[1]); print("核" * (n // 3) + "x" * (n % 3 + 1))' "$limit")
refuse "a note over the limit" "note is $((limit + 1)) bytes, over the limit of $limit (note_max_bytes" \
  "$t" --accept --by G1 --today 2026-01-06 --note "$over"
[ "$(nhist)" = "$h0" ] && [ "$(q "SELECT status FROM task WHERE id=$t")" = open ] || fail "a refused note changed the task"
# on the limit: stored whole, valid UTF-8, byte for byte
edge=$(python3 -c 'import sys; n=int(sys.argv[1]); print("核" * (n // 3) + "x" * (n % 3))' "$limit")
"$crisk" task --db "$db" "$t" --accept --by G1 --today 2026-01-06 --note "$edge" > /dev/null || fail "a note on the limit refused"
[ "$(q "SELECT length(CAST(note AS BLOB)) FROM task_history WHERE task=$t AND action='accept'")" = "$limit" ] \
  || fail "the note on the limit was not stored whole"
# closing: the outcome and its label before a note of 1000 bytes (cut at 599 bytes before)
mid=$(python3 -c 'print("现场核查" * 83 + "完")')   # 999 bytes + 3
# the near miss: a full-width space and an emoji with its variation selector are text
"$crisk" task --db "$db" "$t" --visit --by G1 --today 2026-01-07 --note $'到场\u3000\u2714\ufe0f' > /dev/null \
  || fail "a note with a full-width space and an emoji was refused"
"$crisk" task --db "$db" "$t" --close confirmed --by G1 --today 2026-01-08 --note "$mid" > /dev/null || fail "close with a long note"
q "SELECT note FROM task_history WHERE task=$t AND action='close'" > "$tmp/close.txt"
python3 - "$tmp/close.txt" "$mid" <<'P' || fail "the close note: $(cat "$tmp/close.txt")"
import sys
got = open(sys.argv[1], 'rb').read().decode('utf-8').rstrip('\n')
assert got == 'confirmed 属实: ' + sys.argv[2], (len(got), got[-20:])
P
# a smaller limit from a policy file of its own (--config)
sed 's/^note_max_bytes: .*/note_max_bytes: 6/' "$src/models/respond.yaml" > "$tmp/small.yaml"
t2=$(q "SELECT id FROM task WHERE id != $t ORDER BY id LIMIT 1")
[ -z "$t2" ] && { q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES (2, 'zombie', 'k2', 'open', 1, 1, 1, 20000, 'w2', '{}');
   INSERT INTO warning_firm VALUES (2, $s);"; "$crisk" dispatch --db "$db" --today 2026-01-08 > /dev/null; t2=$(q "SELECT id FROM task WHERE warning=2"); }
refuse "a 7-byte note over a limit of 6" "over the limit of 6 (note_max_bytes in the respond policy, $tmp/small.yaml)" "$t2" --accept --by G1 --today 2026-01-08 --note '核查x' --config "$tmp/small.yaml"
"$crisk" task --db "$db" "$t2" --accept --by G1 --today 2026-01-08 --note '核查' --config "$tmp/small.yaml" > /dev/null \
  || fail "a 6-byte note under a limit of 6 refused"

# the history, as crisk task ID shows it: text and --json, every step with who and when
"$crisk" task --db "$db" "$t" > "$tmp/show.txt" || fail "crisk task ID (show) failed"
grep -q "^task $t " "$tmp/show.txt" && grep -q "2026-01-08  G1  close  visited -> closed  confirmed 属实" "$tmp/show.txt" \
  && grep -q "2026-01-05  crisk  dispatch  - -> open" "$tmp/show.txt" || fail "the text history: $(cat "$tmp/show.txt")"
"$crisk" task --db "$db" "$t" --json > "$tmp/show.json" || fail "crisk task ID --json failed"
sqlite3 -json "$db" "SELECT date(at*86400,'unixepoch') AS a, by, action, coalesce(from_status,'') AS f, to_status,
  coalesce(note,'') AS n, created FROM task_history WHERE task=$t ORDER BY rowid" > "$tmp/want.json"
python3 - "$tmp/show.json" "$tmp/want.json" "$t" <<'P' || fail "task --json: $(cat "$tmp/show.json")"
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
t = got['task']
assert t['id'] == int(sys.argv[3]) and t['status'] == 'closed' and t['outcome'] == 'confirmed', t
assert t['outcome_label'] == '属实' and t['kind'] == 'grid' and t['division'] == '440106001001', t
h = got['history']
assert [x['action'] for x in h] == ['dispatch', 'accept', 'visit', 'close'], h
assert len(h) == len(want)
for g, w in zip(h, want):
    vals = list(w.values())
    assert [g['at'], g['by'], g['action'], g['from'] or '', g['to'], g['note'] or '', g['created']] == vals, (g, w)
P
# refusals of the show form: unknown task (exit 3), a step option without a step (exit 2)
set +e; "$crisk" task --db "$db" 999 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 3 ] && grep -q "no task 999" "$tmp/err" || fail "show of an unknown task: exit $rc"
set +e; "$crisk" task --db "$db" "$t" --by G1 > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 2 ] || fail "--by without a step: exit $rc"
set +e; "$crisk" task --db "$db" "$t" --accept --by G1 --json > /dev/null 2> "$tmp/err"; rc=$?; set -e
[ $rc -eq 2 ] || fail "--json with a step: exit $rc"
# a history line stored before notes were checked (invalid UTF-8) is shown, not dropped
q "INSERT INTO task_history(task, at, by, action, from_status, to_status, note) VALUES ($t, 20461, 'G1', 'visit', 'closed', 'closed', CAST(X'6F6C64FF' AS TEXT))"
"$crisk" task --db "$db" "$t" --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["history"]; assert len(h)==5 and h[-1]["note"]=="old\ufffd", h[-1]' \
  || fail "an old invalid note dropped the line"
echo ok
