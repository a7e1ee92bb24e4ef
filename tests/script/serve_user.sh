#!/usr/bin/env bash
# crisk user add: roles and scopes checked, the password from stdin hashed with argon2id and kept
# nowhere in clear, a name taken twice refused, no store made behind a mistyped path, users
# added and disabled while an ingest holds the store's crisk lock, and a password of fewer than
# password_min_chars characters (default 8; counted in characters, not bytes; the key read from
# --config) refused.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_user "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 200 --seed 5 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
echo "Geheim-42" | user_expect 0 "added" -- add --db "$db" --name alice --role district --scope 440106
echo "long-enough" | user_expect 3 "exists" -- add --db "$db" --name alice --role auditor
echo "x" | user_expect 3 "unknown role" -- add --db "$db" --name bob --role mayor
echo "x" | user_expect 3 "6-digit" -- add --db "$db" --name bob --role district
echo "x" | user_expect 3 "6-digit" -- add --db "$db" --name bob --role district --scope 440106001
echo "x" | user_expect 3 "9-digit" -- add --db "$db" --name bob --role street --scope 44010600A
echo "x" | user_expect 3 "whole city" -- add --db "$db" --name bob --role city_analyst --scope 440106
# names that are no path segment of /api/v1/users/{name} (T17 F5: '..' could be added, then a
# browser folded it away and the users page could not disable it)
for n in a/b . ..; do
    echo "long-enough" | user_expect 3 "the user name" -- add --db "$db" --name "$n" --role auditor
done
echo "long-enough" | user_expect 0 "added" -- add --db "$db" --name ... --role auditor
sqlite3 "$db" "DELETE FROM app_user WHERE name = '...'"
# a scope of the right length that is no division (the near miss: 440106 above is one)
echo "x" | user_expect 3 "no division of the reference table" -- add --db "$db" --name bob --role district --scope 440199
echo "x" | user_expect 3 "no division of the reference table" -- add --db "$db" --name bob --role street --scope 440106999
echo "" | user_expect 3 "empty password" -- add --db "$db" --name bob --role auditor
user_expect 3 "no password" -- add --db "$db" --name bob --role auditor </dev/null
echo "x" | user_expect 2 "" -- add --db "$db" --role auditor
echo "x" | user_expect 2 "" -- remove --db "$db" --name bob --role auditor
echo "x" | user_expect 3 "" -- add --db "$tmp/missing.db" --name bob --role auditor
[ ! -e "$tmp/missing.db" ] || fail "a store was made behind a mistyped path"
[ "$(sqlite3 "$db" "SELECT name || ' ' || role || ' ' || scope FROM app_user ORDER BY id")" = "alice district 440106" ] ||
    fail "the users table holds: $(sqlite3 "$db" "SELECT * FROM app_user")"
sqlite3 "$db" "SELECT pwhash FROM app_user" | grep >/dev/null '^\$argon2id\$' || fail "not an argon2id hash"
grep -a >/dev/null -F "Geheim-42" "$db" "$db-wal" 2>/dev/null && fail "the password is in the store"
# A verb holding the store's crisk lock (an ingest, for minutes) does not keep an account from
# being added or shut out: users are the server's own rows, ordered by SQLite's lock alone.
exec 9>"$db.lock"
flock -x 9
echo "crisk ingest, pid 1 on test" >&9
echo "long-enough" | user_expect 0 "added" -- add --db "$db" --name carol --role auditor
user_expect 0 "disabled" -- disable --db "$db" --name carol
user_expect 0 "enabled" -- enable --db "$db" --name carol
flock -u 9
# The password's length: 7 characters refused, 8 taken; characters, not bytes (8 Chinese
# characters are 24 bytes, 7 are 21: still too few); the key from --config.
echo "1234567" | user_expect 3 "the password has 7 characters: it needs at least 8 (password_min_chars)" -- add --db "$db" --name dave --role auditor
echo "密码密码密码密" | user_expect 3 "has 7 characters" -- add --db "$db" --name dave --role auditor
echo "密码密码密码密码" | user_expect 0 "added" -- add --db "$db" --name dave --role auditor
echo "12345678" | user_expect 0 "added" -- add --db "$db" --name erin --role auditor
printf 'password_min_chars: 12\n' >"$tmp/serve.cfg"
echo "12345678901" | user_expect 3 "needs at least 12" -- add --db "$db" --name fay --role auditor --config "$tmp/serve.cfg"
echo "123456789012" | user_expect 0 "added" -- add --db "$db" --name fay --role auditor --config "$tmp/serve.cfg"
printf 'password_min_chars: 0\n' >"$tmp/bad.cfg"
echo "123456789012" | user_expect 3 "bad.cfg:1" -- add --db "$db" --name gus --role auditor --config "$tmp/bad.cfg"
[ "$(sqlite3 "$db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM app_user ORDER BY id)")" = "alice carol dave erin fay" ] ||
    fail "the users: $(sqlite3 "$db" "SELECT group_concat(name, ' ') FROM app_user")"
echo "serve_user: ok"
