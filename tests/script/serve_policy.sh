#!/usr/bin/env bash
# Policies of crisk serve found by the tryout of issue 13 (docs/serve.md): two servers with
# different session settings on one store do not log each other's users out (a login clears
# only sessions ended under any configuration; each server judges a session by its own
# settings); a login's audit row names the user's role (none for an unknown name); POST
# /api/v1/users refuses a password of fewer than password_min_chars characters; a limit above
# the configured most is clamped to it (search, audit log, warnings, tasks, inspections) while 0
# or a word is 400; the hit rate and level counts of a run that does not exist are 404; the
# model page's counts are those docs/web.md states.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_policy "$@"
serve_city 400 7
D=$(q "SELECT district FROM enterprise GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "pw-admin-secret" | "$CRISK" user add --db "$db" --name admin --role city_admin >/dev/null
echo "pw-dist-secret" | "$CRISK" user add --db "$db" --name dist --role district --scope "$D" >/dev/null

# ---- two servers, one store: A ends sessions after 2 s idle / 3 s, B keeps the defaults ----
printf 'session_idle_s: 2\nsession_max_s: 3\n' >"$tmp/a.cfg"
printf 'search_limit: 5\naudit_page: 3\nlist_limit: 4\n' >"$tmp/b.cfg"
serve_start a "$tmp/a.cfg"
A=$U
serve_start b "$tmp/b.cfg"
B=$U
[ "$(serve_login "$B" "$tmp/jar.b" dist pw-dist-secret)" = 200 ] || fail "login on B: $(cat "$tmp/login.json")"
sleep 4 # B's session is now older than A's session_max_s
[ "$(serve_login "$A" "$tmp/jar.a" admin pw-admin-secret)" = 200 ] || fail "login on A: $(cat "$tmp/login.json")"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.b" "$B/api/v1/me")
[ "$st" = 200 ] || fail "a login on server A (3 s sessions) ended server B's session: B answers $st"
[ "$(q "SELECT count(*) FROM app_session")" = 2 ] || fail "sessions in the store: $(q "SELECT count(*) FROM app_session")"
# A still ends its own sessions by its settings (the near miss): idle 3 s > 2 s.
sleep 3
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.a" "$A/api/v1/me")
[ "$st" = 401 ] || fail "server A's idle session answered $st"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.b" "$B/api/v1/me")
[ "$st" = 200 ] || fail "B's session after A refused its own: $st"
serve_stop "" clean
serve_stop "${serve_pids[0]}" clean

# ---- logins' audit rows name the role ----
serve_start b "$tmp/b.cfg"
B=$U
[ "$(serve_login "$B" "$tmp/jar.d" dist pw-dist-secret)" = 200 ] || fail "login of dist"
[ "$(serve_login "$B" "$tmp/jar.x" dist wrong-password)" = 401 ] || fail "a wrong password was taken"
[ "$(serve_login "$B" "$tmp/jar.x" nobody wrong-password)" = 401 ] || fail "an unknown name was taken"
[ "$(serve_login "$B" "$tmp/jar.ad" admin pw-admin-secret)" = 200 ] || fail "login of admin"
want=$'dist|district|200\ndist|district|401\nnobody||401\nadmin|city_admin|200'
got=$(q "SELECT user || '|' || role || '|' || status FROM audit WHERE action = 'login' ORDER BY id DESC LIMIT 4" | tac)
[ "$got" = "$want" ] || fail "the logins' audit rows: $got"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")

# ---- POST /api/v1/users: password_min_chars (8) ----
adduser() { # name password → status, body in $tmp/body
    curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.ad" -H "X-CSRF-Token: $CSRF" \
        -H 'Content-Type: application/json' \
        -d "{\"name\":\"$1\",\"password\":\"$2\",\"role\":\"auditor\",\"scope\":\"\"}" "$B/api/v1/users"
}
st=$(adduser shorty 1234567)
[ "$st" = 400 ] && grep -q 'needs at least 8 (password_min_chars)' "$tmp/body" ||
    fail "a 7-character password: $st $(cat "$tmp/body")"
st=$(adduser shorty 密码密码密码密)
[ "$st" = 400 ] || fail "7 Chinese characters (21 bytes): $st $(cat "$tmp/body")"
st=$(adduser longer 12345678)
[ "$st" = 201 ] || fail "an 8-character password: $st $(cat "$tmp/body")"
[ "$(q "SELECT count(*) FROM app_user WHERE name = 'shorty'")" = 0 ] || fail "the short password's user was added"

# ---- limit above the most: clamped; 0 or a word: 400 ----
get() { curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.$1" "$B$2"; }
count() { python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(len(o[sys.argv[2]]))' "$tmp/body" "$1"; }
for c in "ad /api/v1/enterprises?q=公司&limit= results 5" "ad /api/v1/audit?limit= rows 3" \
    "ad /api/v1/warnings?limit= warnings 4" "ad /api/v1/tasks?limit= tasks 4" "ad /api/v1/inspections?limit= inspections 4"; do
    read -r jar path key most <<<"$c"
    st=$(get "$jar" "${path}999999999")
    [ "$st" = 200 ] || fail "$path above the most answered $st $(cat "$tmp/body")"
    [ "$(count "$key")" = "$most" ] || fail "$path above the most: $(count "$key") $key, expected $most"
    st=$(get "$jar" "${path}2")
    [ "$st" = 200 ] && [ "$(count "$key")" = 2 ] || fail "$path 2: $st, $(count "$key") $key"
    for bad in 0 -1 many; do
        st=$(get "$jar" "$path$bad")
        [ "$st" = 400 ] || fail "$path$bad answered $st"
    done
done

# ---- a run that does not exist: 404 ----
last=$(q "SELECT max(id) FROM run")
for r in "$last" latest; do
    for p in hits levels; do
        st=$(get d "/api/v1/runs/$r/$p")
        [ "$st" = 200 ] || fail "run $r $p: $st"
    done
done
for p in hits levels; do
    st=$(get d "/api/v1/runs/$((last + 8))/$p")
    [ "$st" = 404 ] && grep -q '"code":"not_found"' "$tmp/body" || fail "an unknown run's $p answered $st $(cat "$tmp/body")"
done
st=$(get d "/api/v1/runs/x/hits")
[ "$st" = 400 ] || fail "run x: $st"

# ---- the model page's counts are those docs/web.md states ----
st=$(get d /api/v1/model)
[ "$st" = 200 ] || fail "model: $st"
read -r na nc ni <<<"$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(len(m["aspects"]), sum(len(a["categories"]) for a in m["aspects"]),
      sum(len(c["indicators"]) for a in m["aspects"] for c in a["categories"]))' "$tmp/body")"
[ "$ni" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["indicators"])' "$tmp/body")" ] ||
    fail "the model's indicator count is not its tree's"
grep -q "$na aspects, $nc categories, $ni indicators" "$src/docs/web.md" ||
    fail "docs/web.md does not state the model's $na aspects, $nc categories, $ni indicators"
serve_stop "" clean
echo "serve_policy: ok"
