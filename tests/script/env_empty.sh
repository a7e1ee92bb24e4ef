#!/usr/bin/env bash
# $CRISK_RESPOND and $CRISK_MONITOR_RULES set but empty are refused (exit 2, naming the variable;
# crisk serve too, and a bad respond policy stops it: exit 3)
# as cli_parse refuses an empty $CRISK_DB: an empty value silently meant the shipped file. The
# flag (--config, --rules) still wins over the variable, and an unset variable is the default.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
src=${CRISK_SRC:-$(dirname "$0")/../..}
"$crisk" gen --out "$tmp/city" --enterprises 200 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
expect2() { # variable message... -- command
    local var=$1; shift
    set +e
    env "$var=" "$@" > /dev/null 2> "$tmp/err"; local rc=$?
    set -e
    [ $rc = 2 ] || { echo "$var empty: $*: exit $rc, not 2"; cat "$tmp/err"; exit 1; }
    grep -q "\$$var is set but empty" "$tmp/err" || { echo "$var empty: $*: message"; cat "$tmp/err"; exit 1; }
}
expect2 CRISK_MONITOR_RULES "$crisk" monitor --db "$db"
[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_master WHERE name='monitor_run'")" = 0 ] \
  || [ "$(sqlite3 "$db" "SELECT count(*) FROM monitor_run")" = 0 ] || { echo "a refused monitor ran"; exit 1; }
expect2 CRISK_RESPOND "$crisk" dispatch --db "$db"
expect2 CRISK_RESPOND "$crisk" roster --db "$db" --file "$tmp/city/roster.csv"
expect2 CRISK_RESPOND "$crisk" task 1 --accept --by X1 --db "$db"
expect2 CRISK_RESPOND timeout 20 "$crisk" serve --db "$db" --listen 127.0.0.1:0
# crisk serve reads the respond policy at its start: a bad one stops it (exit 3, naming the key)
sed 's/^note_max_bytes: .*/note_max_bytes: 0/' "$src/models/respond.yaml" > "$tmp/bad.yaml"
set +e
CRISK_RESPOND=$tmp/bad.yaml timeout 20 "$crisk" serve --db "$db" --listen 127.0.0.1:0 > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 3 ] && grep -q note_max_bytes "$tmp/err" && grep -q "the respond policy" "$tmp/err" ||
    { echo "serve with a bad respond policy: exit $rc"; cat "$tmp/err"; exit 1; }
grep -q -- "--config" "$tmp/err" && { echo "serve's message names --config (the server's own file)"; exit 1; }
# a FIFO or a device as the policy: refused at once (the open of a FIFO waited for a writer)
mkfifo "$tmp/fifo"
for f in "$tmp/fifo" /dev/zero; do
    set +e
    CRISK_RESPOND=$f timeout 20 "$crisk" serve --db "$db" --listen 127.0.0.1:0 > /dev/null 2> "$tmp/err"
    rc=$?
    set -e
    [ $rc = 3 ] && grep -q "not a regular file" "$tmp/err" || { echo "serve with $f as the respond policy: exit $rc"; cat "$tmp/err"; exit 1; }
done
# near misses: the flag wins over an empty variable; an unset variable is the shipped file
CRISK_MONITOR_RULES= "$crisk" monitor --db "$db" --rules "$src/models/monitor.yaml" > /dev/null
CRISK_RESPOND= "$crisk" roster --db "$db" --file "$tmp/city/roster.csv" --config "$src/models/respond.yaml" > /dev/null
CRISK_RESPOND= "$crisk" dispatch --db "$db" --config "$src/models/respond.yaml" > /dev/null
(unset CRISK_RESPOND CRISK_MONITOR_RULES; "$crisk" monitor --db "$db" > /dev/null && "$crisk" dispatch --db "$db" > /dev/null)
echo "env_empty: empty \$CRISK_RESPOND / \$CRISK_MONITOR_RULES refused (exit 2); flags and unset variables work"
