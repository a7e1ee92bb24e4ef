#!/usr/bin/env bash
# Enterprise search through its index (src/store/search.c) answers exactly as the search without
# one: a running server's answers for USCC starts, name and address parts of 1, 2, 3 and more
# characters (the ends of names, which only the index's end markers reach), quotes and LIKE/GLOB
# characters, ASCII case, words that occur nowhere, full-width forms (folded by NFKC as the
# stored texts are: Python's unicodedata, not the server's code), in every jurisdiction, compared with the
# instr() query run by sqlite3 on the store itself. Then a registry change without a new index
# (the index is older than the store): answers still equal, read from the rows; a restart
# rebuilds the index for the new generation.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_search "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 1500 --seed 13 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
G=$(q "SELECT grid FROM enterprise WHERE grid IS NOT NULL GROUP BY grid ORDER BY count(*) DESC, grid LIMIT 1")
S=${G:0:9}
D=${G:0:6}
users=(city:city_analyst: district:district:$D street:street:$S grid:grid:$G)
for u in "${users[@]}"; do
    IFS=: read -r name role scope <<<"$u"
    args=(--db "$db" --name "$name" --role "$role")
    [ -n "$scope" ] && args+=(--scope "$scope")
    echo "pw-$name-secret" | "$CRISK" user add "${args[@]}" >/dev/null
done

start() {
    serve_start serve
    for u in "${users[@]}"; do
        name=${u%%:*}
        serve_login "$U" "$tmp/jar.$name" "$name" "pw-$name-secret" >/dev/null
    done
}
stop() { serve_stop "" "" TERM; }

# compare LABEL: every query × every user, server against sqlite3's instr() search
compare() {
    python3 - "$db" "$U" "$tmp" "$1" "${users[@]}" <<'PY'
import http.client, json, random, sqlite3, sys, unicodedata, urllib.parse
db, url, tmp, label, users = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
con = sqlite3.connect(db)
rows = con.execute("SELECT s.key, e.name, coalesce(e.address, '') FROM enterprise e "
                   "JOIN subject s ON s.id = e.subject ORDER BY s.key").fetchall()
random.seed(5)
qs = ["有限公司", "公司", "广州", "天", "司", "区", "a\"b", '""', '""x', "%%", "_a", "**", "[a]", "100%",
      "ZZ", "zz", "QQQ", "MA", "ma", "91", "9144", "号 ", "路1", "\x01\x01", "天\x01", "号\u0001",
      "无此名称之企业", "河区", "荔湾", "Ａ", "A栋", "a栋"]
for key, name, addr in random.sample(rows, 15):
    for q in (key[:5], key[:12], key, name[:1], name[:2], name[2:4], name[-2:], name[-1:],
              name[2:5], name[3:9], addr[:2], addr[3:8], addr[-2:], addr[-3:], addr[-1:]):
        qs.append(q)
    # as an input method types them: full-width digits and letters (U+FF01..FF5E)
    full = lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in t)
    qs += [full(key[:5]), full(key), full(addr[3:8]), full(addr[-3:])]
qs = [q for q in qs if len(unicodedata.normalize("NFKC", q).encode()) >= 2]  # the route's least, folded
IN_SCOPE = ("(?2 = '' OR (length(?2) = 6 AND e.district = ?2) OR (length(?2) = 9 AND e.street = ?2)"
            " OR (length(?2) = 12 AND e.grid = ?2))")
ROW = "s.key, e.name, e.address, e.district, e.street, e.grid"
sql = ("SELECT " + ROW + " FROM subject s JOIN enterprise e ON e.subject = s.id "
       "WHERE s.key >= ?1 AND s.key < ?1 || char(127) AND " + IN_SCOPE +
       " UNION SELECT " + ROW + " FROM enterprise e JOIN subject s ON s.id = e.subject "
       "WHERE (instr(e.name, ?1) > 0 OR instr(e.address, ?1) > 0) AND " + IN_SCOPE +
       " ORDER BY 1 LIMIT ?3")
host = urllib.parse.urlsplit(url).netloc
conn = http.client.HTTPConnection(host)
checked = nonempty = short = 0
for u in users:
    name, role, scope = u.split(":")
    cookie = [l.split("\t")[6].strip() for l in open(tmp + "/jar." + name)
              if "\tcrisk_session\t" in l][0]
    for q in qs:
        for limit in ((20, 3) if scope == "" else (20,)):
            want = [dict(zip(["key", "name", "address", "district", "street", "grid"], r))
                    for r in con.execute(sql, (unicodedata.normalize("NFKC", q), scope, limit))]
            conn.request("GET", "/api/v1/enterprises?limit=%d&q=" % limit +
                         urllib.parse.quote(q, safe=""), headers={"Cookie": "crisk_session=" + cookie})
            got = json.loads(conn.getresponse().read())
            if got.get("results") != want or got.get("count") != len(want):
                sys.exit("serve_search: FAIL: %s: %s q=%r limit %d: got %s, want %s" %
                         (label, name, q, limit, json.dumps(got, ensure_ascii=False)[:400],
                          json.dumps(want, ensure_ascii=False)[:400]))
            checked += 1
            nonempty += bool(want)
            short += bool(want) and len(q) <= 2
if nonempty < checked // 3 or short < 30:
    sys.exit("serve_search: FAIL: %s: too few queries with results (%d of %d, %d short)" %
             (label, nonempty, checked, short))
print("serve_search: %s: %d searches equal to the instr() search (%d with results, %d of them "
      "1 or 2 characters)" % (label, checked, nonempty, short))
PY
}

# The index is rebuilt behind the listening server (searches meanwhile read the rows): wait
# for it, up to 60 s.
wait_index() {
    for _ in $(seq 600); do
        [ "$(q "SELECT v FROM meta WHERE k = 'search_generation'")" = "$(q "SELECT v FROM meta WHERE k = 'generation'")" ] && return 0
        sleep 0.1
    done
    return 1
}
start
compare "before the index"
wait_index || fail "the server did not build the search index at start"
[ "$(q "SELECT count(*) FROM search_rank")" = "$(q "SELECT count(*) FROM enterprise")" ] ||
    fail "the index does not hold every registry row"
compare indexed
# q's 2-byte least is judged after the fold: a full-width Ａ (3 bytes) is the 1-byte A
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.city" "$U/api/v1/enterprises?q=%EF%BC%A1")
[ "$st" = 400 ] || fail "q=Ａ (A once folded, 1 byte) answered $st"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar.city" "$U/api/v1/enterprises?q=%E4%B8")
[ "$st" = 400 ] || fail "q=%E4%B8 (half a character, not UTF-8) answered $st"

# The answers above come from the index: a firm taken out of it is no longer found by its name
# (a part of 4 characters, and its last 2), though the USCC start still finds it. The firm first
# in key order, which every search that matches it answers among its first results.
read -r sub key n4 n2 <<<"$(q "SELECT e.subject, s.key, substr(e.name, 3, 4), substr(e.name, -2)
    FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY s.key LIMIT 1" | tr '|' ' ')"
found() { # QUERY → 1 when the firm is among the answers
    curl -s -G -b "$tmp/jar.city" --data-urlencode "q=$1" "$U/api/v1/enterprises" |
        python3 -c 'import json,sys; print(int(any(r["key"] == sys.argv[1] for r in json.load(sys.stdin)["results"])))' "$key"
}
[ "$(found "$n4")$(found "${key:0:14}")" = 11 ] || fail "$key not found by '$n4' or its USCC start"
q "UPDATE search_rank SET subject = -1 WHERE subject = $sub"
[ "$(found "$n4")$(found "$n2")$(found "${key:0:14}")" = 001 ] ||
    fail "the search did not use the index (firm $key taken out of it is still found by its name)"
q "UPDATE search_rank SET subject = $sub WHERE subject = -1"

# A registry change the index does not know (as an ingest while the server runs): renamed and
# moved firms are found under their new name and address at once.
q "UPDATE enterprise SET name = '广州新名字测试' || subject || '有限公司', address = '越秀区改址路' || subject || '号'
   WHERE subject IN (SELECT subject FROM enterprise ORDER BY subject LIMIT 15);
   UPDATE meta SET v = v + 1 WHERE k = 'generation'"
compare stale
n=$(curl -s -b "$tmp/jar.city" "$U/api/v1/enterprises?q=%E6%94%B9%E5%9D%80%E8%B7%AF" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$n" = 15 ] || fail "a stale index: 改址路 found $n firms, not 15"
stop
start
wait_index || fail "a restart did not rebuild the index for the new generation"
compare rebuilt
stop

# Two servers on one stale store, the second started while the first builds (10 firms a
# step): when the first is still building, the second takes the build over and the first gives
# up saying so; either way the index at the end is whole (every registry row, in key order),
# fresh and without leftovers. Then a stop in the middle of a build leaves the old index stale
# and no half-built one in use; the next start builds it.
printf 'search_step: 10\n' > "$tmp/slow.cfg"
stale() { q "UPDATE meta SET v = v + 1 WHERE k = 'generation'"; }
stale
serve_start a "$tmp/slow.cfg"; a=$SERVE_PID
for _ in $(seq 100); do [ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'search_rank_new'")" = 1 ] && break; sleep 0.05; done
serve_start b "$tmp/slow.cfg"; b=$SERVE_PID
for _ in $(seq 3000); do
    grep -q 'rebuilt in\|not rebuilt' "$tmp/a.err" && grep -q 'rebuilt in\|up to date' "$tmp/b.err" 2>/dev/null && break
    [ "$(q "SELECT v FROM meta WHERE k = 'search_generation'")" = "$(q "SELECT v FROM meta WHERE k = 'generation'")" ] && break
    sleep 0.1
done
sleep 0.5
if grep -q 'another server took the build over' "$tmp/a.err"; then
    grep -q 'search index rebuilt in' "$tmp/b.err" || fail "the second server took the build over but did not build: $(cat "$tmp/b.err")"
    echo "serve_search: the second server took the build over"
else
    grep -q 'search index rebuilt in' "$tmp/a.err" || fail "neither server built the index: $(cat "$tmp/a.err") / $(cat "$tmp/b.err")"
    echo "serve_search: the first server finished before the second started (no take-over this time)"
fi
[ "$(q "SELECT v FROM meta WHERE k = 'search_generation'")" = "$(q "SELECT v FROM meta WHERE k = 'generation'")" ] || fail "two servers: the index is not fresh"
[ "$(q "SELECT count(*) FROM search_rank")" = "$(q "SELECT count(*) FROM enterprise")" ] || fail "two servers: the index does not hold every registry row"
[ "$(q "SELECT count(*) FROM search_rank r JOIN subject s ON s.id = r.subject JOIN subject t ON t.id = (SELECT subject FROM search_rank WHERE rank = r.rank + 1) WHERE s.key >= t.key")" = 0 ] || fail "two servers: the ranks are not in key order"
[ "$(q "SELECT count(*) FROM sqlite_master WHERE name LIKE 'search_%_new'")" = 0 ] || fail "two servers: a *_new table was left"
serve_stop "$a"; serve_stop "$b"
users_login() { for u in "${users[@]}"; do name=${u%%:*}; serve_login "$U" "$tmp/jar.$name" "$name" "pw-$name-secret" >/dev/null; done; }
serve_start b "$tmp/slow.cfg"; users_login
compare "two servers"
serve_stop
stale
printf 'search_step: 1\n' > "$tmp/slower.cfg"
serve_start c "$tmp/slower.cfg"
for _ in $(seq 100); do [ "$(q "SELECT count(*) FROM search_rank_new")" -gt 0 ] 2>/dev/null && break; sleep 0.05; done
serve_stop "" clean
if grep -q 'not rebuilt: stopped' "$tmp/c.err"; then
    [ "$(q "SELECT v FROM meta WHERE k = 'search_generation'")" = "" ] || fail "a stopped build left the index marked fresh"
else
    grep -q 'search index rebuilt in' "$tmp/c.err" || fail "a stop in a build: $(cat "$tmp/c.err")"
    echo "serve_search: the build ended before the stop (no stop in a build this time)"
fi
[ "$(q "PRAGMA integrity_check")" = ok ] || fail "a stopped build: the store is not intact"
start
wait_index || fail "after a stopped build, a restart did not build the index"
compare "after a stopped build"
stop
echo "serve_search: ok"
