#!/usr/bin/env bash
# A store's name is a file name, the one its writer lock and output guards look at: a name
# starting with "file:" is a file of that name (SQLite read it as a URI: file::memory: was a
# memory database, lost at exit, with a lock file beside a store that did not exist), and the
# lock file is never opened through a symbolic link (its holder text truncated the target).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
"$crisk" gen --out city --enterprises 30 --seed 8 > /dev/null
"$crisk" ingest --db file::memory: --catalog city/catalog.yaml > /dev/null
[ -s 'file::memory:' ] || { echo "store_names: file::memory: is not a file: $(ls)"; exit 1; }
"$crisk" ingest --db file:x.db --catalog city/catalog.yaml > /dev/null
[ -s 'file:x.db' ] && [ ! -e x.db ] || { echo "store_names: file:x.db read as a URI: $(ls)"; exit 1; }
printf 'precious\n' > victim
ln -s victim l.db.lock
rc=0; out=$("$crisk" ingest --db l.db --catalog city/catalog.yaml 2>&1) || rc=$?
[ $rc != 0 ] && echo "$out" | grep >/dev/null 'cannot open store lock' \
  || { echo "store_names: a lock file through a link ($rc): $out"; exit 1; }
[ "$(cat victim)" = precious ] || { echo "store_names: the link's target was written"; exit 1; }
echo ok
