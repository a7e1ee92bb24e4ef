#!/usr/bin/env bash
# A store has one writer at a time. While an ingest runs (held at a row by the test hook
# CRISK_PAUSE_ROW, so the overlap is certain), a second ingest, a classify, a quarantine
# retry and a tag fail with exit 1 and a message naming the holder; a read-only verb works. The
# store then equals a clean single ingest: no quarantine row twice (two concurrent ingests once wrote
# 31,396 quarantine rows for 30,911 distinct file/line), the same counts and events.
set -euo pipefail
crisk=$1
. "$(dirname "$0")/pause_lib.sh"
tmp=$(mktemp -d)
pid1=
cleanup() { rm -f "$tmp/pause"; [ -z "$pid1" ] || wait "$pid1" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
"$crisk" gen --out "$tmp/city" --enterprises 5000 --seed 5 > /dev/null
cat="$tmp/city/catalog.yaml"
"$crisk" ingest --db "$tmp/clean.db" --catalog "$cat" > /dev/null

CRISK_PAUSE_ROW=3000 CRISK_PAUSE_FILE="$tmp/pause" \
  "$crisk" ingest --db "$tmp/s.db" --catalog "$cat" --batch-rows 500 > "$tmp/first.txt" 2>&1 &
pid1=$!
wait_paused two_writers "$tmp/pause" "$pid1" "$tmp/first.txt"
expect_held() { # expect_held WHAT -- command...: exit 1 and the holder named
  local what=$1; shift 2
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ $rc = 1 ] || { echo "two_writers: $what exited $rc while the store had a writer: $out"; exit 1; }
  echo "$out" | grep >/dev/null "another writer: crisk ingest, pid $pid1 on " ||
    { echo "two_writers: $what does not name the holder: $out"; exit 1; }
}
expect_held "a second ingest" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$cat"
expect_held "classify" -- "$crisk" classify --db "$tmp/s.db" --as-of 2025-12-31
expect_held "quarantine --retry" -- "$crisk" quarantine --db "$tmp/s.db" --retry --catalog "$cat"
expect_held "tag" -- "$crisk" tag --db "$tmp/s.db"
"$crisk" quarantine --db "$tmp/s.db" > /dev/null ||
  { echo "two_writers: a read-only verb failed beside the writer"; exit 1; }
rm -f "$tmp/pause"
wait "$pid1" || { echo "two_writers: the first ingest failed"; cat "$tmp/first.txt"; exit 1; }
pid1=

q() { sqlite3 "$1" "$2"; }
counts() {
  q "$1" "SELECT (SELECT coalesce(sum(n),0) FROM event_block), (SELECT count(*) FROM enterprise),
                 (SELECT count(*) FROM role), (SELECT count(*) FROM person),
                 (SELECT count(*) FROM subject), (SELECT count(*) FROM quarantine),
                 (SELECT count(*) FROM (SELECT DISTINCT file, line FROM quarantine)),
                 (SELECT sum(n_read) || '/' || sum(n_loaded) || '/' || sum(n_duplicate) || '/' ||
                         sum(n_quarantined) FROM feed_file)"
}
a=$(counts "$tmp/clean.db"); b=$(counts "$tmp/s.db")
[ "$a" = "$b" ] || { echo "two_writers: store differs from a clean ingest: $b, want $a"; exit 1; }
dup=$(q "$tmp/s.db" "SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT file, line FROM quarantine)) FROM quarantine")
[ "$dup" = 0 ] || { echo "two_writers: $dup quarantine rows twice"; exit 1; }
# The lock went with its holder: the store takes a writer again.
"$crisk" ingest --db "$tmp/s.db" --catalog "$cat" > /dev/null ||
  { echo "two_writers: the lock outlived its holder"; exit 1; }
echo "two_writers: 4 writers refused with the holder named, store equals a clean ingest ($b)"
