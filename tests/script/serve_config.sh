#!/usr/bin/env bash
# crisk serve's start: a bad configuration file (unknown key, not a number, out of range, no
# colon) is exit 3 naming file and line; a bad --listen is a usage error; a missing store is exit
# 3 and leaves no store behind; SIGTERM stops a running server with exit 0.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_config "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 50 --seed 2 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
expect() { # exit-code fragment -- serve args…
    local want=$1 frag=$2
    shift 3
    set +e
    timeout 20 "$CRISK" serve "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "crisk serve $*: exit $rc, expected $want: $(cat "$tmp/err")"
    grep >/dev/null -F -e "$frag" "$tmp/err" || fail "crisk serve $*: no '$frag' in: $(cat "$tmp/err")"
}
printf 'threads: 2\n# a comment\nsesion_idle_s: 5\n' >"$tmp/a.cfg"
expect 3 "a.cfg:3: unknown key 'sesion_idle_s'" -- --db "$db" --listen 127.0.0.1:0 --config "$tmp/a.cfg"
printf 'threads: two\n' >"$tmp/b.cfg"
expect 3 "b.cfg:1: threads needs a whole number from 1 to 64" -- --db "$db" --listen 127.0.0.1:0 --config "$tmp/b.cfg"
printf 'max_body_bytes: 10\n' >"$tmp/c.cfg"
expect 3 "c.cfg:1: max_body_bytes needs a whole number" -- --db "$db" --listen 127.0.0.1:0 --config "$tmp/c.cfg"
printf 'threads 2\n' >"$tmp/d.cfg"
expect 3 "d.cfg:1: expected 'key: value'" -- --db "$db" --listen 127.0.0.1:0 --config "$tmp/d.cfg"
expect 3 "cannot open" -- --db "$db" --listen 127.0.0.1:0 --config "$tmp/none.cfg"
expect 2 "--listen needs IPV4:PORT" -- --db "$db" --listen localhost
expect 2 "--listen needs IPV4:PORT" -- --db "$db" --listen 127.0.0.1:70000
expect 3 "" -- --db "$tmp/missing.db" --listen 127.0.0.1:0
[ ! -e "$tmp/missing.db" ] || fail "serve made a store behind a mistyped path"
# A clean start and stop.
serve_start serve
case $U in http://127.0.0.1:[0-9]*) ;; *) fail "the listening line names $U" ;; esac
serve_stop "" clean TERM # exit 0 on SIGTERM
echo "serve_config: ok"
