#!/usr/bin/env bash
# Text that names a plan or a result is visible and whole, and what goes out as CSV cannot act
# as a formula (docs/inspect.md): a plan name holding a NUL (a quoted YAML "a\0b" would be cut
# to "a"), ESC or U+202E is refused at its line; a result code or items holding ESC are refused
# without echoing them; a --by beginning with = + - @ is recorded as typed and listed by
# `crisk inspections --csv` as text ('=…, quoted), read back by Python's csv module. Near
# misses: a name with an inner space, a by holding '=' inside, are as they are.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "inspect_text_cells: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 8 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
run() { # expect-exit regex command...
  local want=$1 re=$2 rc=0; shift 2
  "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
  [ $rc = "$want" ] || fail "$*: exit $rc, want $want: $(cat -v "$tmp/err")"
  [ -z "$re" ] || grep -E -- "$re" "$tmp/err" > /dev/null || fail "$*: '$(cat -v "$tmp/err")' lacks /$re/"
}
ratios='ratios: {A: 50%, B: 50%, C: 50%, D: 50%}'
named() { printf 'name: %s\nyear: 2026\nroutine: false\n%s\n' "$1" "$ratios" > "$tmp/n.yaml"; }
named '"a\0b"';       run 3 "n\\.yaml:1:.*name: .*U\\+0000, a control character, at character 2" "$crisk" plan --db "$db" --file "$tmp/n.yaml" --today 2026-01-05
named '"x\eb"';       run 3 "n\\.yaml:1:.*U\\+001B" "$crisk" plan --db "$db" --file "$tmp/n.yaml" --today 2026-01-05
named $'计划\u202e1'; run 3 "n\\.yaml:1:.*U\\+202E" "$crisk" plan --db "$db" --file "$tmp/n.yaml" --today 2026-01-05
! grep -q $'\033\|\u202e' "$tmp/err" || fail "the refusal echoes the character"
printf 'name: ok\nbatch: "b\\tc"\nyear: 2026\n' > "$tmp/b.yaml"
run 3 "b\\.yaml:2:.*batch: .*U\\+0009" "$crisk" plan --db "$db" --file "$tmp/b.yaml" --today 2026-01-05
[ "$(q "SELECT count(*) FROM plan")" = 0 ] || fail "a refused plan was recorded"
named '2026 年 抽查'; run 0 "" "$crisk" plan --db "$db" --file "$tmp/n.yaml" --today 2026-01-05
[ "$(q "SELECT name FROM plan")" = "2026 年 抽查" ] || fail "the name was not kept whole"
run 0 "" "$crisk" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/city/roster.csv"
ids=$(q "SELECT id FROM inspection WHERE unstaffed IS NULL ORDER BY id LIMIT 6")
set -- $ids
[ $# = 6 ] || fail "fewer than 6 staffed inspections"
res() { run "$1" "$2" "$crisk" inspect --db "$db" --inspection "$3" --date 2026-01-07 --today 2026-01-08 "${@:4}"; }
res 3 "the result code: .*U\\+001B" "$1" --result $'1\033[2J' --by u
! grep -q $'\033' "$tmp/err" || fail "the result code's ESC was echoed"
res 3 "items: .*U\\+001B" "$1" --result B --items $'X\033]0;t\a' --by u
! grep -q $'\033' "$tmp/err" || fail "the items' ESC was echoed"
hl='=HYPERLINK("http://example.invalid/x","点我")'
res 0 "" "$1" --result 1 --by "$hl"
res 0 "" "$2" --result 1 --by '+1 user'
res 0 "" "$3" --result 1 --by '-u'
res 0 "" "$4" --result 1 --by '@cmd'
res 0 "" "$5" --result 1 --by 'a=b'
[ "$(q "SELECT by FROM inspection WHERE id=$1")" = "$hl" ] || fail "by was not recorded as typed"
"$crisk" inspections --db "$db" --csv > "$tmp/list.csv"
python3 - "$tmp/list.csv" "$hl" "$1" "$2" "$3" "$4" "$5" <<'PY' || fail "the CSV cells: $(grep -F HYPERLINK "$tmp/list.csv")"
import csv, sys
rows = {r["id"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
hl, a, b, c, d, e = sys.argv[2:8]
want = {a: "'" + hl, b: "'+1 user", c: "'-u", d: "'@cmd", e: "a=b"}
for i, by in want.items():
    assert rows[i]["by"] == by, (i, rows[i]["by"], by)
# no cell of the file begins with a formula character
for r in rows.values():
    for k, v in r.items():
        assert not v or v[0] not in "=+@" and not (v[0] == "-" and k in ("by", "items", "uscc", "inspectors")), (k, v)
PY
echo "inspect_text_cells: names whole and visible, nothing echoed raw, formula cells guarded"
