#!/usr/bin/env bash
# Under a file size limit (ulimit -f) an ingest that writes past it is not killed by SIGXFSZ
# (exit 153, no message): the write fails with EFBIG, the user reads a message that names the
# limit, exit 1, and a re-run without the limit completes the store as an uninterrupted ingest.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 5 > /dev/null
"$crisk" ingest --db "$tmp/clean.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
set +e
(ulimit -f 1024; exec "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml") \
  > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "ingest past ulimit -f: exit $rc, want 1"; cat "$tmp/err"; exit 1; }
grep -q "file size limit" "$tmp/err" || { echo "message does not name the limit:"; cat "$tmp/err"; exit 1; }
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
counts() {
  sqlite3 "$1" "SELECT (SELECT coalesce(sum(n),0) FROM event_block), (SELECT count(*) FROM enterprise),
                (SELECT count(*) FROM role), (SELECT count(*) FROM subject), (SELECT count(*) FROM quarantine),
                (SELECT sum(n_read) FROM feed_file), (SELECT count(*) FROM feed_file WHERE state='done')"
}
[ "$(counts "$tmp/s.db")" = "$(counts "$tmp/clean.db")" ] \
  || { echo "resumed store differs: $(counts "$tmp/s.db") vs $(counts "$tmp/clean.db")"; exit 1; }
[ "$(sqlite3 "$tmp/s.db" 'PRAGMA integrity_check')" = ok ] || { echo "integrity_check failed"; exit 1; }
echo "file_size_limit: a write past ulimit -f is an error with a message, exit 1; the re-run completes"
