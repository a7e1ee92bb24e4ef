#!/usr/bin/env bash
# Conflicting output options were accepted silently: "--xlsx a --xlsx b" wrote b only, and
# "--xlsx f --geojson f" wrote one file over the other; a mistyped "--district abc" printed an
# empty list as if there were no warnings. Each is a usage error (exit 2) that writes nothing.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "output_conflicts: $*"; exit 1; }
"$crisk" gen --out city --enterprises 60 --seed 5 > /dev/null
"$crisk" ingest --db s.db --catalog city/catalog.yaml > /dev/null
"$crisk" classify --db s.db > /dev/null
"$crisk" monitor --db s.db > /dev/null
expect2() { # message command...
    local want=$1 rc=0 out
    shift
    out=$("$@" 2>&1) || rc=$?
    [ $rc = 2 ] || fail "$* : exit $rc, want 2: $out"
    echo "$out" | grep >/dev/null -- "$want" || fail "$* : no '$want' in: $out"
}
expect2 "given twice ('a.xlsx' and 'b.xlsx')" "$crisk" warnings --db s.db --xlsx a.xlsx --xlsx b.xlsx
expect2 "given twice" "$crisk" warnings --db s.db --xlsx=a.xlsx --xlsx b.xlsx
expect2 "given twice" "$crisk" warnings --db s.db --status open --status closed --csv
expect2 "given twice" "$crisk" classify --db s.db --as-of 2025-12-31 --as-of 2024-12-31
expect2 "given twice" "$crisk" quarantine --db s.db --export q1.csv --export q2.csv
expect2 "f.out and --geojson f.out are the same file" "$crisk" warnings --db s.db --xlsx f.out --geojson f.out
expect2 "are the same file" "$crisk" warnings --db s.db --xlsx f.out --geojson ./f.out
mkdir sub
echo old > sub/g.out
expect2 "are the same file" "$crisk" warnings --db s.db --xlsx sub/../sub/g.out --geojson sub/g.out
[ "$(cat sub/g.out)" = old ] || fail "a refused pair wrote sub/g.out"
for f in a.xlsx b.xlsx f.out q1.csv q2.csv; do [ ! -e $f ] || fail "$f was written"; done
! ls -A . sub | grep >/dev/null '\.tmp-' || fail "a temporary file was left"
for d in abc 4401x6 "" 1234567890123 -440106 " 440106"; do
    [ -n "$d" ] || continue
    expect2 "needs a division code" "$crisk" warnings --db s.db --district "$d" --csv
done
# near misses: a flag given twice stays harmless, distinct files and digit codes are accepted
"$crisk" warnings --db s.db --csv --csv > /dev/null || fail "--csv --csv refused"
"$crisk" warnings --db s.db --district 440106 --csv > /dev/null || fail "--district 440106 refused"
"$crisk" warnings --db s.db --district 4401 --csv > /dev/null || fail "--district 4401 refused"
"$crisk" warnings --db s.db --xlsx a.xlsx --geojson b.geojson 2> err || fail "two files refused: $(cat err)"
[ -s a.xlsx ] && [ -s b.geojson ] || fail "the two files were not both written"
echo ok
