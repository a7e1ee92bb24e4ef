#!/usr/bin/env bash
# The dashboard's hit rate per level (GET /api/v1/runs/{run}/hits) and the firm filter of the
# warning and task lists (firm=), against a real server on a generated city, each checked
# against an independent computation over the store's tables (python3's sqlite3): tasks closed
# with several outcomes and inspections with results of both kinds, as a district and a grid
# user and the city; hit_outcomes from the configuration; a firm outside the jurisdiction lists
# nothing, exactly as an unknown one; a malformed firm is 400. The quarantine summary by the
# department that sent the rows.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_dash "$@"
serve_city 1500 11
# The district with the most tasks, and its grid with the most.
D=$(q "SELECT substr(division, 1, 6) FROM task GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
G=$(q "SELECT division FROM task WHERE division LIKE '$D%' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
# Close tasks with every outcome in turn: in the grid, elsewhere in the district, outside it.
outcomes=(confirmed false_alarm case_filed not_found police false_alarm other_department)
k=0
for t in $(q "SELECT id FROM task WHERE division = '$G' ORDER BY id LIMIT 4") \
    $(q "SELECT id FROM task WHERE division LIKE '$D%' AND division <> '$G' ORDER BY id LIMIT 5") \
    $(q "SELECT id FROM task WHERE division NOT LIKE '$D%' ORDER BY id LIMIT 5"); do
    "$CRISK" task --db "$db" "$t" --accept --by C440100-01 --today 2026-01-06 >/dev/null
    "$CRISK" task --db "$db" "$t" --close "${outcomes[k % 7]}" --by C440100-01 --today 2026-01-07 >/dev/null
    k=$((k + 1))
done
# Inspections: results with and without a problem, in the district and outside it.
results=(1 B E 1 6 F A)
k=0
for i in $(q "SELECT i.id FROM inspection i JOIN enterprise e ON e.subject = i.subject
              WHERE e.district = '$D' ORDER BY i.id LIMIT 7") \
    $(q "SELECT i.id FROM inspection i JOIN enterprise e ON e.subject = i.subject
         WHERE e.district <> '$D' ORDER BY i.id LIMIT 7"); do
    "$CRISK" inspect --db "$db" --inspection "$i" --result "${results[k % 7]}" --by u1 --date 2026-01-20 >/dev/null
    k=$((k + 1))
done
# A second run: the hit rate uses the levels of the run asked.
"$CRISK" classify --db "$db" --as-of 2026-02-01 >/dev/null
echo "pw-d-secret" | "$CRISK" user add --db "$db" --name u_district --role district --scope "$D" >/dev/null
echo "pw-g-secret" | "$CRISK" user add --db "$db" --name u_grid --role grid --scope "$G" >/dev/null
echo "pw-a-secret" | "$CRISK" user add --db "$db" --name u_analyst --role city_analyst >/dev/null
hits="confirmed,case_filed, police"
printf 'hit_outcomes: %s\n' "$hits" >"$tmp/serve.cfg"
serve_start serve "$tmp/serve.cfg"
for u in district:pw-d-secret grid:pw-g-secret analyst:pw-a-secret; do
    serve_login "$U" "$tmp/jar.${u%%:*}" "u_${u%%:*}" "${u#*:}" >/dev/null
done
get() { curl -s -o "$tmp/body" -w '%{http_code}' -b "$tmp/jar.$1" "$U$2"; }

# ---- hits: the store's outcomes by level, computed apart ----
want_hits() { # scope run → JSON of {level: [insp_n, insp_hits, task_n, task_hits]}
    python3 - "$db" "$1" "$2" "$hits" <<'PY'
import json, sqlite3, sys
db, scope, run, hits = sqlite3.connect(sys.argv[1]), sys.argv[2], int(sys.argv[3]), {h.strip() for h in sys.argv[4].split(",")}
problem = {"1": 0, "7": 0, "9": 0, "10": 0, "11": 0, "12": 0, "F": 0}  # DOMAIN.md §2: the rest are problems
place = {s: (d or "", st or "", g or "") for s, d, st, g in db.execute("SELECT subject, district, street, grid FROM enterprise")}
level = dict(db.execute("SELECT subject, level FROM run_score WHERE run = ?", (run,)))
def inside(s):
    d, st, g = place.get(s, ("", "", ""))
    return scope == "" or scope in (d, st, g)
out = {l: [0, 0, 0, 0] for l in "ABCD"}
for s, res in db.execute("SELECT subject, result FROM inspection WHERE result IS NOT NULL AND cancelled = 0"):
    if s in level and inside(s):
        out[level[s]][0] += 1
        out[level[s]][1] += problem.get(res, 1)
for div, outcome, warning in db.execute("SELECT division, outcome, warning FROM task WHERE status = 'closed' AND outcome IS NOT NULL"):
    if not div.startswith(scope):
        continue
    for (s,) in db.execute("SELECT subject FROM warning_firm WHERE warning = ?", (warning,)):
        d, st, g = place.get(s, ("", "", ""))
        in_div = d[:4] == div[:4] if len(div) == 6 and div.endswith("00") else div in (d, st, g)
        if in_div and s in level and inside(s):
            out[level[s]][2] += 1
            out[level[s]][3] += outcome in hits
print(json.dumps(out, sort_keys=True))
PY
}
got_hits() {
    python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
print(json.dumps({l["level"]: [l["inspections"]["n"], l["inspections"]["hits"], l["tasks"]["n"], l["tasks"]["hits"]] for l in o["levels"]}, sort_keys=True))' "$tmp/body"
}
for who in analyst: district:$D grid:$G; do
    u=${who%%:*} scope=${who#*:}
    for run in 1 2; do
        [ "$(get "$u" "/api/v1/runs/$run/hits")" = 200 ] || fail "hits of run $run as $u: $(cat "$tmp/body")"
        got=$(got_hits) want=$(want_hits "$scope" "$run")
        [ "$got" = "$want" ] || fail "hits of run $run as $u: $got, the store says $want"
        # The rates are the hits over the counts, null without any.
        python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))
for l in o["levels"]:
    for k in ("inspections", "tasks"):
        x = l[k]
        assert x["rate"] == (x["hits"] / x["n"] if x["n"] else None), (l, k)
assert sum(d["n"] for d in o["detail"]) == sum(l[k]["n"] for l in o["levels"] for k in ("inspections", "tasks"))' "$tmp/body" ||
            fail "hits of run $run as $u: rates or detail do not add up"
    done
done
[ "$(get analyst /api/v1/runs/latest/hits)" = 200 ] && [ "$(got_hits)" = "$(want_hits "" 2)" ] || fail "hits of the latest run"
# Something to count, and both kinds of answer: the test means something.
all=$(want_hits "" 2)
python3 -c 'import json,sys; o=json.loads(sys.argv[1]); t=[sum(v[i] for v in o.values()) for i in range(4)]
assert t[0] >= 10 and 0 < t[1] < t[0] and t[2] >= 10 and 0 < t[3] < t[2], t' "$all" || fail "too few outcomes to test: $all"
[ "$(get district "/api/v1/runs/latest/hits")" = 200 ] && [ "$(got_hits)" != "$all" ] || fail "the district's hits are the city's"
[ "$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["hit_outcomes"]))' "$tmp/body")" = confirmed,case_filed,police ] ||
    fail "hit_outcomes: $(cat "$tmp/body")"
[ "$(get analyst /api/v1/runs/9/hits)" = 404 ] || fail "a run that does not exist: not 404"
[ "$(get analyst /api/v1/runs/x/hits)" = 400 ] || fail "a run that is not an id"
printf 'hit_outcomes: confirmed,nonsense\n' >"$tmp/bad.cfg"
st=0
"$CRISK" serve --db "$db" --listen 127.0.0.1:0 --config "$tmp/bad.cfg" >/dev/null 2>"$tmp/bad.err" || st=$?
[ "$st" = 3 ] && grep -q 'bad.cfg:1' "$tmp/bad.err" || fail "an unknown outcome in hit_outcomes: exit $st, $(cat "$tmp/bad.err")"

# ---- firm=: the warnings and tasks naming one firm, inside the jurisdiction ----
ids() { python3 -c 'import json,sys; print(",".join(str(x["id"]) for x in sorted(json.load(open(sys.argv[1]))[sys.argv[2]], key=lambda x: x["id"])))' "$tmp/body" "$1"; }
# Firms of the grid's tasks, of the district's other grids, and outside the district.
fin=$(q "SELECT e.uscc FROM task t JOIN warning_firm wf ON wf.warning = t.warning JOIN enterprise e ON e.subject = wf.subject
         WHERE t.division = '$G' AND e.grid = '$G' ORDER BY e.uscc LIMIT 1")
fdist=$(q "SELECT e.uscc FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
           WHERE e.district = '$D' AND e.grid <> '$G' ORDER BY e.uscc LIMIT 1")
fout=$(q "SELECT e.uscc FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
          WHERE e.district <> '$D' ORDER BY e.uscc LIMIT 1")
for who in analyst: district:$D grid:$G; do
    u=${who%%:*} scope=${who#*:}
    for f in "$fin" "$fdist" "$fout"; do
        s=$(q "SELECT subject FROM enterprise WHERE uscc = '$f'")
        inside=$(q "SELECT '$scope' = '' OR '$scope' IN (district, street, grid) FROM enterprise WHERE subject = $s")
        [ "$(get "$u" "/api/v1/warnings?firm=$f")" = 200 ] || fail "warnings?firm=$f as $u: $(cat "$tmp/body")"
        got=$(ids warnings)
        want=""
        [ "$inside" = 1 ] && want=$(q "SELECT group_concat(warning, ',') FROM (SELECT warning FROM warning_firm WHERE subject = $s ORDER BY warning)")
        [ "$got" = "$want" ] || fail "warnings?firm=$f as $u: $got, the store says $want"
        [ "$(get "$u" "/api/v1/tasks?firm=$f")" = 200 ] || fail "tasks?firm=$f as $u: $(cat "$tmp/body")"
        got=$(ids tasks)
        want=""
        [ "$inside" = 1 ] && want=$(q "SELECT group_concat(id, ',') FROM (SELECT t.id FROM task t JOIN warning_firm wf ON wf.warning = t.warning
                                       WHERE wf.subject = $s AND substr(t.division, 1, length('$scope')) = '$scope' ORDER BY t.id)")
        [ "$got" = "$want" ] || fail "tasks?firm=$f as $u: $got, the store says $want"
    done
done
[ "$(get grid "/api/v1/warnings?firm=$fin")" = 200 ] && [ -n "$(ids warnings)" ] || fail "the grid's own firm has no warnings"
# The firm filter keeps a warning's firm counts: firms inside plus outside are all its firms.
get analyst "/api/v1/warnings?firm=$fin" >/dev/null
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert all(w["firms"] >= 1 for w in o["warnings"])' "$tmp/body" || fail "firm counts"
# Outside reads as unknown; a malformed one is refused; combined with other filters.
get district "/api/v1/warnings?firm=$fout" >/dev/null
out_body=$(cat "$tmp/body")
unknown=$(python3 -c '
cs = "0123456789ABCDEFGHJKLMNPQRTUWXY"; w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
b = "91440106MA0YYYYYY"; c = (31 - sum(cs.index(x) * k for x, k in zip(b, w)) % 31) % 31; print(b + cs[c])')
[ -z "$(q "SELECT 1 FROM enterprise WHERE uscc = '$unknown'")" ] || fail "$unknown is a firm of the city"
get district "/api/v1/warnings?firm=$unknown" >/dev/null
[ "$out_body" = "$(cat "$tmp/body")" ] || fail "a firm outside answers unlike an unknown one"
[ "$(get district "/api/v1/warnings?firm=nonsense")" = 400 ] || fail "a malformed firm"
[ "$(get district "/api/v1/tasks?firm=nonsense")" = 400 ] || fail "a malformed firm (tasks)"
[ "$(get grid "/api/v1/tasks?firm=$fin&status=closed")" = 200 ] || fail "firm and status"
got=$(ids tasks)
want=$(q "SELECT group_concat(id, ',') FROM (SELECT t.id FROM task t JOIN warning_firm wf ON wf.warning = t.warning
          JOIN enterprise e ON e.subject = wf.subject WHERE e.uscc = '$fin' AND t.division LIKE '$G%' AND t.status = 'closed' ORDER BY t.id)")
[ "$got" = "$want" ] || fail "tasks?firm&status=closed: $got, the store says $want"
# ---- the quarantine summary by department: each open row under its topic's (else its file's)
# department, counted apart ----
[ "$(get analyst /api/v1/quarantine)" = 200 ] || fail "quarantine: $(cat "$tmp/body")"
python3 - "$db" "$tmp/body" <<'PY' || fail "quarantine by department differs from the store's"
import collections, json, sqlite3, sys
db, o = sqlite3.connect(sys.argv[1]), json.load(open(sys.argv[2]))
topic_dep = dict(db.execute("SELECT id, department FROM topic"))
file_topic = dict(db.execute("SELECT id, topic FROM feed_file"))
names = dict(db.execute("SELECT code, name FROM department"))
want = collections.defaultdict(collections.Counter)
for file, topic, reason in db.execute("SELECT file, topic, reason FROM quarantine WHERE state = 'open'"):
    want[topic_dep.get(topic if topic is not None else file_topic.get(file), "")][reason] += 1
got = {d["department"]: d for d in o["by_department"]}
assert sum(sum(c.values()) for c in want.values()) == o["open"] > 0, "open rows"
assert set(got) == set(want), (sorted(got), sorted(want))
for dep, c in want.items():
    assert got[dep]["by_reason"] == dict(c) and got[dep]["open"] == sum(c.values()), dep
    assert got[dep]["name"] == names.get(dep), dep
assert len(want) >= 2, "one department only: the test would not tell them apart"
PY
[ "$(get district /api/v1/quarantine)" = 403 ] || fail "quarantine as a district officer"
echo "serve_dash: ok"
