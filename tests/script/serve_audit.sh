#!/usr/bin/env bash
# The audit writer (server/audit.c, docs/serve.md "The audit writer"): with audit_wait: 1 every
# portrait's audit row is in the store when its answer arrives; with audit_wait: 0 (rows
# committed in batches behind the answers) a clean stop (SIGINT, SIGTERM) still leaves one row
# per request, none lost and none twice, with the right user, object and status; concurrent
# requests share commits. The configuration's audit keys are range-checked.
set -euo pipefail
CRISK=$(realpath "${1:?usage: serve_audit.sh CRISK}")
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "serve_audit: FAIL: $*" >&2
    exit 1
}
db=$tmp/s.db
q() { sqlite3 "$db" "$1"; }
"$CRISK" gen --out "$tmp/city" --enterprises 300 --seed 5 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
echo "pw-a" | "$CRISK" user add --db "$db" --name u_a --role city_analyst >/dev/null
D=$(q "SELECT district FROM enterprise GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "pw-d" | "$CRISK" user add --db "$db" --name u_d --role district --scope "$D" >/dev/null
q "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY uscc LIMIT 200" >"$tmp/firms"

start() { # config lines
    printf '%b\n' "$1" >"$tmp/serve.cfg"
    rm -f "$tmp/out" # an old run's listening line must not be read for this one's
    "$CRISK" serve --db "$db" --listen 127.0.0.1:0 --config "$tmp/serve.cfg" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    for _ in $(seq 600); do
        grep >/dev/null 'listening on http://[0-9.:]*/' "$tmp/out" 2>/dev/null && break
        sleep 0.1
    done
    U=$(sed -n 's|.*listening on \(http://[0-9.:]*\)/.*|\1|p' "$tmp/out")
    [ -n "$U" ] || fail "the server did not start: $(cat "$tmp/err")"
    for u in a:pw-a d:pw-d; do
        curl -s -c "$tmp/jar.${u%%:*}" -o /dev/null -d "{\"name\":\"u_${u%%:*}\",\"password\":\"${u#*:}\"}" "$U/api/v1/login"
    done
}
stop() {
    kill -INT "$pid"
    wait "$pid" || fail "the server did not stop cleanly: $(cat "$tmp/err")"
    pid=
}
portraits() { q "SELECT count(*) FROM audit WHERE action = 'portrait'"; }

# ---- audit_wait: 1: the row is there when the answer is ----
start "audit_wait: 1"
n0=$(portraits)
k=0
while read -r f; do
    k=$((k + 1))
    [ $k -le 20 ] || break
    curl -s -o /dev/null -b "$tmp/jar.d" "$U/api/v1/enterprises/$f"
    [ "$(portraits)" = $((n0 + k)) ] || fail "audit_wait 1: after request $k, $(($(portraits) - n0)) rows"
done <"$tmp/firms"
stop

# ---- audit_wait: 0: nothing lost on a clean stop, from concurrent clients ----
start "audit_wait: 0\naudit_flush_ms: 5000\naudit_batch: 1000"
n0=$(portraits)
# Behind the answer: one request's row is not in the store yet (it waits up to 5 s for others).
curl -s -o /dev/null -b "$tmp/jar.d" "$U/api/v1/enterprises/$(head -1 "$tmp/firms")"
[ "$(portraits)" = "$n0" ] || fail "audit_wait 0: the row was committed before the answer (not batched)"
# 4 clients × 200 portraits, as the district user (some 404: outside the district).
clients=()
for c in 1 2 3 4; do
    (sed "s|^|$U/api/v1/enterprises/|" "$tmp/firms" | xargs curl -s -b "$tmp/jar.d" >/dev/null) &
    clients+=($!)
done
wait "${clients[@]}"
stop
n0=$((n0 + 1))
got=$(($(portraits) - n0))
[ "$got" = 800 ] || fail "audit_wait 0: $got portrait rows after a clean stop, expected 800"
# One row per firm and client, with the status the client got: 200 inside, 404 outside.
want=$(q "SELECT count(*) FROM enterprise WHERE uscc IN ($(sed "s/.*/'&'/" "$tmp/firms" | paste -sd,)) AND district = '$D'")
[ "$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND user = 'u_d' AND status = 200 AND id > (SELECT max(id) - 800 FROM audit)")" = $((want * 4)) ] ||
    fail "audit_wait 0: the rows' statuses"
[ "$(q "SELECT count(DISTINCT object) FROM audit WHERE action = 'portrait' AND id > (SELECT max(id) - 800 FROM audit)")" = 200 ] ||
    fail "audit_wait 0: the rows' objects"

# ---- the configuration ----
for bad in "audit_wait: 2" "audit_batch: 0" "audit_flush_ms: 0" "read_mmap_mib: -1" "portrait_cache_mib: x"; do
    printf '%s\n' "$bad" >"$tmp/bad.cfg"
    st=0
    "$CRISK" serve --db "$db" --listen 127.0.0.1:0 --config "$tmp/bad.cfg" >/dev/null 2>"$tmp/bad.err" || st=$?
    [ "$st" = 3 ] && grep -q 'bad.cfg:1' "$tmp/bad.err" || fail "'$bad' accepted: exit $st"
done
echo "serve_audit: ok"
