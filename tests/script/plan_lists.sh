#!/usr/bin/env bash
# A plan's lists and text checked where a mistake hides (docs/inspect.md "The plan file"): a
# tolerance_list USCC with a wrong check character or not a USCC at all, and a certification
# dated after the plan's day, are refused at their line (exit 3, nothing recorded); a YAML file
# of two documents is refused naming the line where the second begins; complaint_kinds naming
# an event kind the store has never seen is recorded with a warning naming it (the kinds the
# store has are not named). Near misses: a valid list, a certification on the plan's day, one
# document with its '---' marker, and the known kinds, are all accepted without a word.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "plan_lists: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
q() { sqlite3 "$db" "$1"; }
uscc=$(q "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY uscc LIMIT 1")
# the same code with another check character (python3 computes a wrong one)
bad=$(python3 -c "
import sys
u = sys.argv[1]
alpha = '0123456789ABCDEFGHJKLMNPQRTUWXY'
print(u[:17] + next(c for c in alpha if c != u[17]))" "$uscc")
plan() { # expect-exit file [today]
  local rc=0
  "$crisk" plan --db "$db" --file "$2" --today "${3:-2026-01-05}" > /dev/null 2> "$tmp/err" || rc=$?
  [ $rc = "$1" ] || fail "plan $2: exit $rc, want $1: $(cat "$tmp/err")"
}
n_plans() { q "SELECT count(*) FROM plan"; }
printf 'name: t\nyear: 2026\nexemptions:\n  tolerance_list: tol.csv\n' > "$tmp/t.yaml"
# a wrong check character, at its line
printf 'uscc,certified\n%s,2025-01-01\n%s,2025-01-01\n' "$uscc" "$bad" > "$tmp/tol.csv"
plan 3 "$tmp/t.yaml"
grep -q "tol.csv:3:.*$bad.*check character" "$tmp/err" || fail "a bad check character not named at tol.csv:3: $(cat "$tmp/err")"
# not a USCC at all
printf 'uscc,certified\nNOT-A-USCC,2025-01-01\n' > "$tmp/tol.csv"
plan 3 "$tmp/t.yaml"
grep -q "tol.csv:2:.*NOT-A-USCC" "$tmp/err" || fail "a non-USCC not named at tol.csv:2: $(cat "$tmp/err")"
# certified after the plan's day
printf 'uscc,certified\n%s,2026-01-06\n' "$uscc" > "$tmp/tol.csv"
plan 3 "$tmp/t.yaml"
grep -q "tol.csv:2:.*2026-01-06.*after the plan's day 2026-01-05" "$tmp/err" || fail "a future certification not refused at tol.csv:2: $(cat "$tmp/err")"
[ "$(n_plans)" = 0 ] || fail "a plan was recorded from a bad list"
# near miss: certified on the plan's day, a valid code
printf 'uscc,certified\n%s,2026-01-05\n' "$uscc" > "$tmp/tol.csv"
plan 0 "$tmp/t.yaml"
[ ! -s "$tmp/err" ] || fail "a good tolerance list was warned about: $(cat "$tmp/err")"
[ "$(q "SELECT count(*) FROM plan")" = 1 ] || fail "the good plan was not recorded"
# two documents: refused, naming the line of the second
printf 'name: a\nyear: 2026\n---\nname: b\nyear: 2027\n' > "$tmp/two.yaml"
plan 3 "$tmp/two.yaml"
grep -q "two.yaml:3:.*second YAML document" "$tmp/err" || fail "two documents not refused at two.yaml:3: $(cat "$tmp/err")"
printf '# a comment\nname: a\nyear: 2026\n...\n---\nname: b\n' > "$tmp/two.yaml"
plan 3 "$tmp/two.yaml"
grep -q "two.yaml:5:" "$tmp/err" || fail "two documents (after ...) not refused at two.yaml:5: $(cat "$tmp/err")"
# near miss: one document with its start marker
printf -- '---\nname: a\nyear: 2026\nroutine: false\n' > "$tmp/one.yaml"
plan 0 "$tmp/one.yaml"
# complaint kinds: the unknown one named, the known one not
printf 'name: k\nyear: 2026\nroutine: false\ntriggers:\n  complaint_kinds: [complaint, complant, 投拆]\n' > "$tmp/k.yaml"
plan 0 "$tmp/k.yaml"
grep -q "warning: triggers.complaint_kinds: .*'complant'.*'投拆'" "$tmp/err" || fail "unknown kinds not warned about: $(cat "$tmp/err")"
! grep -q "'complaint'" "$tmp/err" || fail "the known kind complaint was named: $(cat "$tmp/err")"
"$crisk" plan --db "$db" --file "$tmp/k.yaml" --today 2026-01-05 --json 2> /dev/null | python3 -c '
import json, sys
w = json.load(sys.stdin)["warnings"]
assert any("complant" in x for x in w), w' || fail "--json warnings lack the unknown kind"
printf 'name: k\nyear: 2026\nroutine: false\ntriggers:\n  complaint_kinds: [complaint]\n' > "$tmp/k2.yaml"
plan 0 "$tmp/k2.yaml"
[ ! -s "$tmp/err" ] || fail "a known kind was warned about: $(cat "$tmp/err")"
echo "plan_lists: bad tolerance codes and days, two documents refused at their line; unknown kinds warned"
