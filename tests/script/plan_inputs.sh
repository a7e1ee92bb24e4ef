#!/usr/bin/env bash
# What names a plan's input is checked like every verb's (docs/inspect.md): a tolerance_list
# USCC listed twice is refused with both lines; a plan without `year:` says the key is missing,
# with the file and line; a folder or a FIFO given as a plan, list or --import file is exit 3
# (a FIFO is refused before it is opened: the open never waits for a writer); a plan's day
# outside its year and the year before is refused with the reason, one before its
# classification run's as-of day is warned about. Results: an item named twice in --items and a
# --by that is no visible name are refused. Near misses are accepted.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "plan_inputs: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
cp "$tmp/city/plans/check_items.csv" "$tmp/"
run() { # expect-exit regex command...
  local want=$1 re=$2 rc=0; shift 2
  timeout 20 "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
  [ $rc = "$want" ] || fail "$*: exit $rc, want $want: $(cat "$tmp/err")"
  [ -z "$re" ] || grep -E -- "$re" "$tmp/err" > /dev/null || fail "$*: '$(cat "$tmp/err")' lacks /$re/"
}
plan() { run "$1" "$2" "$crisk" plan --db "$db" --file "$3" --today "${4:-2026-01-05}"; }

# tolerance_list: a USCC twice, both lines named (the first pair in the file)
u1=$(q "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY uscc LIMIT 1")
u2=$(q "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY uscc LIMIT 1 OFFSET 1")
printf 'name: t\nyear: 2026\nexemptions:\n  tolerance_list: tol.csv\n' > "$tmp/t.yaml"
printf 'uscc,certified\n%s,2025-01-01\n%s,2025-02-01\n%s,2025-03-01\n%s,2025-04-01\n' "$u2" "$u1" "$u2" "$u1" > "$tmp/tol.csv"
plan 3 "tol\\.csv:4:.*'$u2' is listed twice, at lines 2 and 4" "$tmp/t.yaml"
printf 'uscc,certified\n%s,2025-01-01\n%s,2025-02-01\n' "$u2" "$u1" > "$tmp/tol.csv"
plan 0 "" "$tmp/t.yaml"

# year missing: said as a missing key at the file's line, not "(not a scalar)"
printf 'name: x\nbatch: b\n' > "$tmp/ny.yaml"
plan 3 "ny\\.yaml:1:.*missing required key 'year'" "$tmp/ny.yaml"
! grep -q "not a scalar" "$tmp/err" || fail "year missing still says not a scalar"
printf 'name: x\nyear: [2026]\n' > "$tmp/ny.yaml"
plan 3 "ny\\.yaml:2:" "$tmp/ny.yaml"

# conflicts: staff not in the store's roster, firms it does not know: recorded, warned, named;
# an id that is no visible text refused at its line
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
sid=$(sed -n 2p "$tmp/city/roster.csv" | cut -d, -f1)
printf 'name: c\nyear: 2026\nroutine: false\nconflicts: con.csv\n' > "$tmp/c.yaml"
printf 'staff,with\n%s,%s\n' "$sid" "$u1" > "$tmp/con.csv"
plan 0 "" "$tmp/c.yaml"
[ ! -s "$tmp/err" ] || fail "known conflicts were warned about: $(cat "$tmp/err")"
printf 'staff,with\n%s,%s\nNOBODY-1,%s\n%s,91440000NOSUCHFIRM\n' "$sid" "$u1" "$u1" "$sid" > "$tmp/con.csv"
plan 0 "warning: conflicts: 1 row names staff the store's roster does not hold \\('NOBODY-1'\\)" "$tmp/c.yaml"
grep "warning: conflicts: 1 row names a firm the store does not know ('91440000NOSUCHFIRM')" "$tmp/err" > /dev/null \
  || fail "an unknown firm not warned about: $(cat "$tmp/err")"
printf 'staff,with\n%s,%s\n"A\033B",%s\n' "$sid" "$u1" "$u1" > "$tmp/con.csv"
plan 3 "con\\.csv:3:.*staff: .*U\\+001B" "$tmp/c.yaml"
n_before=$(q "SELECT count(*) FROM plan")

# folders and FIFOs given as files: exit 3, and a FIFO never hangs
mkfifo "$tmp/fifo.csv" "$tmp/fifo.yaml"
printf 'name: x\nyear: 2026\ncheck_items: .\nitems: [GS-01]\n' > "$tmp/dir.yaml"
plan 3 "is a folder" "$tmp/dir.yaml"
printf 'name: x\nyear: 2026\ncheck_items: fifo.csv\nitems: [GS-01]\n' > "$tmp/fifo1.yaml"
plan 3 "fifo\\.csv: is not a regular file" "$tmp/fifo1.yaml"
plan 3 "fifo\\.yaml: is not a regular file" "$tmp/fifo.yaml"
plan 3 "is a folder" "$tmp"
run 3 "is a folder" "$crisk" inspect --db "$db" --import "$tmp/"
run 3 "fifo\\.csv: is not a regular file" "$crisk" inspect --db "$db" --import "$tmp/fifo.csv"
[ "$(q "SELECT count(*) FROM plan")" = "$n_before" ] || fail "a refused plan was recorded"

# the plan's day: in its year or the year before; before the run's as-of day it is said
printf 'name: d\nyear: 2026\nroutine: false\nratios: {A: 50%%, B: 50%%, C: 50%%, D: 50%%}\n' > "$tmp/d.yaml"
plan 3 "1999-12-31 is more than a year before its year 2026.*2025-01-01 to 2026-12-31" "$tmp/d.yaml" 1999-12-31
plan 3 "2024-12-31 is more than a year before its year 2026" "$tmp/d.yaml" 2024-12-31
plan 3 "2027-01-01 is after its year 2026" "$tmp/d.yaml" 2027-01-01
[ "$(q "SELECT count(*) FROM plan")" = "$n_before" ] || fail "a plan of a refused day was recorded"
plan 0 "warning: the plan's day 2025-01-01 is before 2025-12-31, the as-of day of classification run 1" "$tmp/d.yaml" 2025-01-01
plan 0 "" "$tmp/d.yaml" 2025-12-31
[ ! -s "$tmp/err" ] || fail "a plan on the run's as-of day was warned about: $(cat "$tmp/err")"
plan 0 "" "$tmp/d.yaml" 2026-12-31
plan=$(q "SELECT max(id) FROM plan")

# results: an item twice; a --by that is not a visible one-line name, in --inspect and --import
printf 'name: r\nyear: 2026\nroutine: false\ncheck_items: check_items.csv\nitems: [GS-01, GS-02]\nratios: {A: 50%%, B: 50%%, C: 50%%, D: 50%%}\n' > "$tmp/r.yaml"
plan 0 "" "$tmp/r.yaml" 2026-01-05
plan=$(q "SELECT max(id) FROM plan")
run 0 "" "$crisk" draw --db "$db" --plan "$plan" --seed s --today 2026-01-06 --roster "$tmp/city/roster.csv"
i=$(q "SELECT i.id FROM inspection i JOIN draw d ON d.id=i.draw WHERE d.plan=$plan AND i.unstaffed IS NULL ORDER BY i.id LIMIT 1")
[ -n "$i" ] || fail "no staffed inspection"
res() { run "$1" "$2" "$crisk" inspect --db "$db" --inspection "$i" --result B --date 2026-01-07 --today 2026-01-08 "${@:3}"; }
res 3 "items: 'GS-01' is listed twice" --items 'GS-01;GS-01' --by u
res 3 "items: 'GS-02' is listed twice" --items 'GS-02;GS-01;GS-02' --by u
res 3 "by: .*U\\+202E" --items GS-01 --by $'ab\u202ecd'
res 3 "by: .*U\\+001B, a control character" --items GS-01 --by $'a\033[31mb'
res 3 "by: .*too long" --items GS-01 --by "$(printf 'x%.0s' $(seq 201))"
printf 'inspection,result,items,by,date\n%s,B,GS-01,"a\x1bb",2026-01-07\n' "$i" > "$tmp/imp.csv"
run 3 "imp\\.csv:2:.*by: .*U\\+001B" "$crisk" inspect --db "$db" --import "$tmp/imp.csv" --today 2026-01-08
printf 'inspection,result,items,by,date\n%s,B,GS-01,%s,2026-01-07\n' "$i" "$(printf 'y%.0s' $(seq 201))" > "$tmp/imp.csv"
run 3 "imp\\.csv:2:.*too long" "$crisk" inspect --db "$db" --import "$tmp/imp.csv" --today 2026-01-08
[ "$(q "SELECT count(*) FROM inspection WHERE result IS NOT NULL")" = 0 ] || fail "a refused result was recorded"
res 0 "" --items 'GS-01;GS-02' --by '王 五'
echo "plan_inputs: duplicate USCCs with both lines, missing year, folders and FIFOs, plan days, results' items and by"
