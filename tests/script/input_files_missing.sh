#!/usr/bin/env bash
# A missing or unreadable input file is bad input (exit 3) for every verb of the monitor,
# respond, inspect and learn stages: a missing rules file exited 3 but a missing roster file 1.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "input_files_missing: $*"; exit 1; }
"$crisk" gen --out city --enterprises 60 --seed 4 > /dev/null
"$crisk" ingest --db s.db --catalog city/catalog.yaml > /dev/null
"$crisk" classify --db s.db > /dev/null
mkdir folder
expect3() { # file-named command...
    local name=$1 rc=0 out
    shift
    out=$("$@" 2>&1) || rc=$?
    [ $rc = 3 ] || fail "$* : exit $rc, want 3: $out"
    echo "$out" | grep >/dev/null -- "$name" || fail "$* : the message does not name $name: $out"
}
for f in nosuch.csv folder; do
    expect3 $f "$crisk" roster --db s.db --file $f
    expect3 $f "$crisk" monitor --db s.db --rules $f
    expect3 $f "$crisk" plan --db s.db --file $f --today 2026-01-05
    expect3 $f "$crisk" learn --db s.db --label $f --out out
done
# near miss: the real files load (exit 0)
"$crisk" roster --db s.db --file city/roster.csv > /dev/null || fail "the city's roster refused"
echo ok
