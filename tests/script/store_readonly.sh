#!/usr/bin/env bash
# Reading verbs work on a store they may not write (a 444 file, a 555 folder) and write nothing
# beside it: no -wal/-shm is left (a 444 -wal/-shm left by a reader made later writers fail).
# A writing verb on such a store says the store is read-only. Permissions are tested as another
# user: root bypasses them (setpriv or su runs the verb as nobody when this runs as root).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
crisk_abs=$(cd "$(dirname "$crisk")" && pwd)/$(basename "$crisk")
if [ "$(id -u)" != 0 ]; then
  other() { "$@"; }
elif command -v setpriv > /dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2> /dev/null; then
  other() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
elif su nobody -s /bin/sh -c true 2> /dev/null; then
  other() { su nobody -s /bin/sh -c "$(printf '%q ' "$@")"; }
else
  echo "store_readonly: skipped (running as root without setpriv or su to run as another user)"
  exit 0
fi
# nobody must be able to run the binary and reach the store.
[ -x "$crisk_abs" ] && other test -x "$crisk_abs" \
  || { echo "store_readonly: skipped (the crisk binary is not reachable for another user)"; exit 0; }
d=$tmp/d
mkdir "$d"
cat > "$d/c.yaml" <<'YAML'
catalog: ro
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: m}
    fields: {name: name}
YAML
printf 'id,name\nA,甲\nB,乙\n' > "$d/reg.csv"
"$crisk_abs" ingest --db "$d/s.db" --catalog "$d/c.yaml" > /dev/null
"$crisk_abs" classify --db "$d/s.db" --as-of 2025-01-01 > /dev/null
want=$("$crisk_abs" scores --db "$d/s.db" --csv)
# A reader of a writable store keeps SQLite's (empty) -wal and -shm, with the store's permissions;
# start from a store as a writer leaves it, with neither.
rm -f "$d/s.db-wal" "$d/s.db-shm"
no_side_files() { [ ! -e "$d/s.db-wal" ] && [ ! -e "$d/s.db-shm" ] || { echo "$1: left $(ls "$d")"; exit 1; }; }
readers() { # readers WHO: every reading verb works and leaves nothing
  local who=$1; shift
  got=$("$@" "$crisk_abs" scores --db "$d/s.db" --csv 2>&1) || { echo "$who: scores failed: $got"; exit 1; }
  [ "$got" = "$want" ] || { echo "$who: scores differ: $got"; exit 1; }
  "$@" "$crisk_abs" events --db "$d/s.db" --csv > /dev/null || { echo "$who: events failed"; exit 1; }
  "$@" "$crisk_abs" quarantine --db "$d/s.db" > /dev/null || { echo "$who: quarantine failed"; exit 1; }
  # A firm without events (its list of events is empty: sorting it was undefined behaviour).
  "$@" "$crisk_abs" show --db "$d/s.db" m:A > /dev/null || { echo "$who: show failed"; exit 1; }
  no_side_files "$who"
}
chmod 444 "$d/s.db"
readers "another user, 444 store" other
readers "the owner, 444 store"
set +e; msg=$(other "$crisk_abs" tag --db "$d/s.db" 2>&1); rc=$?; set -e
[ $rc = 1 ] && echo "$msg" | grep >/dev/null "the store is read-only" || { echo "tag on a 444 store (exit $rc): $msg"; exit 1; }
no_side_files "tag"
chmod 644 "$d/s.db"
chmod 555 "$d"
readers "another user, 555 folder" other
chmod 755 "$d"
# The owner writes again: nothing a reader did is in the way.
"$crisk_abs" tag --db "$d/s.db" > /dev/null || { echo "the owner cannot tag after the readers"; exit 1; }
echo "store_readonly: readers work on a read-only store and write nothing; a writer says read-only"
