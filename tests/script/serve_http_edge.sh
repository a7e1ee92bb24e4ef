#!/usr/bin/env bash
# HTTP edges of crisk serve found by a new user's tryout (issue 13, docs/serve.md "Limits and
# timeouts"): a client sending its headers a byte at a time is cut at header_timeout_s (one
# beside a normal client; many of them do not keep a normal request out; a kept-alive
# connection's next request too), whereas libmicrohttpd alone restarts its timeout at every
# byte; a long URL or large headers answer 414 / 431 as our error JSON with every security
# header; HEAD answers as GET without a body and Allow lists it; a body that is not JSON is 415
# and an unknown key of a write's object 400 naming it (every POST and PATCH route); the audit
# log's before must be an id; refused portrait reads (401, 403, 405) are audited with the USCC
# as object; a division argument is a division code (the city's own: the whole city; a prefix
# such as 44: 400); a run's created is ISO 8601 as the store's time; an API request's query
# arguments are the ones openapi.json declares for its route, each once (a misspelt one is 400
# naming it, not ignored with its filter).
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_http_edge "$@"
serve_city 400 11
D=$(q "SELECT district FROM enterprise GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "pw-admin-secret" | "$CRISK" user add --db "$db" --name admin --role city_admin >/dev/null
echo "pw-dist-secret" | "$CRISK" user add --db "$db" --name dist --role district --scope "$D" >/dev/null
echo "pw-audit-secret" | "$CRISK" user add --db "$db" --name aud --role auditor >/dev/null

# MHD's own timeout (60 s) far beyond ours (2 s): a cut within 15 s is ours.
cat >"$tmp/s.cfg" <<'EOF'
threads: 2
header_timeout_s: 2
request_timeout_s: 3
connection_timeout_s: 60
max_connections: 40
per_ip_connections: 40
audit_wait: 1
EOF
serve_start s "$tmp/s.cfg"
port=${U##*:}

# ---- 1. slow headers: cut at header_timeout_s, whatever MHD's timeout ----
# slow.py N MODE: N connections trickling a header byte every 0.4 s (MODE keepalive: after one
# whole request on the connection); prints how many were cut within 15 s, and the most seconds
# one took.
cat >"$tmp/slow.py" <<'PY'
import socket, sys, time
port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    if mode == "keepalive":
        s.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(65536)
        head, body = got.split(b"\r\n\r\n", 1)
        length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
        while len(body) < length:
            body += s.recv(65536)
    s.sendall(b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.setblocking(False)
    conns.append([s, time.monotonic(), None])
t0 = time.monotonic()
while time.monotonic() - t0 < 15 and any(c[2] is None for c in conns):
    for c in conns:
        if c[2] is not None:
            continue
        try:
            if c[0].recv(4096) == b"":
                c[2] = time.monotonic() - c[1]
                continue
        except BlockingIOError:
            pass
        except OSError:
            c[2] = time.monotonic() - c[1]
            continue
        try:
            c[0].send(b"a")
        except OSError:
            c[2] = time.monotonic() - c[1]
    time.sleep(0.4)
cut = [c[2] for c in conns if c[2] is not None]
print(len(cut), round(max(cut), 1) if cut else -1)
PY
python3 "$tmp/slow.py" "$port" 1 fresh >"$tmp/one" &
slow=$!
sleep 1
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$U/api/v1/openapi.json")
[ "$st" = 200 ] || fail "a normal request beside a slow client answered $st"
wait "$slow"
read -r ncut most <"$tmp/one"
[ "$ncut" = 1 ] || fail "a client sending a header byte every 0.4 s was not cut within 15 s (header_timeout_s 2)"
python3 "$tmp/slow.py" "$port" 1 keepalive >"$tmp/ka"
read -r ncut most <"$tmp/ka"
[ "$ncut" = 1 ] || fail "a kept-alive connection trickling its next request was not cut within 15 s"
# As many slow clients as the server takes connections: a normal request gets in once they
# are cut (before, it never did while they trickled).
python3 "$tmp/slow.py" "$port" 40 fresh >"$tmp/many" &
slow=$!
sleep 1
ok=0
for _ in $(seq 30); do
    st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$U/api/v1/openapi.json" || true)
    [ "$st" = 200 ] && { ok=1; break; }
    sleep 0.5
done
wait "$slow"
read -r ncut most <"$tmp/many"
[ "$ncut" = 40 ] || fail "of 40 slow clients $ncut were cut within 15 s"
[ "$ok" = 1 ] || fail "40 slow clients kept a normal request out"

# ---- 2. 414 / 431 as our error JSON with the security headers ----
hdrs() { # expected-status code, then curl arguments
    local want=$1 code=$2
    shift 2
    st=$(curl -s -D "$tmp/h" -o "$tmp/body" -w '%{http_code}' "$@")
    [ "$st" = "$want" ] || fail "$*: $st, expected $want"
    grep -q "\"code\":\"$code\"" "$tmp/body" || fail "$want without the error JSON: $(head -c 200 "$tmp/body")"
    for h in "Content-Security-Policy: default-src 'self'" "X-Content-Type-Options: nosniff" \
        "Referrer-Policy: no-referrer" "X-Frame-Options: DENY" "Cache-Control: no-store" \
        "Content-Type: application/json"; do
        grep -qi "^$h" "$tmp/h" || fail "$want without '$h'"
    done
}
long=$(head -c 9000 /dev/zero | tr '\0' a)
hdrs 414 uri_too_long "$U/api/v1/openapi.json?x=$long"
hdrs 414 uri_too_long "$U/api/v1/$long"
big=$(head -c 33000 /dev/zero | tr '\0' b)
hdrs 431 headers_too_large -H "X-Big: $big" "$U/api/v1/openapi.json"
hdrs 431 headers_too_large -H "X-A: ${big:0:17000}" -H "X-B: ${big:0:17000}" "$U/api/v1/openapi.json"
# Under the limits: served (the page, which ignores its query: an API route refuses x).
st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: ${big:0:30000}" "$U/?x=${long:0:7000}")
[ "$st" = 200 ] || fail "a 7,000-byte query and 30,000 bytes of headers answered $st"

# ---- 3. HEAD: GET without a body; Allow lists HEAD ----
curl -s -o "$tmp/get" -D "$tmp/gh" "$U/api/v1/openapi.json"
st=$(curl -s --head -o "$tmp/hh" -w '%{http_code} %{size_download}' "$U/api/v1/openapi.json")
[ "${st% *}" = 200 ] || fail "HEAD of the API description: $st"
len=$(tr -d '\r' <"$tmp/hh" | sed -n 's/^Content-Length: //Ip')
[ "$len" = "$(stat -c %s "$tmp/get")" ] || fail "HEAD's Content-Length $len is not the GET body's length"
st=$(curl -s -X HEAD --max-time 5 -o "$tmp/body" -w '%{http_code} %{size_download}' "$U/api/v1/openapi.json" || true)
[ "$st" = "200 0" ] || fail "HEAD sent a body: $st"
grep -qi "^Content-Security-Policy" "$tmp/hh" || fail "HEAD without the security headers"
st=$(curl -s --head -o /dev/null -w '%{http_code}' "$U/api/v1/me")
[ "$st" = 401 ] || fail "HEAD of /me without a session: $st"
st=$(curl -s -D "$tmp/h" -o "$tmp/body" -w '%{http_code}' -X DELETE "$U/api/v1/openapi.json")
[ "$st" = 405 ] || fail "DELETE: $st"
allow=$(tr -d '\r' <"$tmp/h" | sed -n 's/^Allow: //Ip')
[ "$allow" = "GET, HEAD" ] || fail "Allow of a GET route: '$allow'"
st=$(curl -s --head -D "$tmp/h" -o /dev/null -w '%{http_code}' "$U/api/v1/logout")
allow=$(tr -d '\r' <"$tmp/h" | sed -n 's/^Allow: //Ip')
[ "$st" = 405 ] && [ "$allow" = POST ] || fail "HEAD of a POST route: $st, Allow '$allow'"

# ---- 4. writes: JSON only (415), no unknown key (400 naming it) ----
login='{"name":"admin","password":"pw-admin-secret"}'
for type in text/plain application/x-www-form-urlencoded "multipart/form-data; boundary=x" \
    application/jsonx "application/json-patch+json"; do
    st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Content-Type: $type" -d "$login" "$U/api/v1/login")
    [ "$st" = 415 ] && grep -q '"code":"unsupported_media_type"' "$tmp/body" ||
        fail "a login as $type answered $st $(cat "$tmp/body")"
done
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Content-Type:" -d "$login" "$U/api/v1/login")
[ "$st" = 415 ] || fail "a login without Content-Type answered $st"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H "Content-Type: Application/JSON; charset=utf-8" -d "$login" "$U/api/v1/login")
[ "$st" = 200 ] || fail "a login as Application/JSON; charset=utf-8 answered $st $(cat "$tmp/body")"
[ "$(q "SELECT count(*) FROM audit WHERE action = 'login'")" = 1 ] || fail "a refused login body was audited as a login"
st=$(curl -s -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"name":"admin","password":"pw-admin-secret","remember":true}' "$U/api/v1/login")
[ "$st" = 400 ] && grep -q "unknown key 'remember'" "$tmp/body" || fail "a login with 'remember': $st $(cat "$tmp/body")"
[ "$(serve_login "$U" "$tmp/jar.ad" admin pw-admin-secret)" = 200 ] || fail "admin login"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")
[ "$(serve_login "$U" "$tmp/jar.d" dist pw-dist-secret)" = 200 ] || fail "dist login"
[ "$(serve_login "$U" "$tmp/jar.au" aud pw-audit-secret)" = 200 ] || fail "auditor login"
task=$(q "SELECT min(id) FROM task")
insp=$(q "SELECT min(id) FROM inspection")
write() { # method path body → status; body in $tmp/body
    curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.ad" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' -X "$1" -d "$3" "$U$2"
}
jobs0=$(curl -s -b "$tmp/jar.ad" "$U/api/v1/jobs")
for w in "POST /api/v1/plans" "POST /api/v1/tasks/$task/accept" "POST /api/v1/tasks/$task/visit" \
    "POST /api/v1/tasks/$task/close" "POST /api/v1/inspections/$insp/result" "POST /api/v1/jobs" \
    "POST /api/v1/users" "PATCH /api/v1/users/dist"; do
    read -r m p <<<"$w"
    st=$(write "$m" "$p" '{"Bogus_键":1}')
    [ "$st" = 400 ] && grep -q "unknown key 'Bogus_键'" "$tmp/body" || fail "$w with an unknown key: $st $(cat "$tmp/body")"
    st=$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.ad" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: text/plain' -X "$m" -d '{}' "$U$p")
    [ "$st" = 415 ] || fail "$w as text/plain: $st"
done
# A known key among unknown ones does not let them pass, and nothing was written.
st=$(write POST /api/v1/jobs '{"kind":"classify","force":true}')
[ "$st" = 400 ] && grep -q "unknown key 'force'" "$tmp/body" || fail "a job with 'force': $st"
[ "$(curl -s -b "$tmp/jar.ad" "$U/api/v1/jobs")" = "$jobs0" ] || fail "a refused job started"
st=$(write PATCH /api/v1/users/dist '{"disabled":true,"role":"city_admin"}')
[ "$st" = 400 ] || fail "a PATCH with 'role': $st"
[ "$(q "SELECT disabled || role FROM app_user WHERE name = 'dist'")" = 0district ] ||
    fail "a refused PATCH changed the user: $(q "SELECT disabled, role FROM app_user WHERE name = 'dist'")"
st=$(write POST "/api/v1/tasks/$task/accept" '{"note":"ok","notes":"typo"}')
[ "$st" = 400 ] && grep -q "unknown key 'notes'" "$tmp/body" || fail "accept with 'notes': $st"
[ "$(q "SELECT status FROM task WHERE id = $task")" = open ] || fail "a refused accept moved the task"
# a NUL in a string: said in the client's terms, not the JSON library's flag
st=$(write POST "/api/v1/tasks/$task/accept" '{"day":"2026-12-01\u0000"}')
[ "$st" = 400 ] && grep -qF 'a string holds \\u0000 (NUL)' "$tmp/body" && ! grep -q JSON_ALLOW_NUL "$tmp/body" ||
    fail "a NUL in a string: $st $(cat "$tmp/body")"

# ---- 5. audit: before is an id of at least 1 ----
aget() { curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.ad" "$U$1"; }
for b in 0 -1 x ""; do
    st=$(aget "/api/v1/audit?before=$b")
    [ "$st" = 400 ] || fail "audit before=$b answered $st"
done
st=$(aget "/api/v1/audit?before=1")
[ "$st" = 200 ] && [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$tmp/body")" = 0 ] ||
    fail "audit before=1: $st $(head -c 200 "$tmp/body")"
top=$(q "SELECT max(id) FROM audit")
st=$(aget "/api/v1/audit?before=$top&limit=1")
[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["id"])' "$tmp/body")" = $((top - 1)) ] ||
    fail "audit before=$top did not start below it"

# ---- 6. refused portrait reads are audited with the USCC ----
key=$(q "SELECT key FROM subject WHERE key NOT LIKE '%:%' ORDER BY key LIMIT 1")
lower=$(tr 'A-Z' 'a-z' <<<"$key")
n0=$(q "SELECT count(*) FROM audit")
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.au" "$U/api/v1/enterprises/$lower")
[ "$st" = 403 ] || fail "the auditor's portrait: $st"
st=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/enterprises/$key")
[ "$st" = 401 ] || fail "a portrait without a session: $st"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$U/api/v1/enterprises/$key")
[ "$st" = 405 ] || fail "POST on a portrait: $st"
st=$(curl -s --head -o /dev/null -w '%{http_code}' -b "$tmp/jar.d" "$U/api/v1/enterprises/$key")
got=$(q "SELECT user || '|' || role || '|' || action || '|' || object || '|' || status FROM audit WHERE id > $n0 ORDER BY id")
want="aud|auditor|portrait|$key|403
||portrait|$key|401
||portrait|$key|405
dist|district|portrait|$key|$st"
[ "$got" = "$want" ] || fail "the refused portraits' audit rows:
$got
expected
$want"
n0=$(q "SELECT count(*) FROM audit")
curl -s -o /dev/null "$U/api/v1/tasks/$task"
[ "$(q "SELECT object || '|' || status FROM audit WHERE id > $n0")" = "task:$task|401" ] || fail "an unauthenticated task read's row"

# ---- 7. division: a real code; the city's own is the whole city ----
city="${D:0:4}00"
street=$(q "SELECT street FROM enterprise WHERE district = '$D' AND street <> '' LIMIT 1")
count() { # jar path key → the number of rows
    curl -s -b "$tmp/jar.$1" "$U$2" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[sys.argv[1]]))' "$3"
}
for l in "warnings warnings" "tasks tasks" "inspections inspections"; do
    read -r path k <<<"$l"
    for j in ad d; do
        all=$(count "$j" "/api/v1/$path?limit=100000" "$k")
        [ "$j" = d ] || [ "$all" -gt 0 ] || fail "$path of the city: none to compare"
        c=$(count "$j" "/api/v1/$path?limit=100000&division=$city" "$k")
        [ "$c" = "$all" ] || fail "$path?division=$city (the city) of $j: $c, the whole list $all"
    done
    d=$(count ad "/api/v1/$path?limit=100000&division=$D" "$k")
    dd=$(count d "/api/v1/$path?limit=100000" "$k")
    [ "$d" = "$dd" ] || fail "$path?division=$D of admin: $d, the district user's $dd"
    for bad in 44 "${D:0:4}" "${street:0:7}" "${D}9" 440199 999900 "${D}x"; do
        st=$(curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.ad" "$U/api/v1/$path?division=$bad")
        [ "$st" = 400 ] || fail "$path?division=$bad answered $st"
    done
    st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.d" "$U/api/v1/$path?division=$street")
    [ "$st" = 200 ] || fail "$path?division=$street (a street) answered $st"
    # another city's own code (Shenzhen's, a known division) lists nothing, not the served city
    c=$(count ad "/api/v1/$path?limit=100000&division=440300" "$k")
    [ "$c" = 0 ] || fail "$path?division=440300 (another city) of admin: $c rows"
done
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.ad" "$U/api/v1/push.xlsx?division=$city")
[ "$st" = 200 ] || fail "the city's push workbook: $st"
st=$(curl -s -o "$tmp/city.xlsx" -w '%{http_code}' -b "$tmp/jar.d" "$U/api/v1/push.xlsx?division=$city")
[ "$st" = 200 ] || fail "the city's push workbook asked by a district (its own jurisdiction): $st"
curl -s -o "$tmp/own.xlsx" -b "$tmp/jar.d" "$U/api/v1/push.xlsx?division=$D"
python3 -c 'import sys, zipfile
a, b = (zipfile.ZipFile(f).read("xl/worksheets/sheet1.xml") for f in sys.argv[1:])
sys.exit(a != b)' "$tmp/city.xlsx" "$tmp/own.xlsx" || fail "the city's workbook asked by a district is not its district's"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.d" "$U/api/v1/push.xlsx?division=440300")
[ "$st" = 404 ] || fail "another city's push workbook asked by a district: $st"

# ---- 8. a run's created: ISO 8601, the store's time ----
curl -s -b "$tmp/jar.ad" "$U/api/v1/runs" >"$tmp/runs"
want=$(q "SELECT replace(created, ' ', 'T') || 'Z' FROM run ORDER BY id" | tr '\n' ' ')
got=$(python3 -c '
import json, re, sys
runs = sorted(json.load(open(sys.argv[1]))["runs"], key=lambda r: r["id"])
for r in runs:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["created"]), r["created"]
print(" ".join(r["created"] for r in runs), end=" ")' "$tmp/runs")
[ "$got" = "$want" ] || fail "runs' created: $got, the store's $want"

# ---- 9. query arguments: only the declared ones, each once ----
body=$(curl -s -w ' %{http_code}' -b "$tmp/jar.ad" "$U/api/v1/warnings?divison=$D")
case $body in
*"unknown query argument 'divison'"*division*" 400") ;;
*) fail "warnings?divison=…: $body" ;;
esac
body=$(curl -s -w ' %{http_code}' -b "$tmp/jar.ad" "$U/api/v1/tasks?division=$D&limit=5&division=$D")
case $body in *"'division' given twice"*" 400") ;; *) fail "tasks with division twice: $body" ;; esac
for arg in status division overdue; do # a filter without a value is no filter: refused
    body=$(curl -s -w ' %{http_code}' -b "$tmp/jar.ad" "$U/api/v1/tasks?$arg")
    case $body in *"'$arg' has no value"*" 400") ;; *) fail "tasks?$arg: $body" ;; esac
done
# a refused query of the portrait is audited as the portrait's other refusals, with the USCC;
# without a session it is 401 as any request
firm=$(q "SELECT s.key FROM subject s JOIN enterprise e ON e.subject = s.id LIMIT 1")
n0=$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND status = 400 AND object = '$firm'")
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.ad" "$U/api/v1/enterprises/$firm?x=1")
[ "$st" = 400 ] || fail "the portrait with ?x=1: $st"
st=$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/enterprises/$firm?x=1")
[ "$st" = 401 ] || fail "the portrait with ?x=1 without a session: $st"
for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND status = 400 AND object = '$firm'")" = $((n0 + 1)) ] && break
    sleep 0.1
done
[ "$(q "SELECT count(*) FROM audit WHERE action = 'portrait' AND status = 400 AND object = '$firm'")" = $((n0 + 1)) ] ||
    fail "the refused portrait query is not audited with the USCC"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.ad" "$U/api/v1/warnings?&limit=5&")
[ "$st" = 200 ] || fail "warnings?&limit=5& (empty parts): $st"
st=$(curl -s -o /dev/null -w '%{http_code}' "$U/?v=1")
[ "$st" = 200 ] || fail "the page with a cache-busting argument: $st"
# every API route and method (as the city's administrator, who may call each, with the CSRF
# token): an undeclared argument is refused before the handler runs; each declared one is taken
# (whatever its value makes of the request, it is not unknown)
python3 - "$src/server/openapi.json" >"$tmp/query-cases" <<'PY'
import json, sys
for path, ops in json.load(open(sys.argv[1]))["paths"].items():
    if not path.startswith("/api/"):
        continue
    for method, op in ops.items():
        keys = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
        url = path.replace("{", "").replace("}", "")
        print(method.upper(), url, " ".join(keys) or "-")
PY
while read -r method url keys; do
    body=$(curl -s -X "$method" -w ' %{http_code}' -b "$tmp/jar.ad" -H "X-CSRF-Token: $CSRF" "$U$url?zz=1")
    case $body in
    *"unknown query argument 'zz'"*" 400") ;;
    *) fail "$method $url?zz=1: $body" ;;
    esac
    [ "$keys" = - ] && continue
    for k in $keys; do
        body=$(curl -s -X "$method" -w ' %{http_code}' -b "$tmp/jar.ad" "$U$url?$k=1")
        case $body in *"unknown query argument"*) fail "$method $url?$k=1 (declared): $body" ;; esac
    done
done <"$tmp/query-cases"
[ "$(wc -l <"$tmp/query-cases")" -ge 30 ] || fail "only $(wc -l <"$tmp/query-cases") API operations read"

serve_stop "" clean
echo "serve_http_edge: ok"
