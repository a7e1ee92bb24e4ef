#!/usr/bin/env bash
# The portrait from the server's cache (server/routes_core.c) is the portrait built afresh, byte
# for byte: for a sample of firms (with persons, linked firms inside and outside a district,
# tags), the first answer (built) equals the second (cached) for a city analyst and a district
# officer, and the district officer's equals the analyst's with the linked firms outside the
# district taken out and counted (computed here). A firm outside the district stays 404 after
# the city has read it. Then what the cache must not outlive, each while the server runs: a new
# classification run (history, level), tags saved again for the same run (crisk tag: no new run
# or generation), a registry change with a new generation (as an ingest); after each, every
# answer equals a freshly started server's.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_portrait "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 1500 --seed 17 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" >/dev/null
D=$(q "SELECT district FROM enterprise WHERE district IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
echo "pw-city-secret" | "$CRISK" user add --db "$db" --name city --role city_analyst >/dev/null
echo "pw-dist-secret" | "$CRISK" user add --db "$db" --name dist --role district --scope "$D" >/dev/null
# The sample: firms of the district with the most linked firms, others of the district, and
# firms elsewhere (404 for the district officer).
q "SELECT uscc FROM enterprise e WHERE district = '$D' AND uscc IS NOT NULL
   ORDER BY (SELECT count(*) FROM role r1 JOIN role r2 ON r2.person = r1.person
             WHERE r1.subject = e.subject) DESC LIMIT 15" >"$tmp/in"
q "SELECT uscc FROM enterprise WHERE district = '$D' AND uscc IS NOT NULL ORDER BY uscc LIMIT 10" >>"$tmp/in"
q "SELECT uscc FROM enterprise WHERE district <> '$D' AND uscc IS NOT NULL ORDER BY uscc LIMIT 10" >"$tmp/out"

start() { # NAME → its URL in $tmp/NAME.url, cookies in $tmp/NAME.city and $tmp/NAME.dist
    serve_start "$1"
    echo "$U" >"$tmp/$1.url"
    serve_login "$U" "$tmp/$1.city" city pw-city-secret >/dev/null
    serve_login "$U" "$tmp/$1.dist" dist pw-dist-secret >/dev/null
}
stop_last() { serve_stop "${serve_pids[-1]}" "" TERM; }
# get SERVER USER USCC → the body in $tmp/body, the status printed
get() {
    curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/$1.$2" "$(cat "$tmp/$1.url")/api/v1/enterprises/$3"
}
# answers SERVER DIR: every firm of the sample, each user, into DIR (status and body)
answers() {
    mkdir -p "$2"
    for u in $(cat "$tmp/in" "$tmp/out"); do
        for who in city dist; do
            echo "$(get "$1" "$who" "$u") $(cat "$tmp/body")" >"$2/$u.$who"
        done
    done
}

start a
answers a "$tmp/a1"
answers a "$tmp/a2"
diff -r "$tmp/a1" "$tmp/a2" >/dev/null || fail "a cached portrait differs from the one built: $(diff -r "$tmp/a1" "$tmp/a2" | head -c 600)"
python3 - "$tmp" "$D" <<'PY'
import json, os, sys
tmp, D = sys.argv[1], sys.argv[2]
inside = open(tmp + "/in").read().split()
outside = open(tmp + "/out").read().split()
linked_out = with_tags = 0
for u in inside + outside:
    cs, cb = open("%s/a1/%s.city" % (tmp, u)).read().split(" ", 1)
    ds, db = open("%s/a1/%s.dist" % (tmp, u)).read().split(" ", 1)
    if cs != "200":
        sys.exit("serve_portrait: FAIL: the city analyst got %s for %s" % (cs, u))
    c = json.loads(cb)
    if u in outside:
        if ds != "404" or json.loads(db) != {"error": {"code": "not_found", "message": "no such enterprise"}}:
            sys.exit("serve_portrait: FAIL: the district officer got %s for %s outside" % (ds, u))
        continue
    d = json.loads(db)
    keep = [l for l in c["linked"] if l["district"] == D]
    want = dict(c, linked=keep, linked_outside=len(c["linked"]) - len(keep))
    if c["linked_outside"] != 0 or d != want or list(d) != list(c):
        sys.exit("serve_portrait: FAIL: %s: the district's portrait is not the city's within %s" % (u, D))
    linked_out += len(c["linked"]) > len(keep) > 0
    with_tags += bool(c["tags"])
if linked_out < 3:
    sys.exit("serve_portrait: FAIL: only %d firms with linked firms both inside and outside" % linked_out)
print("serve_portrait: %d firms, %d with linked firms inside and outside the district, %d with tags"
      % (len(inside) + len(outside), linked_out, with_tags))
PY

# fresh LABEL: the running server's answers (cached where it may) equal a new server's
fresh() {
    answers a "$tmp/$1.a"
    start b
    answers b "$tmp/$1.b"
    stop_last
    diff -r "$tmp/$1.a" "$tmp/$1.b" >/dev/null ||
        fail "$1: the running server's portrait is stale: $(diff -r "$tmp/$1.a" "$tmp/$1.b" | head -c 600)"
    ! diff -r "$tmp/a1" "$tmp/$1.a" >/dev/null || fail "$1: no portrait changed (the test changed nothing)"
    cp -r "$tmp/$1.a" "$tmp/a1.new" && rm -rf "$tmp/a1" && mv "$tmp/a1.new" "$tmp/a1"
    echo "serve_portrait: $1: the running server answers as a new one"
}
"$CRISK" classify --db "$db" --as-of 2025-06-30 >/dev/null
fresh "a new run"
u1=$(head -1 "$tmp/in")
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["history"]))' <(cut -d' ' -f2- "$tmp/a1/$u1.city"))" = 2 ] ||
    fail "the new run is not in the history"
printf 'tags:\n  - id: t_all\n    name: 测试标签\n    when: {levels: ABCD}\n' >"$tmp/tags.yaml"
"$CRISK" tag --db "$db" --rules "$tmp/tags.yaml" >/dev/null
fresh "tags saved again for the run"
q "UPDATE enterprise SET name = name || '（更名）', address = '越秀区测试路1号'
   WHERE uscc IN ($(sed "s/.*/'&'/" "$tmp/in" | paste -sd,));
   UPDATE meta SET v = v + 1 WHERE k = 'generation'"
fresh "a registry change"
echo "serve_portrait: ok"
