# Sourced by the serve tests (tests/script/serve_*.sh): the preamble and the start, stop and
# login of a server they share, so that a fix lands once. Not a test of its own:
# tests/CMakeLists.txt leaves it out of the script tests.
#   serve_init NAME "$@"        CRISK (the binary, $1 made absolute), src (the source tree), tmp
#                               (a fresh directory, removed at exit with every server started),
#                               db=$tmp/s.db; fail MESSAGE; q SQL (sqlite3 on db)
#   serve_start NAME [CONFIG]   crisk serve on db, on a free port (CONFIG: a configuration file),
#                               output in $tmp/NAME.out and $tmp/NAME.err; sets U (its URL,
#                               http://127.0.0.1:PORT) and SERVE_PID
#   serve_stop [PID] [clean] [SIGNAL]   SIGNAL (default INT) to PID (default: the last server
#                               started); clean: it must end within 30 s with exit 0
#   serve_login URL JAR NAME PASSWORD   echoes the status; cookies in JAR, the body in
#                               $tmp/login.json
#   serve_city ENTERPRISES SEED  a synthetic city in $tmp/city run through the loop into db:
#                               ingest, classify, monitor, roster, dispatch (2026-01-05), the
#                               annual plan (2026-01-05) and its draw (seed s, 2026-01-06)
#   user_expect CODE FRAGMENT -- ARGS…   crisk user ARGS (stdin: the password) must exit CODE
#                               and, unless FRAGMENT is empty, say FRAGMENT (output in $tmp/out,
#                               $tmp/err)
serve_init() {
    SERVE_TEST=$1
    CRISK=$(realpath "${2:?usage: $1.sh CRISK}")
    src=${CRISK_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    tmp=$(mktemp -d)
    db=$tmp/s.db
    serve_pids=()
    SERVE_PID=
    trap serve_cleanup EXIT
}

serve_cleanup() {
    local p
    for p in "${serve_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}

fail() {
    echo "$SERVE_TEST: FAIL: $*" >&2
    exit 1
}

q() { sqlite3 "$db" "$1"; }

serve_city() {
    "$CRISK" gen --out "$tmp/city" --enterprises "$1" --seed "$2" >/dev/null
    "$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
    "$CRISK" classify --db "$db" >/dev/null
    "$CRISK" monitor --db "$db" >/dev/null
    "$CRISK" roster --db "$db" --file "$tmp/city/roster.csv" >/dev/null
    "$CRISK" dispatch --db "$db" --today 2026-01-05 >/dev/null
    "$CRISK" plan --db "$db" --file "$tmp/city/plans/annual.yaml" --today 2026-01-05 >/dev/null
    "$CRISK" draw --db "$db" --plan 1 --seed s --today 2026-01-06 --roster "$tmp/city/roster.csv" \
        >/dev/null
}

serve_start() {
    local name=$1 cfg=${2:-}
    local args=(serve --db "$db" --listen 127.0.0.1:0)
    [ -n "$cfg" ] && args+=(--config "$cfg")
    rm -f "$tmp/$name.out" # an old run's listening line must not be read for this one's
    "$CRISK" "${args[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    SERVE_PID=$!
    serve_pids+=("$SERVE_PID")
    # Up to 60 s on a loaded machine; the whole line (its URL), not one still being written.
    for _ in $(seq 600); do
        grep >/dev/null 'listening on http://[0-9.:]*/' "$tmp/$name.out" 2>/dev/null && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    U=$(sed -n 's|.*listening on \(http://[0-9.:]*\)/.*|\1|p' "$tmp/$name.out")
    [ -n "$U" ] || fail "the server did not start: $(cat "$tmp/$name.err")"
}

serve_stop() {
    local p=${1:-$SERVE_PID} how=${2:-} sig=${3:-INT} k
    kill -"$sig" "$p" 2>/dev/null || true
    if [ "$how" = clean ]; then
        for _ in $(seq 300); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$p" 2>/dev/null && fail "the server did not stop within 30 s: $(tail -n 5 "$tmp"/*.err)"
        wait "$p" || fail "the server did not stop cleanly: $(tail -n 5 "$tmp"/*.err)"
    else
        wait "$p" 2>/dev/null || true
    fi
    for k in "${!serve_pids[@]}"; do [ "${serve_pids[k]}" = "$p" ] && unset 'serve_pids[k]'; done
    serve_pids=("${serve_pids[@]}")
    return 0
}

serve_login() {
    curl -s -o "$tmp/login.json" -w '%{http_code}' -c "$2" -H 'Content-Type: application/json' \
        -d "{\"name\":\"$3\",\"password\":\"$4\"}" "$1/api/v1/login"
}

user_expect() {
    local want=$1 frag=$2
    shift 3
    set +e
    "$CRISK" user "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "crisk user $*: exit $rc, expected $want: $(cat "$tmp/err")"
    [ -z "$frag" ] || grep >/dev/null -F "$frag" "$tmp/err" "$tmp/out" ||
        fail "crisk user $*: no '$frag' in: $(cat "$tmp/err" "$tmp/out")"
}
