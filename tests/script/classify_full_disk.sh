#!/usr/bin/env bash
# The event column cache (STORE.cols) on a full disk, on a size limit, and when STORE.cols is a
# folder: classify falls back to columns in memory (docs/store.md) with the levels of a normal
# run, never dies of SIGBUS, and leaves no STORE.cols.*.tmp behind (nor those of dead runs).
set -euo pipefail
crisk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
CRISK_COLUMN_CACHE=0 "$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" scores --db "$db" --csv > "$tmp/normal.csv"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
cols_size=$(stat -c %s "$db.cols")
rm -f "$db.cols"
sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$db" "$tmp/clean.db"

# check DB LABEL: the last run has a normal run's levels and no temporary file is left.
check() {
  "$crisk" scores --db "$1" --csv | diff -q "$tmp/normal.csv" - > /dev/null \
    || { echo "$2: other levels than a normal run"; exit 1; }
  if ls "$1".cols.*.tmp > /dev/null 2>&1; then echo "$2: left $(ls "$1".cols.*.tmp)"; exit 1; fi
}

# A full disk: a small tmpfs in a private mount namespace, with room for the run but not for
# the cache. Before posix_fallocate, the first store into the mapping raised SIGBUS.
if unshare -rm true 2> /dev/null; then
  free_kb=$((cols_size / 2048))
  unshare -rm bash -c '
    set -e
    mnt=$1/mnt; mkdir "$mnt"
    db_kb=$(( $(stat -c %s "$1/clean.db") / 1024 ))
    mount -t tmpfs -o size=$((db_kb + $3 + 256))k tmpfs "$mnt"
    cp "$1/clean.db" "$mnt/s.db"
    avail=$(df -k --output=avail "$mnt" | tail -1)
    head -c $(( (avail - $3) * 1024 )) /dev/zero > "$mnt/filler" || true
    set +e
    "$2" classify --db "$mnt/s.db" --as-of 2025-12-31 > "$1/full.out" 2> "$1/full.err"
    echo $? > "$1/full.rc"
    "$2" scores --db "$mnt/s.db" --csv > "$1/full.csv"
    ls "$mnt" > "$1/full.ls"
  ' _ "$tmp" "$crisk" "$free_kb"
  [ "$(cat "$tmp/full.rc")" = 0 ] || { echo "full disk: exit $(cat "$tmp/full.rc")"; cat "$tmp/full.err"; exit 1; }
  diff -q "$tmp/normal.csv" "$tmp/full.csv" > /dev/null || { echo "full disk: other levels"; exit 1; }
  if grep -q '\.tmp$' "$tmp/full.ls"; then echo "full disk: left $(cat "$tmp/full.ls")"; exit 1; fi
  full="a full tmpfs"
else
  full="no tmpfs (unshare -rm refused)"
fi

# A file size limit below the cache's size (SIGXFSZ ignored, the write fails with EFBIG).
cp "$tmp/clean.db" "$db"
(trap '' XFSZ; ulimit -f $((cols_size / 2048)); exec "$crisk" classify --db "$db" --as-of 2025-12-31) > /dev/null
check "$db" "ulimit -f"
[ ! -e "$db.cols" ] || { echo "ulimit -f: a cache past the limit was kept"; exit 1; }

# STORE.cols a folder: the cache cannot be renamed into place; the temporary file goes too.
cp "$tmp/clean.db" "$db"
mkdir "$db.cols"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
check "$db" "STORE.cols a folder"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
check "$db" "STORE.cols a folder, again"
rmdir "$db.cols"

# A temporary file of a run that died is swept by the next build.
sh -c 'exit 0' & dead=$!
wait $dead
touch "$db.cols.$dead.tmp"
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
check "$db" "a dead run's temporary file"
[ -f "$db.cols" ] || { echo "no cache written"; exit 1; }
echo "classify_full_disk: $full, ulimit -f and STORE.cols a folder fall back to memory; no .tmp left"
