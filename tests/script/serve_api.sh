#!/usr/bin/env bash
# crisk serve against a real running server on a generated small city, with curl: login good and
# bad, login rate limits, CSRF, the authorization matrix (tests/api/matrix.tsv: every route ×
# every role × inside/outside the jurisdiction), results scoped to the jurisdiction, audit rows
# for portrait reads, errors as {"error":{code,message}}, security headers, huge and slow
# requests refused, session expiry (idle and absolute), no secrets in the store or the log.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_api "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 1500 --seed 11 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
"$CRISK" monitor --db "$db" >/dev/null
"$CRISK" plan --db "$db" --file "$tmp/city/plans/annual.yaml" --today 2026-01-05 >/dev/null
"$CRISK" draw --db "$db" --plan 1 --seed matrix --today 2026-01-06 --roster "$tmp/city/roster.csv" >/dev/null

# ---- jurisdictions and the four firms of the matrix ----
# The grid G has a warning whose firms all lie in it; its street another such warning of
# another grid, its district one of another street, and the city one outside the district:
# the matrix asks the warning and task routes about these four, the inspection routes about an
# inspection of a firm drawn in each of the four places.
q "CREATE TABLE t_wg AS SELECT w.id AS id, min(e.grid) AS g, max(e.grid) AS g2
   FROM warning w JOIN warning_firm wf ON wf.warning = w.id JOIN enterprise e ON e.subject = wf.subject
   WHERE w.status = 'open' GROUP BY w.id HAVING g = g2"
G=$(q "SELECT a.g FROM t_wg a
       WHERE EXISTS (SELECT 1 FROM t_wg b WHERE substr(b.g, 1, 9) = substr(a.g, 1, 9) AND b.g <> a.g)
       AND EXISTS (SELECT 1 FROM t_wg c WHERE substr(c.g, 1, 6) = substr(a.g, 1, 6)
                   AND substr(c.g, 1, 9) <> substr(a.g, 1, 9))
       GROUP BY a.g ORDER BY a.g LIMIT 1")
[ -n "$G" ] || fail "no grid of the city has warnings in the places the matrix needs"
S=${G:0:9}
D=${G:0:6}
declare -A warning
warning[in]=$(q "SELECT min(id) FROM t_wg WHERE g = '$G'")
warning[street]=$(q "SELECT min(id) FROM t_wg WHERE substr(g, 1, 9) = '$S' AND g <> '$G'")
warning[district]=$(q "SELECT min(id) FROM t_wg WHERE substr(g, 1, 6) = '$D' AND substr(g, 1, 9) <> '$S'")
warning[out]=$(q "SELECT min(id) FROM t_wg WHERE substr(g, 1, 6) <> '$D'")
declare -A firm division=([in]=$G [street]=$S [district]=$D)
for k in in street district out; do
    [ -n "${warning[$k]}" ] || fail "no $k warning in the city"
    firm[$k]=$(q "SELECT min(e.uscc) FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
                  WHERE wf.warning = ${warning[$k]}")
done
division[out]=$(q "SELECT district FROM enterprise WHERE uscc = '${firm[out]}'")
declare -A grid
for k in in street district out; do grid[$k]=$(q "SELECT grid FROM enterprise WHERE uscc = '${firm[$k]}'"); done
q "DROP TABLE t_wg"

roles=(city_admin city_analyst district street grid auditor)
declare -A scope=([city_admin]="" [city_analyst]="" [auditor]="" [district]=$D [street]=$S [grid]=$G)
for r in "${roles[@]}"; do
    args=(--db "$db" --name "u_$r" --role "$r")
    [ -n "${scope[$r]}" ] && args+=(--scope "${scope[$r]}")
    echo "pw-$r-secret" | "$CRISK" user add "${args[@]}" >/dev/null
done
echo "pw-x-secret" | "$CRISK" user add --db "$db" --name limited --role city_analyst >/dev/null

# ---- the workflow: the roster (the users who act are staff of it) and tasks ----
cp "$tmp/city/roster.csv" "$tmp/roster.csv"
printf 'u_city_admin,市局甲,city,440100,\nu_district,区局乙,district,%s,\nu_street,所丙,station,%s,\nu_grid,网格丁,grid,%s,\n' \
    "$D" "$S" "$G" >>"$tmp/roster.csv"
"$CRISK" roster --db "$db" --file "$tmp/roster.csv" >/dev/null
"$CRISK" dispatch --db "$db" --today 2026-01-05 >/dev/null
declare -A task inspection igrid
for k in in street district out; do
    task[$k]=$(q "SELECT min(id) FROM task WHERE warning = ${warning[$k]} AND kind = 'grid'")
    case $k in
    in) where="e.grid = '$G'" ;;
    street) where="e.street = '$S' AND e.grid <> '$G'" ;;
    district) where="e.district = '$D' AND e.street <> '$S'" ;;
    out) where="e.district <> '$D'" ;;
    esac
    inspection[$k]=$(q "SELECT min(i.id) FROM inspection i JOIN enterprise e ON e.subject = i.subject WHERE $where")
    [ -n "${task[$k]}" ] && [ -n "${inspection[$k]}" ] || fail "no task or inspection in the $k place"
    igrid[$k]=$(q "SELECT e.grid FROM inspection i JOIN enterprise e ON e.subject = i.subject WHERE i.id = ${inspection[$k]}")
done
python3 - "$tmp/city/plans" >"$tmp/plan_body.json" <<'PY'
import json, os, sys
d = sys.argv[1]
print(json.dumps({"text": open(os.path.join(d, "annual.yaml")).read(),
                  "files": {f: open(os.path.join(d, f)).read() for f in ("check_items.csv", "no_penalty.csv")}}))
PY

# ---- the server ----
start() { serve_start "$2" "$1"; } # config-file name → sets U
cat >"$tmp/main.cfg" <<'CFG'
# the test's policy numbers
threads: 2
connection_timeout_s: 2
request_timeout_s: 3
max_body_bytes: 4096
login_failures_name: 3
login_failures_addr: 1000
audit_wait: 1 # the strict setting: the rows are counted right after the answers
CFG
start "$tmp/main.cfg" main

# req METHOD PATH JAR [BODY [CSRF]] → the status; the body in $tmp/body, headers in $tmp/headers
req() {
    local args=(-s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$1")
    [ "$3" != - ] && args+=(-b "$3" -c "$3")
    [ $# -ge 4 ] && [ -n "$4" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
    [ $# -ge 5 ] && [ -n "$5" ] && args+=(-H "X-CSRF-Token: $5")
    curl "${args[@]}" "$U$2"
}
jget() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); exec("print(" + sys.argv[2] + ")")' "$tmp/body" "$1"; }
declare -A token
login() { # role jar → token
    local st
    st=$(req POST /api/v1/login "$2" "{\"name\":\"u_$1\",\"password\":\"pw-$1-secret\"}")
    [ "$st" = 200 ] || fail "login of u_$1: $st $(cat "$tmp/body")"
    jget 'o["csrf_token"]'
}
for r in "${roles[@]}"; do
    : >"$tmp/jar.$r"
    token[$r]=$(login "$r" "$tmp/jar.$r")
done

# ---- security headers and the error shape, on every kind of answer ----
check_headers() {
    for h in "Content-Security-Policy: default-src 'self'; script-src 'self'" \
        'X-Content-Type-Options: nosniff' 'Referrer-Policy: no-referrer' 'X-Frame-Options: DENY'; do
        grep -i >/dev/null -F "$h" "$tmp/headers" || fail "$1: no '$h' header"
    done
    grep -i 'Content-Security-Policy' "$tmp/headers" | grep >/dev/null "unsafe-inline" &&
        fail "$1: the CSP allows inline script"
    true
}
check_error() { # what status code
    [ "$(jget 'sorted(o.keys()) == ["error"] and sorted(o["error"].keys()) == ["code", "message"]')" = True ] ||
        fail "$1: not {\"error\":{code,message}}: $(cat "$tmp/body")"
    [ "$(jget 'o["error"]["code"]')" = "$2" ] || fail "$1: error code $(jget 'o["error"]["code"]'), expected $2"
}
st=$(req GET / -); [ "$st" = 200 ] && check_headers index
st=$(req GET /api/v1/me "$tmp/jar.grid"); [ "$st" = 200 ] && check_headers me
st=$(req GET /api/v1/nothing -); [ "$st" = 404 ] || fail "unknown path: $st"
check_headers 404; check_error 404 not_found
st=$(req GET /api/v1/me -); [ "$st" = 401 ] || fail "me without a session: $st"
check_headers 401; check_error 401 unauthenticated
st=$(req DELETE /api/v1/me "$tmp/jar.grid"); [ "$st" = 405 ] || fail "DELETE me: $st"
grep -i >/dev/null '^Allow: GET' "$tmp/headers" || fail "405 without Allow: GET"
check_error 405 method_not_allowed
st=$(req GET /api/v1/enterprises/NOTAUSCC "$tmp/jar.city_admin"); [ "$st" = 400 ] || fail "bad USCC: $st"
check_error 400 bad_uscc
st=$(req POST /api/v1/login - '[1,2'); [ "$st" = 400 ] || fail "bad JSON: $st"
check_error 400 bad_json

# ---- login ----
st=$(req POST /api/v1/login - '{"name":"u_grid","password":"wrong"}'); [ "$st" = 401 ] || fail "bad password: $st"
check_error "bad password" bad_login
cp "$tmp/body" "$tmp/bad_pw"
st=$(req POST /api/v1/login - '{"name":"nobody","password":"wrong"}'); [ "$st" = 401 ] || fail "unknown user: $st"
cmp -s "$tmp/body" "$tmp/bad_pw" || fail "an unknown name answers otherwise than a bad password"
st=$(req POST /api/v1/login - '{"name":"u_grid"}'); [ "$st" = 400 ] || fail "login without password: $st"
grep -i 'Set-Cookie' "$tmp/headers" >/dev/null && fail "a failed login set a cookie"
: >"$tmp/jar.x"
st=$(req POST /api/v1/login "$tmp/jar.x" '{"name":"u_grid","password":"pw-grid-secret"}')
grep -i '^Set-Cookie: crisk_session=' "$tmp/headers" | grep -i 'HttpOnly' | grep >/dev/null -i 'SameSite=Strict' ||
    fail "the session cookie is not HttpOnly and SameSite=Strict"
# Rate limit per name: 3 failures, then even the right password is refused for a while.
for i in 1 2 3; do
    st=$(req POST /api/v1/login - '{"name":"limited","password":"wrong"}')
    [ "$st" = 401 ] || fail "failure $i of limited: $st"
done
st=$(req POST /api/v1/login - '{"name":"limited","password":"pw-x-secret"}')
[ "$st" = 429 ] || fail "a 4th login after 3 failures: $st, expected 429"
check_error 429 too_many_attempts
grep -i >/dev/null '^Retry-After' "$tmp/headers" || fail "429 without Retry-After"
st=$(req POST /api/v1/login - '{"name":"u_street","password":"pw-street-secret"}')
[ "$st" = 200 ] || fail "another name from the same address was limited too: $st"

# ---- CSRF: every write needs the session's own token ----
body='{"name":"csrf_user","password":"p-12345678","role":"grid","scope":"'$G'"}'
st=$(req POST /api/v1/users "$tmp/jar.city_admin" "$body"); [ "$st" = 403 ] || fail "write without CSRF: $st"
check_error "no CSRF" csrf
st=$(req POST /api/v1/users "$tmp/jar.city_admin" "$body" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA)
[ "$st" = 403 ] || fail "write with a wrong CSRF token: $st"
st=$(req POST /api/v1/users "$tmp/jar.city_admin" "$body" "${token[grid]}")
[ "$st" = 403 ] || fail "write with another session's CSRF token: $st"
[ "$(q "SELECT count(*) FROM app_user WHERE name = 'csrf_user'")" = 0 ] || fail "a refused write wrote"
st=$(req POST /api/v1/users "$tmp/jar.city_admin" "$body" "${token[city_admin]}")
[ "$st" = 201 ] || fail "write with the CSRF token: $st $(cat "$tmp/body")"
st=$(req POST /api/v1/users "$tmp/jar.city_admin" "$body" "${token[city_admin]}")
[ "$st" = 409 ] || fail "the same user again: $st"

# ---- the workflow's objects of the matrix: tasks closed, inspections with a result, so that
# a transition or a result the matrix asks passes the role and the jurisdiction and is then
# refused by the lifecycle (409), writing nothing ----
for k in in street district out; do
    st=$(req POST "/api/v1/tasks/${task[$k]}/accept" "$tmp/jar.city_admin" '{"note":"matrix"}' "${token[city_admin]}")
    [ "$st" = 200 ] || fail "accept task ${task[$k]} as city_admin: $st $(cat "$tmp/body")"
    st=$(req POST "/api/v1/tasks/${task[$k]}/close" "$tmp/jar.city_admin" '{"outcome":"confirmed","note":"matrix"}' \
        "${token[city_admin]}")
    [ "$st" = 200 ] || fail "close task ${task[$k]} as city_admin: $st $(cat "$tmp/body")"
    [ "$(q "SELECT status FROM task WHERE id = ${task[$k]}")" = closed ] || fail "task ${task[$k]} not closed"
    st=$(req POST "/api/v1/inspections/${inspection[$k]}/result" "$tmp/jar.city_admin" '{"result":"1"}' \
        "${token[city_admin]}")
    [ "$st" = 200 ] || fail "result of inspection ${inspection[$k]}: $st $(cat "$tmp/body")"
done

# ---- the authorization matrix ----
portrait_before=$(q "SELECT count(*) FROM audit WHERE action = 'portrait'")
n_portrait=0 n_checked=0 n=0
declare -A covered
while IFS=$'\t' read -r method route request role c_in c_street c_district c_out; do
    case $method in '#'* | '') continue ;; esac
    covered["$method $route $role"]=1
    jar=$tmp/jar.$role
    [ "$role" = anon ] && jar=-
    body='' csrf=''
    [ "$role" != anon ] && csrf=${token[$role]}
    case $route in
    /api/v1/login)
        who=$role; [ "$role" = anon ] && who=grid
        body="{\"name\":\"u_$who\",\"password\":\"pw-$who-secret\"}" jar=$tmp/jar.throwaway
        : >"$jar" ;;
    /api/v1/logout)
        if [ "$role" != anon ]; then
            jar=$tmp/jar.throwaway; : >"$jar"
            csrf=$(login "$role" "$jar")
        fi ;;
    /api/v1/users)
        n=$((n + 1))
        body="{\"name\":\"m_${role}_$n\",\"password\":\"p-12345678\",\"role\":\"grid\",\"scope\":\"$G\"}" ;;
    /api/v1/users/\{name\}) body='{"disabled":false}' ;;
    /api/v1/tasks/\{id\}/close) body='{"outcome":"confirmed","note":"matrix"}' ;;
    /api/v1/tasks/\{id\}/*) body='{"note":"matrix"}' ;;
    /api/v1/inspections/\{id\}/result) body='{"result":"1"}' ;;
    /api/v1/plans) [ "$method" = POST ] && body=@$tmp/plan_body.json ;;
    /api/v1/jobs) [ "$method" = POST ] && body='{"kind":"classify"}' ;;
    esac
    declare -A want=([in]=$c_in [street]=$c_street [district]=$c_district [out]=$c_out)
    for k in in street district out; do
        [ "${want[$k]}" = - ] && continue
        path=${request//\{firm\}/${firm[$k]}}
        path=${path//\{warning\}/${warning[$k]}}
        path=${path//\{task\}/${task[$k]}}
        path=${path//\{inspection\}/${inspection[$k]}}
        path=${path//\{division\}/${division[$k]}}
        path=${path//\{grid\}/${grid[$k]}}
        path=${path//\{igrid\}/${igrid[$k]}}
        st=$(req "$method" "$path" "$jar" "$body" "$csrf")
        if [ "$method $route" = "POST /api/v1/jobs" ] && [ "$st" = 202 ]; then
            # One job at a time: the next row's waits for this one to end.
            id=$(jget 'o["id"]')
            for _ in $(seq 600); do
                req GET "/api/v1/jobs/$id" "$tmp/jar.city_admin" >/dev/null
                [ "$(jget 'o["state"]')" = running ] || break
                sleep 0.1
            done
            [ "$(jget 'o["state"]')" = done ] || fail "job $id: $(cat "$tmp/body")"
            req GET "/api/v1/jobs/$id" "$tmp/jar.city_admin" >/dev/null
        fi
        exp=${want[$k]}
        [ "$st" = "${exp%%#*}" ] || fail "$method $path as $role ($k): $st, expected ${exp%%#*}: $(cat "$tmp/body")"
        if [ "$exp" != "${exp#*#}" ]; then
            got=$(jget 'o["count"]')
            if [ "${exp#*#}" = + ]; then
                [ "$got" -ge 1 ] || fail "$method $path as $role ($k): $got results, expected some"
            else
                [ "$got" = "${exp#*#}" ] || fail "$method $path as $role ($k): $got results, expected ${exp#*#}"
            fi
        fi
        [ "$st" -ge 400 ] && check_error "$method $path as $role" "$(jget 'o["error"]["code"]')"
        check_headers "$method $path as $role"
        # every portrait request is audited, an unauthenticated one too (user and role empty)
        case $route in /api/v1/enterprises/\{uscc\}) n_portrait=$((n_portrait + 1)) ;; esac
        n_checked=$((n_checked + 1))
        [ "$route" = "/api/v1/logout" ] || [ "$route" = "/api/v1/login" ] || [ "$st" -lt 300 ] || continue
    done
    unset want
done <"$src/tests/api/matrix.tsv"
while read -r method route _; do
    for r in anon "${roles[@]}"; do
        [ -n "${covered["$method $route $r"]:-}" ] || fail "matrix.tsv has no row for $method $route as $r"
    done
done < <("$CRISK" serve --routes)
echo "serve_api: $n_checked requests of the matrix as expected"

# ---- a draw's verification: what may name firms of any district is the city's alone ----
req GET /api/v1/draws/1/verify "$tmp/jar.city_analyst" >/dev/null
[ "$(jget '"problems" in o["report"]')" = True ] || fail "verify as the city: no problems list: $(cat "$tmp/body")"
for r in district street grid; do
    req GET /api/v1/draws/1/verify "$tmp/jar.$r" >/dev/null
    [ "$(jget '[k for k in ("problems", "first_difference", "inspection_differences") if k in o["report"]] == [] and "problems_count" in o["report"]')" = True ] ||
        fail "verify as $r shows what may name other districts' firms: $(cat "$tmp/body")"
done

# ---- audit: one row per portrait request (read, refused, unauthenticated or not found), naming user and firm ----
portrait_after=$(q "SELECT count(*) FROM audit WHERE action = 'portrait'")
[ $((portrait_after - portrait_before)) = "$n_portrait" ] ||
    fail "audit: $((portrait_after - portrait_before)) portrait rows for $n_portrait portrait requests"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND user = 'u_district' AND role = 'district'
        AND object = '${firm[out]}' AND status = 404")" -ge 1 ] || fail "audit: no row of the district user's refused read"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'user.add' AND user = 'u_city_admin' AND status = 201")" -ge 2 ] ||
    fail "audit: the user writes are not logged"
st=$(req GET '/api/v1/audit?limit=5' "$tmp/jar.auditor"); [ "$st" = 200 ] || fail "audit log: $st"
[ "$(jget 'len(o["rows"])')" = 5 ] || fail "audit?limit=5 gave $(jget 'len(o["rows"])') rows"

# ---- zero cross-jurisdiction reads: every result lies inside ----
for r in district street grid; do
    field=$r; code=${scope[$r]}
    st=$(req GET "/api/v1/enterprises?q=%E5%B9%BF%E5%B7%9E&limit=20" "$tmp/jar.$r") # 广州
    [ "$st" = 200 ] || fail "search as $r: $st"
    [ "$(jget "all(x['$field'] == '$code' for x in o['results']) and len(o['results']) > 0")" = True ] ||
        fail "search as $r gave firms outside $code: $(cat "$tmp/body")"
    st=$(req GET "/api/v1/runs/latest/levels?by=grid" "$tmp/jar.$r")
    [ "$(jget "all(x['code'].startswith('$code') for x in o['rows']) and len(o['rows']) > 0")" = True ] ||
        fail "levels as $r gave divisions outside $code: $(cat "$tmp/body")"
    st=$(req GET "/api/v1/enterprises/${firm[in]}" "$tmp/jar.$r")
    [ "$(jget "all(x['$field'] == '$code' for x in o['linked'])")" = True ] ||
        fail "the portrait as $r lists linked firms outside $code"
done
# The level counts a district user sees are the store's own for that district.
st=$(req GET "/api/v1/runs/latest/levels?by=district" "$tmp/jar.district")
want=$(q "SELECT group_concat(n, ',') FROM (SELECT count(*) AS n FROM run_score r JOIN enterprise e
          ON e.subject = r.subject WHERE r.run = (SELECT max(id) FROM run) AND e.district = '$D'
          GROUP BY r.level ORDER BY r.level)")
got=$(jget "','.join(str(o['rows'][0][l]) for l in 'ABCD' if o['rows'][0][l])")
[ "$got" = "$want" ] || fail "district level counts $got, the store says $want"
# The portrait's level and score are the store's.
st=$(req GET "/api/v1/enterprises/${firm[in]}" "$tmp/jar.grid")
want=$(q "SELECT r.level || ' ' || printf('%.6f', r.score) FROM run_score r JOIN enterprise e ON e.subject = r.subject
          WHERE e.uscc = '${firm[in]}' AND r.run = (SELECT max(id) FROM run)")
[ "$(jget "o['level']['level'] + ' ' + '%.6f' % o['level']['score']")" = "$want" ] || fail "portrait level/score differ from the store"
[ "$(jget "len(o['aspects']) == 5 and all(a['name'] for a in o['aspects']) and len(o['top']) > 0")" = True ] ||
    fail "portrait without named aspects and contributions"
[ "$(jget "all('*' in p['name'] for p in o['persons'] if p['name'])")" = True ] || fail "persons not masked"

# ---- nothing public carries a level or a score ----
for path in / /api/v1/openapi.json; do
    req GET "$path" - >/dev/null
    grep >/dev/null -E "${firm[in]}|\"level\": *\"[ABCD]\"|\"score\": *[0-9]" "$tmp/body" && fail "$path shows enterprise data"
done
req GET /api/v1/openapi.json - >/dev/null
cmp -s "$tmp/body" "$src/server/openapi.json" || fail "the served openapi.json is not server/openapi.json"

# ---- huge and slow requests ----
head -c 100000 /dev/zero | tr '\0' a >"$tmp/big"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' --data-binary @"$tmp/big" "$U/api/v1/login")
[ "$st" = 413 ] || fail "a 100 kB body: $st, expected 413"
check_error 413 too_large
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/big" "$U/api/v1/login")
[ "$st" = 413 ] || fail "a 100 kB chunked body: $st, expected 413"
python3 - "${U##*:}" <<'PY' || fail "a slow request was not cut off"
import socket, sys
port = int(sys.argv[1])
# Headers that never end: the connection is closed after connection_timeout_s (2 s here).
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(30)
s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")
assert s.recv(100) == b"", "partial headers: the server answered instead of closing"
# A body that trickles: closed once request_timeout_s (3 s) has passed.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(30)
s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
import time
closed = False
for i in range(40):
    try:
        s.sendall(b"a")
    except OSError:
        closed = True
        break
    s.settimeout(0.5)
    try:
        if s.recv(100) == b"":
            closed = True
            break
    except socket.timeout:
        pass
    except OSError:
        closed = True
        break
assert closed, "a body trickling for 20 s was still being read"
PY

# ---- no secrets kept: no password or session id in the store, the WAL or the log ----
cookie=$(awk '$6 == "crisk_session" { print $7 }' "$tmp/jar.grid")
[ -n "$cookie" ] || fail "no session cookie in the jar"
for f in "$db" "$db-wal" "$tmp/main.err" "$tmp/main.out"; do
    [ -f "$f" ] || continue
    grep -a >/dev/null -F -e "pw-grid-secret" -e "$cookie" -e "${token[grid]}" "$f" && fail "a secret in $(basename "$f")"
done
[ "$(q "SELECT count(*) FROM app_user WHERE pwhash LIKE '\$argon2id\$%'")" = "$(q "SELECT count(*) FROM app_user")" ] ||
    fail "passwords not hashed with argon2id"

# ---- logout ends the session ----
st=$(req POST /api/v1/logout "$tmp/jar.x" "" "$(cat /dev/null)")
[ "$st" = 403 ] || fail "logout without CSRF: $st"

# ---- expiry: idle and absolute, on a server with short sessions ----
cat >"$tmp/short.cfg" <<'CFG'
session_idle_s: 3
session_max_s: 8
login_failures_addr: 4
login_failures_name: 100
CFG
# Login failures live in the store, shared by both servers: the main server's failures from
# this address above would count against this one's limit of 4.
q "DELETE FROM login_failure"
start "$tmp/short.cfg" short
: >"$tmp/jar.idle"
login grid "$tmp/jar.idle" >/dev/null
st=$(req GET /api/v1/me "$tmp/jar.idle"); [ "$st" = 200 ] || fail "fresh session: $st"
sleep 4.2
st=$(req GET /api/v1/me "$tmp/jar.idle"); [ "$st" = 401 ] || fail "a session idle past session_idle_s: $st"
: >"$tmp/jar.abs"
t0=$(date +%s)
login grid "$tmp/jar.abs" >/dev/null
# Used every second, the session still ends session_max_s after login. Seconds are whole, so
# it may end up to a second early; a gap near session_idle_s (a loaded machine) proves nothing.
last_ok=$(date +%s)
for i in $(seq 40); do
    sleep 1
    t=$(date +%s)
    st=$(req GET /api/v1/me "$tmp/jar.abs")
    [ "$st" = 200 ] || break
    last_ok=$(date +%s)
done
[ "$st" = 401 ] || fail "a session in use for 40 s with session_max_s 8: still $st"
if [ $((t - last_ok)) -lt 2 ]; then
    [ $((t - t0)) -ge 7 ] || fail "a session in use ended after $((t - t0)) s, before session_max_s (8)"
else
    echo "serve_api: note: the absolute expiry check is inconclusive (a gap of $((t - last_ok)) s)"
fi
# Per address: 4 failures with four names, then a fifth name is refused too.
for i in 1 2 3 4; do req POST /api/v1/login - "{\"name\":\"n$i\",\"password\":\"x\"}" >/dev/null; done
st=$(req POST /api/v1/login - '{"name":"u_grid","password":"pw-grid-secret"}')
[ "$st" = 429 ] || fail "login after 4 failures from this address: $st, expected 429"
# Both servers stop cleanly on SIGTERM (exit 0; under ASan, no leak or error report).
for p in "${serve_pids[@]}"; do serve_stop "$p" clean TERM; done
if grep -l 'Sanitizer' "$tmp"/*.err 2>/dev/null; then fail "a sanitizer report: $(cat "$tmp"/*.err)"; fi
echo "serve_api: ok"
