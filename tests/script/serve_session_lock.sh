#!/usr/bin/env bash
# A session in use does not end for idleness while another process holds the store's write lock
# (an ingest, a classify saving): the server keeps the uses it cannot write in memory
# (server/auth.c use_note) and writes them once the lock is free; idleness still ends it after.
# Before, every use went unwritten while the lock was held, and a user clicking all the while
# was logged out session_idle_s after the last use written.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_session_lock "$@"

"$CRISK" gen --out "$tmp/city" --enterprises 200 --seed 3 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
echo "pw-a-secret" | "$CRISK" user add --db "$db" --name u_a --role city_analyst >/dev/null
printf 'session_idle_s: 3\nsession_max_s: 600\n' >"$tmp/short.cfg"
serve_start main "$tmp/short.cfg"
[ "$(serve_login "$U" "$tmp/jar" u_a pw-a-secret)" = 200 ] || fail "login: $(cat "$tmp/login.json")"
me() { curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar" "$U/api/v1/me"; }
us() { echo "${EPOCHREALTIME/./}"; } # microseconds, without starting a process

# Another process holds the store's write lock for 8 s; the session is used until it has it.
python3 - "$db" 8 "$tmp/held" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
PY
holder=$!
for _ in $(seq 300); do
    [ "$(me)" = 200 ] || fail "the session before the lock"
    [ -e "$tmp/held" ] && break
    sleep 0.1
done
[ -e "$tmp/held" ] || fail "the write lock was not taken"

# Used every half second while the lock is held (twice session_idle_s and more), the session
# stays. Seconds are whole: a gap of 2 s or more between uses (a loaded machine) may end it
# rightly and proves nothing.
start=$(us) last=$(us) uses=0 gap=0
while kill -0 "$holder" 2>/dev/null; do
    sleep 0.5
    st=$(me)
    t=$(us)
    gap=$((t - last))
    if [ "$st" != 200 ]; then
        [ "$gap" -ge 2000000 ] && { echo "serve_session_lock: a gap of $gap us between uses: inconclusive" >&2; break; }
        fail "a session in use ended while another process held the write lock: $st after $uses uses"
    fi
    uses=$((uses + 1))
    last=$t
done
wait "$holder"
[ $((last - start)) -ge 6000000 ] || echo "serve_session_lock: uses under the lock for only $(((last - start) / 1000)) ms" >&2

# The lock is free: the next use is written to the store, and idleness ends the session again.
if [ "$st" != 200 ]; then # inconclusive above: a session of its own for the rest
    [ "$(serve_login "$U" "$tmp/jar" u_a pw-a-secret)" = 200 ] || fail "login after the lock"
fi
[ "$(me)" = 200 ] || fail "the session after the lock: $(me)"
seen=$(q "SELECT max(last_seen) FROM app_session")
[ "$seen" -ge $(($(us) / 1000000 - 1)) ] ||
    fail "the use after the lock was not written: last_seen $seen, now $(($(us) / 1000000))"
sleep 4.2
[ "$(me)" = 401 ] || fail "a session idle past session_idle_s after the lock: $(me)"
serve_stop
echo "serve_session_lock: ok ($uses uses under the lock)"
