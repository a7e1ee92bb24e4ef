#!/usr/bin/env bash
# The audit writer (server/audit.c, docs/serve.md "The audit writer"): with audit_wait: 1 every
# portrait's audit row is in the store when its answer arrives, and concurrent requests share a
# commit; with audit_wait: 0 (rows committed in batches behind the answers) a clean stop
# (SIGINT, SIGTERM) still leaves one row per request, none lost and none twice, with the right
# user, object and status, in far fewer commits than rows. A store that refuses the rows (a
# trigger here): reads answer 503 once 4 × audit_batch rows wait, a write waits at most
# audit_room_wait_ms for room and answers 503, a write queued behind rows kept for a retry is
# answered 503 at once, the rows kept are all written once the store takes them again, and a
# stop with the store refusing ends. Objects cut mid-character or holding bytes that are not
# UTF-8 stay in GET /api/v1/audit. The configuration's audit keys are range-checked.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_audit "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 300 --seed 5 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
echo "pw-a-secret" | "$CRISK" user add --db "$db" --name u_a --role city_analyst >/dev/null
D=$(q "SELECT district FROM enterprise GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "pw-d-secret" | "$CRISK" user add --db "$db" --name u_d --role district --scope "$D" >/dev/null
echo "pw-x-secret" | "$CRISK" user add --db "$db" --name u_x --role auditor >/dev/null
q "SELECT uscc FROM enterprise WHERE uscc IS NOT NULL ORDER BY uscc LIMIT 200" >"$tmp/firms"

start() { # config lines
    printf '%b\n' "$1" >"$tmp/serve.cfg"
    serve_start serve "$tmp/serve.cfg"
    for u in a:pw-a-secret d:pw-d-secret x:pw-x-secret; do
        serve_login "$U" "$tmp/jar.${u%%:*}" "u_${u%%:*}" "${u#*:}" >/dev/null
    done
}
stop() { serve_stop "" clean; }
# The writer's count at a clean stop: "audit log: R rows in C commits, …"
commits() { sed -n 's/.*audit log: \([0-9]*\) rows in \([0-9]*\) commits.*/\1 \2/p' "$tmp/serve.err"; }
get() { # jar path → status, body in $tmp/body
    curl -s --max-time 30 -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.$1" "$U$2"
}
portraits() { q "SELECT count(*) FROM audit WHERE action = 'portrait'"; }

# ---- audit_wait: 1: the row is there when the answer is ----
start "audit_wait: 1\nthreads: 4"
n0=$(portraits)
k=0
while read -r f; do
    k=$((k + 1))
    [ $k -le 20 ] || break
    curl -s -o /dev/null -b "$tmp/jar.d" "$U/api/v1/enterprises/$f"
    [ "$(portraits)" = $((n0 + k)) ] || fail "audit_wait 1: after request $k, $(($(portraits) - n0)) rows"
done <"$tmp/firms"
# Group commit: 4 clients × 100 portraits at once on 4 threads, each request waiting for its
# row: rows queued during a commit share the next one, so there are fewer commits than rows. A
# trigger makes each row's insert slow (a 300 × 300 join), as a loaded disk would a commit.
q "CREATE TRIGGER t_slow BEFORE INSERT ON audit BEGIN
   SELECT count(*) FROM enterprise a, enterprise b; END;"
n0=$(portraits)
clients=()
for c in 1 2 3 4; do
    (sed -n '1,100s|^|'"$U"'/api/v1/enterprises/|p' "$tmp/firms" | xargs curl -s -b "$tmp/jar.a" >/dev/null) &
    clients+=($!)
done
wait "${clients[@]}"
[ "$(portraits)" = $((n0 + 400)) ] || fail "audit_wait 1: $(($(portraits) - n0)) rows of 400 concurrent requests"
q "DROP TRIGGER t_slow"
stop
# 3 logins, 420 portraits: 423 rows, some of them sharing commits.
read -r rows ncommit <<<"$(commits)"
echo "serve_audit: audit_wait 1, 4 clients: $rows rows in $ncommit commits"
[ "$rows" = 423 ] && [ "$ncommit" -lt $((rows * 9 / 10)) ] || fail "audit_wait 1: $rows rows in $ncommit commits (no group commit)"

# ---- audit_wait: 0 (the default: not set here): nothing lost on a clean stop, from concurrent
# clients ----
start "audit_flush_ms: 5000\naudit_batch: 1000"
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
read -r rows ncommit <<<"$(commits)"
[ "$rows" = 804 ] && [ "$ncommit" -le 20 ] || fail "audit_wait 0: $rows rows in $ncommit commits"
got=$(($(portraits) - n0))
[ "$got" = 800 ] || fail "audit_wait 0: $got portrait rows after a clean stop, expected 800"
# One row per firm and client, with the status the client got: 200 inside, 404 outside.
want=$(q "SELECT count(*) FROM enterprise WHERE uscc IN ($(sed "s/.*/'&'/" "$tmp/firms" | paste -sd,)) AND district = '$D'")
[ "$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND user = 'u_d' AND status = 200 AND id > (SELECT max(id) - 800 FROM audit)")" = $((want * 4)) ] ||
    fail "audit_wait 0: the rows' statuses"
[ "$(q "SELECT count(DISTINCT object) FROM audit WHERE action = 'portrait' AND id > (SELECT max(id) - 800 FROM audit)")" = 200 ] ||
    fail "audit_wait 0: the rows' objects"

# ---- a store that refuses the rows ----
q "CREATE TABLE t_refuse(on_ INTEGER); INSERT INTO t_refuse VALUES (0);
   CREATE TRIGGER t_refuse_audit BEFORE INSERT ON audit WHEN (SELECT on_ FROM t_refuse)
   BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
refuse() { q "UPDATE t_refuse SET on_ = $1"; }
start "audit_wait: 0\naudit_batch: 2\naudit_flush_ms: 50\naudit_room_wait_ms: 1000"
mine=$(q "SELECT uscc FROM enterprise WHERE district = '$D' AND uscc IS NOT NULL ORDER BY uscc LIMIT 9")
n0=$(portraits)
refuse 1
k=0
for f in $mine; do
    k=$((k + 1))
    st=$(get d "/api/v1/enterprises/$f")
    if [ $k -le 8 ]; then
        [ "$st" = 200 ] || fail "refusing store: read $k answered $st before the queue (8) was full"
    else
        [ "$st" = 503 ] && grep -q '"code":"audit_unavailable"' "$tmp/body" ||
            fail "refusing store, queue full: read answered $st $(cat "$tmp/body")"
    fi
done
# A write (a login) finds the queue full: it waits audit_room_wait_ms, then 503 (and hands out
# no session cookie: its audit row was not written).
st=$(curl -s --max-time 20 -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"name":"u_a","password":"pw-a-secret"}' "$U/api/v1/login")
[ "$st" = 503 ] && grep -q '"code":"audit_unavailable"' "$tmp/body" ||
    fail "a login with the audit queue full answered '$st' $(cat "$tmp/body") (expected 503 after audit_room_wait_ms)"
grep -qi '^set-cookie' "$tmp/headers" && fail "a login refused for its audit row set a session cookie"
refuse 0
for _ in $(seq 100); do [ "$(portraits)" = $((n0 + 8)) ] && break; sleep 0.1; done
[ "$(portraits)" = $((n0 + 8)) ] || fail "the 8 rows kept were not written once the store took rows: $(($(portraits) - n0))"
[ "$(q "SELECT group_concat(object, ' ') FROM (SELECT object FROM audit WHERE action = 'portrait' ORDER BY id DESC LIMIT 8)" |
    tr ' ' '\n' | sort | paste -sd' ')" = "$(echo "$mine" | head -8 | sort | paste -sd' ')" ] ||
    fail "the rows kept are not those of the 8 reads answered"
# A login queued behind reads kept for a retry (a batch of 2): answered 503 at once.
refuse 1
get d "/api/v1/enterprises/$(echo "$mine" | head -1)" >/dev/null
get d "/api/v1/enterprises/$(echo "$mine" | sed -n 2p)" >/dev/null
st=$(curl -s --max-time 20 -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' -d '{"name":"u_a","password":"pw-a-secret"}' "$U/api/v1/login")
[ "$st" = 503 ] || fail "a login behind rows kept for a retry answered '$st' (expected 503)"
# A stop with the store refusing ends, and says what it could not write.
stop
grep -q 'audit rows could not be written' "$tmp/serve.err" || fail "the stop did not report the rows it could not write"
refuse 0

# ---- objects cut mid-character or not UTF-8 stay in GET /api/v1/audit ----
start "audit_wait: 1"
# warning: and 40 × 企 (128 bytes): the request's 128-byte object cuts the last character.
long="$(printf '%%E4%%BC%%81%.0s' $(seq 40))"
st=$(get a "/api/v1/warnings/$long")
[ "$st" = 404 ] || fail "an unknown warning answered $st"
get a "/api/v1/enterprises/ns:%FF%FEx" >/dev/null
q "INSERT INTO audit(at, user, role, action, object, status, client)
   VALUES (1, 'u_old', 'district', 'portrait', CAST(X'6E733AE4BD' AS TEXT), 200, '127.0.0.1')"
st=$(get x "/api/v1/audit?limit=20")
[ "$st" = 200 ] || fail "GET /api/v1/audit answered $st"
python3 - "$tmp/body" "$db" <<'PY' || fail "GET /api/v1/audit left rows out or kept bytes that are not UTF-8"
import json, sqlite3, sys
rows = json.load(open(sys.argv[1]))["rows"]
db = sqlite3.connect(sys.argv[2])
ids = [r[0] for r in db.execute("SELECT id FROM audit ORDER BY id DESC LIMIT 20")]
assert [r["id"] for r in rows] == ids, ("ids", [r["id"] for r in rows], ids)
objs = [r["object"] for r in rows]
assert "warning:" + "企" * 39 in objs, objs[:5]     # cut before the character that did not fit
assert "ns:\\xFF\\xFEx" in objs, objs[:5]          # bytes that are not UTF-8, named
assert "ns:\\xE4\\xBD" in objs, objs[:5]           # an old row's bytes, named, not dropped
PY
stop

# ---- the configuration ----
for bad in "audit_wait: 2" "audit_batch: 0" "audit_flush_ms: 0" "audit_room_wait_ms: 0" "read_mmap_mib: -1" "portrait_cache_mib: x"; do
    printf '%s\n' "$bad" >"$tmp/bad.cfg"
    st=0
    "$CRISK" serve --db "$db" --listen 127.0.0.1:0 --config "$tmp/bad.cfg" >/dev/null 2>"$tmp/bad.err" || st=$?
    [ "$st" = 3 ] && grep -q 'bad.cfg:1' "$tmp/bad.err" || fail "'$bad' accepted: exit $st"
done
echo "serve_audit: ok"
