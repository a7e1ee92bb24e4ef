#!/usr/bin/env bash
# What is at an output's name when it is not a regular file. The whole-file outputs
# (warnings --xlsx/--geojson: a temporary file renamed over the name) turned /dev/null and
# /dev/full into regular files when run as root, and a FIFO into a regular file: they must refuse
# any existing non-regular file (exit 2) and leave it as it was. The streamed outputs
# (quarantine --export, classify --indicators) write INTO a FIFO or a character device, as a shell
# redirection does, and refuse a block device or a socket. The real /dev/null and /dev/full are
# never touched: the FIFO and the device nodes are made in a temporary folder (devices only as
# root).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "output_devices: $*"; exit 1; }
kind() { stat -c %F "$1"; }
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    fields: {date: d}\n' > c.yaml
printf 'k,d\n91440101MA5CJQ4N59,2021-01-01\nbad,2021-01-01\n' > a.csv
"$crisk" ingest --db s.db --catalog c.yaml > /dev/null 2>&1 || true
[ -f s.db ] || fail "no store"

# refused: a whole-file output over a FIFO (or a device) -> exit 2, the node unchanged, no
# temporary file left beside it
refused() { # option node kind
    local rc=0 out
    out=$("$crisk" warnings --db s.db "$1" "$2" 2>&1) || rc=$?
    [ $rc = 2 ] || fail "warnings $1 $2: exit $rc, want 2: $out"
    echo "$out" | grep >/dev/null "$2 is not a regular file" || fail "warnings $1 $2: $out"
    [ "$(kind "$2")" = "$3" ] || fail "warnings $1 $2 is now a $(kind "$2")"
    ! ls -A | grep >/dev/null '\.tmp-' || fail "warnings $1 $2 left a temporary file: $(ls -A)"
}
mkfifo fifo
refused --xlsx fifo fifo
refused --geojson fifo fifo
# a folder at the name: a usage error too (exit 2), the folder left as it was
mkdir outdir
rc=0; out=$("$crisk" warnings --db s.db --xlsx outdir 2>&1) || rc=$?
[ $rc = 2 ] && echo "$out" | grep >/dev/null "outdir: it is a folder" || fail "warnings --xlsx outdir: exit $rc: $out"
[ -d outdir ] && [ -z "$(ls -A outdir)" ] || fail "the folder was changed"

# a streamed output into a FIFO: the reader gets the rows, the FIFO stays a FIFO
timeout 60 cat fifo > got &
reader=$!
"$crisk" quarantine --db s.db --export fifo 2> err || fail "export into a FIFO: $(cat err)"
wait $reader || fail "the FIFO's reader failed"
head -1 got | grep >/dev/null '^id,topic,file,line,reason,detail,raw$' || fail "FIFO reader got: $(cat got)"
[ "$(kind fifo)" = fifo ] || fail "the FIFO is now a $(kind fifo)"

# near miss: a regular file is still replaced whole by --geojson (refusal is not a blanket one)
echo old > plain.geojson
rc=0; "$crisk" warnings --db s.db --geojson plain.geojson > /dev/null 2> err || rc=$?
[ $rc != 2 ] || fail "a regular file was refused: $(cat err)"

if [ "$(id -u)" = 0 ] && mknod null c 1 3 2> /dev/null && mknod full c 1 7 && mknod disk b 7 250; then
    refused --xlsx null "character special file"
    refused --geojson full "character special file"
    refused --xlsx disk "block special file"
    # streamed: a character device takes the rows (the node stays a device); a block device never
    "$crisk" quarantine --db s.db --export null 2> err || fail "export into a null device: $(cat err)"
    [ "$(kind null)" = "character special file" ] || fail "export made null a $(kind null)"
    rc=0; out=$("$crisk" quarantine --db s.db --export disk 2>&1) || rc=$?
    [ $rc = 2 ] && echo "$out" | grep >/dev/null 'disk is not a regular file (a block device)' \
        || fail "export into a block device ($rc): $out"
    [ "$(kind disk)" = "block special file" ] || fail "export made disk a $(kind disk)"
    "$crisk" gen --out city --enterprises 60 --seed 3 > /dev/null
    "$crisk" ingest --db g.db --catalog city/catalog.yaml > /dev/null
    rc=0; out=$("$crisk" classify --db g.db --as-of 2025-12-31 --indicators disk 2>&1) || rc=$?
    [ $rc = 2 ] || fail "indicators into a block device ($rc): $out"
    rc=0; out=$("$crisk" classify --db g.db --as-of 2025-12-31 --indicators full 2>&1) || rc=$?
    [ $rc = 1 ] || fail "indicators into a full device: exit $rc: $out"
    [ "$(kind full)" = "character special file" ] || fail "classify made full a $(kind full)"
else
    echo "output_devices: device nodes skipped (not root, or mknod not allowed)"
fi
echo ok
