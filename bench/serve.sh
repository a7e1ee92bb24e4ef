#!/usr/bin/env bash
# crisk serve under load (wrk on loopback, logged in): the portrait of random firms and searches,
# with their p99 latency. Goals (DESIGN.md): the portrait at 1,000 requests/s with p99 <= 10 ms,
# search p99 <= 50 ms. wrk drives the server as fast as it answers (closed loop, -c connections);
# the portrait's goal holds when its rate is >= 1,000/s and its p99 <= 10 ms at that load.
# The portrait is run twice: over 2,000 firms asked once before (their portraits come from the
# server's cache) and over 20,000 others (built: the first request for a firm after an ingest or
# a run). crisk serve builds the search index when it starts (after an ingest: a few seconds).
# Start-up is measured first: the time to "listening" with the search index made stale (as after
# an ingest: the server rebuilds it, and says how long that took) and again with it fresh.
# Usage: bench/serve.sh [STORE]   (default: a 100,000-firm city in bench/out/serve, made once)
# CONNS (8), DURATION (20 s), THREADS (server threads, default nproc), STARTUP (1; 0: skip the
# start-up measure, which marks the store's search index stale), SERVE_CFG (extra lines for the
# server's configuration, e.g. "audit_wait: 0").
set -euo pipefail
cd "$(dirname "$0")/.."
crisk=${CRISK:-build-rel/crisk}
[ -x "$crisk" ] || CRISK_BUILD=build-rel scripts/build.sh
command -v wrk >/dev/null || scripts/setup.sh
out=bench/out/serve
mkdir -p "$out"
db=${1:-$out/city.db}
if [ ! -f "$db" ]; then
    echo "== a 100,000-firm city (once)"
    "$crisk" gen --out "$out/city" --enterprises 100000 --seed 1 >/dev/null
    "$crisk" ingest --db "$db" --catalog "$out/city/catalog.yaml" >/dev/null
    "$crisk" classify --db "$db" >/dev/null
fi
duration=${DURATION:-20}
conns=${CONNS:-8}
threads=${THREADS:-$(nproc)}
user=bench_$$
echo "bench-pw-$$" | "$crisk" user add --db "$db" --name "$user" --role city_analyst >/dev/null
printf 'threads: %s\nsession_idle_s: 3600\n%b\n' "$threads" "${SERVE_CFG:-}" >"$out/serve.cfg"
pid=
trap '[ -z "$pid" ] || kill $pid 2>/dev/null || true' EXIT
# start LABEL: starts the server and prints the seconds until it listens.
start() {
    "$crisk" serve --db "$db" --listen 127.0.0.1:0 --config "$out/serve.cfg" >"$out/serve.out" 2>"$out/serve.err" &
    pid=$!
    local t0
    t0=$(date +%s.%N)
    for _ in $(seq 36000); do grep >/dev/null 'listening on' "$out/serve.out" && break; sleep 0.05; done
    echo "serve start ($1): listening after $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s, $(sed -n 's/.*search index rebuilt in \([0-9.]*\) s.*/search index rebuilt in \1 s/p' "$out/serve.err" | head -1)"
}
if [ "${STARTUP:-1}" = 1 ]; then
    # As after an ingest: the index's generation no longer the store's.
    sqlite3 "$db" "UPDATE meta SET v = -1 WHERE k = 'search_generation'"
    start "search index stale"
    kill -INT $pid && wait $pid || true
    start "search index fresh"
else
    start "as the store is"
fi
url=$(sed -n 's|.*listening on \(http://[0-9.:]*\)/.*|\1|p' "$out/serve.out")
curl -s -c "$out/jar" -o /dev/null -H 'Content-Type: application/json' -d "{\"name\":\"$user\",\"password\":\"bench-pw-$$\"}" "$url/api/v1/login"
cookie=$(awk '$6 == "crisk_session" { print $7 }' "$out/jar")
# 2,000 random firms (asked once before the run: their portraits are cached), 20,000 others
# (each asked at most once: built, as a portrait the server has not answered since the last
# ingest or run), and search terms: USCC starts, name parts and address parts.
sqlite3 "$db" "SELECT '/api/v1/enterprises/' || uscc FROM enterprise WHERE uscc IS NOT NULL
               ORDER BY random() LIMIT 22000" >"$out/all.paths"
head -2000 "$out/all.paths" >"$out/portrait.paths"
tail -n +2001 "$out/all.paths" >"$out/portrait_cold.paths"
python3 - "$db" >"$out/search.paths" <<'PY'
import random, sqlite3, sys, urllib.parse
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT uscc, name, address FROM enterprise ORDER BY random() LIMIT 700").fetchall()
random.seed(1)
for uscc, name, address in rows:
    for q in (uscc[:12] if uscc else None, name[2:5] if name else None, address[3:8] if address else None):
        if q and len(q.encode()) >= 2:
            print("/api/v1/enterprises?q=" + urllib.parse.quote(q))
PY
cat >"$out/paths.lua" <<'LUA'
-- Each wrk thread walks the list from its own point (else both ask the same firm at once).
local paths, i, threads = {}, 0, 0
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
function setup(thread)
  thread:set("start", threads)
  threads = threads + 1
end
function init(args)
  i = math.floor((start or 0) * #paths / 2)
end
-- PAUSE_MS: each connection waits this long before its next request (a paced load: about
-- connections * 1000 / (PAUSE_MS + latency) requests a second; wrk times the request only).
local pause = tonumber(os.getenv("PAUSE_MS") or "0")
if pause > 0 then
  function delay() return pause end
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
LUA
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
run() { # name paths [seconds [connections [pause ms]]]
    local duration=${3:-$duration} conns=${4:-$conns} pause=${5:-0}
    echo "== $1: wrk -t2 -c$conns -d${duration}s, $(wc -l <"$2") distinct requests, $threads server threads$([ "$pause" = 0 ] || echo ", each connection pausing ${pause} ms between requests")"
    curl -s -o /dev/null -w "one request: %{http_code} in %{time_total} s\n" -b "crisk_session=$cookie" \
        "$url$(head -1 "$2")"
    local c0 c1 n
    c0=$(cpu_ticks)
    PAUSE_MS=$pause PATHS=$2 wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$out/paths.lua" \
        -H "Cookie: crisk_session=$cookie" "$url" | tee "$out/$1.wrk"
    local rate p99
    rate=$(awk '/^Requests\/sec/ { print $2 }' "$out/$1.wrk")
    p99=$(awk '$1 == "99%" { print $2 }' "$out/$1.wrk")
    c1=$(cpu_ticks)
    n=$(awk '/requests in/ { print $1 }' "$out/$1.wrk")
    # Server CPU per request: what a request costs whatever else the machine runs (a loaded
    # machine stretches the latencies above, not this).
    echo "$1: $rate requests/s, p99 $p99, server CPU $(echo "scale=2; ($c1 - $c0) * 1000 / $(getconf CLK_TCK) / $n" | bc) ms per request, load average $(cut -d' ' -f1 /proc/loadavg)"
}
python3 - "$url" "$cookie" "$out/portrait.paths" <<'PY'
import http.client, sys, urllib.parse
conn = http.client.HTTPConnection(urllib.parse.urlsplit(sys.argv[1]).netloc)
for path in open(sys.argv[3]).read().split():
    conn.request("GET", path, headers={"Cookie": "crisk_session=" + sys.argv[2]})
    conn.getresponse().read()
PY
audit0=$(sqlite3 "$db" "SELECT count(*) FROM audit")
run portrait "$out/portrait.paths"
# The goal's load: about 1,000 portraits a second (16 connections, 15 ms apart), p99 at that load.
run portrait_1000 "$out/portrait.paths" "$duration" 16 15
run portrait_cold "$out/portrait_cold.paths" $((duration / 2))
audit1=$(sqlite3 "$db" "SELECT count(*) FROM audit")
echo "portrait runs: $((audit1 - audit0)) audit rows written"
run search "$out/search.paths"
echo "store: $(sqlite3 "$db" "SELECT count(*) FROM enterprise") firms; build $(grep CMAKE_BUILD_TYPE "$(dirname "$crisk")/CMakeCache.txt" | cut -d= -f2)"
