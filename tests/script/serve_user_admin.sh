#!/usr/bin/env bash
# Users over their life: `crisk user list`, `disable`, `enable`, `passwd` and the API's
# GET /api/v1/users and PATCH /api/v1/users/{name}; a disabled user or a new password ends every
# session at once and enabling again revives none; user names with control, invisible,
# direction-changing or full-width characters refused (CLI and API); a session keeps the limits
# of the server that made it (judged the same by a server of other settings); login failures
# live in the store (a restart forgets none, two servers share them).
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_user_admin "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 200 --seed 5 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
echo "admin-secret" | user_expect 0 added -- add --db "$db" --name admin --role city_admin
echo "wang-secret" | user_expect 0 added -- add --db "$db" --name wang --role district --scope 440106

# ---- names: visible text in one form ----
for bad in $'bo\tb' $'bob\x1b[31m' $'\u202eboB' $'bo\u200bb' ' bob' 'bob ' 'ｂｏｂ' $'\xff\xfe' 'a/b' \
    $'bob\u2028' $'bob\ufe0f' $'b\u034fob' $'bob\U000E0041' $'b\ue000ob' $'\u2800' $'\u0301bob'; do
    echo "long-enough" | user_expect 3 "the user name" -- add --db "$db" --name "$bad" --role auditor
done
[ "$(q "SELECT count(*) FROM app_user")" = 2 ] || fail "a bad name was added: $(q "SELECT name FROM app_user")"
# scopes: the city's own code is no district; another city's district lies outside the store's
echo "long-enough" | user_expect 3 "is not a district code" -- add --db "$db" --name bob --role district --scope 440100
echo "long-enough" | user_expect 3 "outside the city of the store (440100)" -- add --db "$db" --name bob --role district --scope 440303
echo "long-enough" | user_expect 0 added -- add --db "$db" --name '王 小明' --role auditor

# ---- list, disable, enable, passwd: usage and unknown users ----
user_expect 0 "" -- list --db "$db"
for n in admin wang '王 小明'; do grep >/dev/null -F "$n" "$tmp/out" || fail "list lacks $n: $(cat "$tmp/out")"; done
grep >/dev/null -F '$argon2' "$tmp/out" && fail "list shows a password hash"
user_expect 0 "" -- list --db "$db" --json
python3 - "$tmp/out" <<'PY' || fail "list --json: $(cat "$tmp/out")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["name"] for r in rows] == sorted(["admin", "wang", "王 小明"]), rows
w = [r for r in rows if r["name"] == "wang"][0]
assert (w["role"], w["scope"], w["disabled"], w["sessions"], w["last_seen"]) == ("district", "440106", False, 0, None), w
assert all("pwhash" not in r for r in rows)
PY
user_expect 3 "no user named 'nobody'" -- disable --db "$db" --name nobody
user_expect 2 "" -- disable --db "$db"
user_expect 2 "" -- enable --db "$db" --name wang --role grid
user_expect 2 "" -- list --db "$db" --name wang
echo short | user_expect 3 "needs at least 8" -- passwd --db "$db" --name wang

[ "$(q "SELECT group_concat(action || ' ' || object || ' ' || role || ' ' || status, ',') FROM audit WHERE client = 'crisk user'")" = \
    "user.add admin cli 201,user.add wang cli 201,user.add 王 小明 cli 201,user.disable nobody cli 404" ] ||
    fail "the CLI's user changes are not audited: $(q "SELECT * FROM audit")"

# ---- a disabled user's sessions end at once; enabling revives none ----
serve_start a
[ "$(serve_login "$U" "$tmp/jw" wang wang-secret)" = 200 ] || fail "login wang: $(cat "$tmp/login.json")"
me() { curl -s -o /dev/null -w '%{http_code}' -b "$1" "$U/api/v1/me"; }
[ "$(me "$tmp/jw")" = 200 ] || fail "wang's session does not work"
user_expect 0 "disabled" -- disable --db "$db" --name wang
[ "$(me "$tmp/jw")" = 401 ] || fail "a disabled user's session still works"
[ "$(serve_login "$U" "$tmp/jw2" wang wang-secret)" = 401 ] || fail "a disabled user logged in"
user_expect 0 "enabled" -- enable --db "$db" --name wang
[ "$(me "$tmp/jw")" = 401 ] || fail "enabling revived an old session"
[ "$(serve_login "$U" "$tmp/jw" wang wang-secret)" = 200 ] || fail "login after enable: $(cat "$tmp/login.json")"
[ "$(me "$tmp/jw")" = 200 ] || fail "wang's new session does not work"
echo "wang-new-secret" | user_expect 0 "new password" -- passwd --db "$db" --name wang
[ "$(me "$tmp/jw")" = 401 ] || fail "a session outlived a new password"
[ "$(serve_login "$U" "$tmp/jw" wang wang-secret)" = 401 ] || fail "the old password still works"
[ "$(serve_login "$U" "$tmp/jw" wang wang-new-secret)" = 200 ] || fail "the new password does not work"

# ---- the same over the API ----
[ "$(serve_login "$U" "$tmp/ja" admin admin-secret)" = 200 ] || fail "login admin"
tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")
api() { # METHOD PATH [BODY] → status; body in $tmp/body
    local args=(-s -o "$tmp/body" -w '%{http_code}' -X "$1" -b "$tmp/ja" -H "X-CSRF-Token: $tok")
    [ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
    curl "${args[@]}" "$U$2"
}
[ "$(api GET /api/v1/users)" = 200 ] || fail "GET users: $(cat "$tmp/body")"
python3 - "$tmp/body" <<'PY' || fail "GET users: $(cat "$tmp/body")"
import json, sys
u = {r["name"]: r for r in json.load(open(sys.argv[1]))["users"]}
assert u["wang"]["sessions"] == 1 and u["wang"]["last_seen"].endswith("Z"), u["wang"]
assert u["admin"]["role"] == "city_admin" and not u["admin"]["disabled"]
assert all("pwhash" not in r for r in u.values())
PY
[ "$(api PATCH /api/v1/users/wang '{"disabled":true}')" = 200 ] || fail "PATCH disable: $(cat "$tmp/body")"
[ "$(me "$tmp/jw")" = 401 ] || fail "a session outlived PATCH disabled"
[ "$(q "SELECT disabled FROM app_user WHERE name = 'wang'")" = 1 ] || fail "wang not disabled"
[ "$(api PATCH /api/v1/users/wang '{"disabled":false,"password":"via-the-api"}')" = 200 ] || fail "PATCH: $(cat "$tmp/body")"
[ "$(serve_login "$U" "$tmp/jw" wang via-the-api)" = 200 ] || fail "the API's new password does not work"
[ "$(api PATCH /api/v1/users/nobody '{"disabled":true}')" = 404 ] || fail "PATCH of no user: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/wang '{"password":"short"}')" = 400 ] || fail "PATCH short password: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/wang '{"password":"long-enough-2","current_password":"x"}')" = 400 ] ||
    fail "current_password for another user's password was not refused: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/wang '{"disabled":"yes"}')" = 400 ] || fail "PATCH disabled as text: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/wang '{}')" = 400 ] || fail "PATCH of nothing: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/admin '{"disabled":true}')" = 409 ] || fail "admin disabled itself: $(cat "$tmp/body")"
# one's own password only with the current one (a stolen session must not keep the account)
[ "$(api PATCH /api/v1/users/admin '{"password":"taken-over-1"}')" = 400 ] || fail "own password without the current one: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/admin '{"password":"taken-over-1","current_password":"guess"}')" = 403 ] ||
    fail "own password with a wrong current one: $(cat "$tmp/body")"
[ "$(q "SELECT failures FROM login_failure WHERE key = 'n:admin'")" = 1 ] || fail "a wrong current password is not counted"
# a current password with no new one checks nothing: refused, not a 200 for any guess
[ "$(api PATCH /api/v1/users/admin '{"disabled":false,"current_password":"guess"}')" = 400 ] ||
    fail "current_password without a new password: $(cat "$tmp/body")"
grep -q 'goes only with a new password' "$tmp/body" || fail "current_password alone not named: $(cat "$tmp/body")"
[ "$(api PATCH /api/v1/users/admin '{"password":"admin-secret-2","current_password":"admin-secret"}')" = 200 ] ||
    fail "own password with the current one: $(cat "$tmp/body")"
[ "$(api GET /api/v1/users)" = 401 ] || fail "one's own new password left one's session"
[ "$(serve_login "$U" "$tmp/ja" admin admin-secret-2)" = 200 ] || fail "login with the new own password"
tok=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$tmp/login.json")
[ "$(q "SELECT group_concat(object, ',') FROM audit WHERE action = 'user.set' AND status = 200")" = \
    "wang:disable,wang:enable+password,admin:password" ] || fail "the PATCH audit rows: $(q "SELECT object, status FROM audit WHERE action = 'user.set'")"
# a refused change names what was asked; a body that asks nothing valid, the user alone
[ "$(q "SELECT group_concat(object, ',') FROM audit WHERE action = 'user.set' AND status = 400")" = \
    "wang:password,wang:password,wang,wang,admin:password,admin:enable" ] ||
    fail "the refused PATCH audit rows: $(q "SELECT object, status FROM audit WHERE action = 'user.set'")"
[ "$(api POST /api/v1/users '{"name":"e\u202evil","password":"long-enough","role":"auditor"}')" = 400 ] ||
    fail "POST users took a bidi name: $(cat "$tmp/body")"
grep >/dev/null -F -- '--scope' "$tmp/body" && fail "an API message names a CLI flag: $(cat "$tmp/body")"
[ "$(api POST /api/v1/users '{"name":"bob","password":12345678,"role":"auditor"}')" = 400 ] &&
    grep >/dev/null -F 'password must be text' "$tmp/body" || fail "POST users with a number as password: $(cat "$tmp/body")"
[ "$(api POST /api/v1/users '{"name":"bob","password":"long-enough","role":"district"}')" = 400 ] ||
    fail "POST users without a scope: $(cat "$tmp/body")"
grep >/dev/null -F -- '--scope' "$tmp/body" && fail "an API message names a CLI flag: $(cat "$tmp/body")"
serve_stop

# ---- a session ends by the limits it was made with, on any server ----
printf 'session_idle_s: 60\n' >"$tmp/short.cfg"
serve_start short "$tmp/short.cfg"
[ "$(serve_login "$U" "$tmp/js" wang via-the-api)" = 200 ] || fail "login on the short server"
serve_stop
# (by the limits, not by the newest "created": a session of the same second may be another's)
[ "$(q "SELECT group_concat(u.name || ' ' || s.max_s) FROM app_session s JOIN app_user u ON u.id = s.user WHERE s.idle_s = 60")" = "wang 43200" ] ||
    fail "the session does not keep its limits: $(q "SELECT user, created, idle_s, max_s FROM app_session")"
q "UPDATE app_session SET last_seen = last_seen - 100 WHERE idle_s = 60"
serve_start long # the default: 1800 s idle
[ "$(me "$tmp/js")" = 401 ] || fail "a session idle past its own 60 s works on a server of 1800 s"
[ "$(serve_login "$U" "$tmp/jl" wang via-the-api)" = 200 ] || fail "login on the long server"
serve_stop
[ "$(q "SELECT count(*) FROM app_session WHERE idle_s = 60")" = 0 ] || fail "the ended session was not deleted"
q "UPDATE app_session SET last_seen = last_seen - 100 WHERE idle_s = 1800"
n_long=$(q "SELECT count(*) FROM app_session WHERE idle_s = 1800")
serve_start short2 "$tmp/short.cfg" # a server of shorter settings ends it for itself only
[ "$(me "$tmp/jl")" = 401 ] || fail "a session idle 100 s works on a server of session_idle_s 60"
serve_stop
[ "$(q "SELECT count(*) FROM app_session WHERE idle_s = 1800")" = "$n_long" ] ||
    fail "a session another server may still take was deleted"
serve_start long2
[ "$(me "$tmp/jl")" = 200 ] || fail "the session of 1800 s idle 100 s no longer works on its own server"
serve_stop

# ---- login failures live in the store ----
# Right passwords take back the attempt they reserved: 20 logins from one address under an
# address limit of 3 all pass (an office behind one address is not locked out by its logins).
q "DELETE FROM login_failure"
printf 'login_failures_addr: 3\n' >"$tmp/addr.cfg"
serve_start addr "$tmp/addr.cfg"
for i in $(seq 20); do
    [ "$(serve_login "$U" "$tmp/jx" admin admin-secret-2)" = 200 ] || fail "right login $i from one address: $(cat "$tmp/login.json")"
done
[ "$(q "SELECT count(*) FROM login_failure")" = 0 ] || fail "right logins left counts: $(q "SELECT * FROM login_failure")"
serve_stop
printf 'login_failures_name: 3\nlogin_failures_addr: 1000\n' >"$tmp/lim.cfg"
serve_start l1 "$tmp/lim.cfg"
u1=$U
for i in 1 2; do [ "$(serve_login "$u1" "$tmp/jx" wang wrong-$i)" = 401 ] || fail "failure $i"; done
serve_stop
serve_start l2 "$tmp/lim.cfg" # a restart: the two failures are remembered
u2=$U
[ "$(serve_login "$u2" "$tmp/jx" wang wrong-3)" = 401 ] || fail "failure 3"
[ "$(serve_login "$u2" "$tmp/jx" wang via-the-api)" = 429 ] || fail "a restart forgot the failures: $(cat "$tmp/login.json")"
serve_start l3 "$tmp/lim.cfg" # a second server on the store shares them
[ "$(serve_login "$U" "$tmp/jx" wang via-the-api)" = 429 ] || fail "a second server does not share the failures"
[ "$(serve_login "$U" "$tmp/jx" admin admin-secret-2)" = 200 ] || fail "another name was limited"
q "UPDATE login_failure SET since = since - 1000, until = until - 1000"
[ "$(serve_login "$u2" "$tmp/jx" wang via-the-api)" = 200 ] || fail "the window passed but the limit holds: $(cat "$tmp/login.json")"
[ "$(q "SELECT count(*) FROM login_failure WHERE key = 'n:wang'")" = 0 ] || fail "a success left the name's failures"
for p in "${serve_pids[@]}"; do serve_stop "$p" clean TERM; done
if grep -l 'Sanitizer' "$tmp"/*.err 2>/dev/null; then fail "a sanitizer report: $(cat "$tmp"/*.err)"; fi
echo "serve_user_admin: ok"
