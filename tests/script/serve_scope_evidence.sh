#!/usr/bin/env bash
# What may name firms outside a user's jurisdiction stays out of its answers (tryout T13b): a
# warning whose firms lie in two grids, read by the user of one grid, names in its evidence (at
# any depth: shell_rings' uscc lists, firms) no firm of the other grid — every USCC-like string
# of the answer is checked against the store; the city analyst still sees them all. And a read
# does not wait for a write lock another process holds (the session's use is noted later).
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_scope_evidence "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 2000 --seed 7 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
"$CRISK" monitor --db "$db" >/dev/null
# A warning with a ring of 3 or more firms; its first firm moves to a grid of its own.
w=$(q "SELECT id FROM warning WHERE evidence LIKE '%shell_rings%' ORDER BY id LIMIT 1")
[ -n "$w" ] || fail "the fixture has no warning with a ring"
moved=$(q "SELECT f.subject FROM warning_firm f WHERE f.warning = $w ORDER BY f.subject LIMIT 1")
q "UPDATE enterprise SET grid = '440104001007', street = '440104001', district = '440104' WHERE subject = $moved"
echo "pw-grid-secret" | "$CRISK" user add --db "$db" --name g --role grid --scope 440104001007 >/dev/null
echo "pw-city-secret" | "$CRISK" user add --db "$db" --name c --role city_analyst >/dev/null
serve_start s
[ "$(serve_login "$U" "$tmp/jar.g" g pw-grid-secret)" = 200 ] || fail "login g"
[ "$(serve_login "$U" "$tmp/jar.c" c pw-city-secret)" = 200 ] || fail "login c"
curl -s -b "$tmp/jar.g" "$U/api/v1/warnings/$w" > "$tmp/g.json"
curl -s -b "$tmp/jar.c" "$U/api/v1/warnings/$w" > "$tmp/c.json"
python3 - "$db" "$tmp/g.json" "$tmp/c.json" <<'PY' || fail "evidence names firms outside the grid"
import json, re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
grid = dict(db.execute("SELECT s.key, e.grid FROM subject s JOIN enterprise e ON e.subject = s.id"))
def usccs(text):
    return set(u for u in re.findall(r'"([0-9A-HJ-NPQRTUWXY]{18})"', text) if u in grid)
g, c = open(sys.argv[2]).read(), open(sys.argv[3]).read()
inside, everyone = usccs(g), usccs(c)
outside = [u for u in inside if grid[u] != "440104001007"]
assert json.loads(g)["firms"] == 1, g[:300]
assert not outside, ("outside firms named to the grid user", outside)
assert len(everyone - inside) >= 2, ("the city analyst sees the ring's other firms", len(everyone))
assert '"shell_rings"' in g, "the ring of the user's own firm is kept"
PY
# A write lock held by another process (5 s): reads answer at once.
python3 - "$db" <<'PY' &
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
con.execute("BEGIN IMMEDIATE"); con.execute("INSERT INTO meta(k, v) VALUES('x_lock_test', 1)")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(5); con.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 100); do [ -f "$db.locked" ] && break; sleep 0.05; done
sleep 1.1 # the session's last use a second ago: this read would note it
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -b "$tmp/jar.g" "$U/api/v1/me")
wait "$locker"
python3 -c 'import sys; st, t = sys.argv[1].split(); assert st == "200" and float(t) < 2, sys.argv[1]' "$t" ||
    fail "a read under another process's write lock: $t"
serve_stop
echo "serve_scope_evidence: ok"
