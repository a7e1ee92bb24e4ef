#!/usr/bin/env bash
# The respond stage's tasks on the push's map (docs/push.md "The map"): firms placed by hand in
# two districts with and without coordinates, warnings and a roster, dispatch, one task closed,
# then crisk push and crisk warnings --geojson on an injected --today. Every polygon's
# open_tasks and overdue_tasks and every task point (its firms and their mean) are recomputed
# with sqlite3 from the task and enterprise tables; a closed task, a task of a closed warning
# and a task without coordinated firms have no point; the street and district files hold their
# own tasks only.
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "push_tasks: $*"; exit 1; }
q() { sqlite3 "$db" "$1"; }
"$crisk" gen --out "$tmp/city" --enterprises 60 --seed 7 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
mapfile -t S < <(q "SELECT subject FROM enterprise ORDER BY subject LIMIT 7")
q "UPDATE enterprise SET lon = NULL, lat = NULL"
place() { q "UPDATE enterprise SET district=$2, street=$3, grid=$4, lon=$5, lat=$6 WHERE subject=$1"; }
place "${S[0]}" "'440106'" "'440106001'" "'440106001001'" 113.30 23.10  # A: 天河, grid 1
place "${S[1]}" "'440106'" "'440106001'" "'440106001001'" 113.32 23.14  # B: same grid
place "${S[2]}" "'440106'" "'440106001'" "'440106001002'" NULL NULL     # C: grid 2, no coordinates
place "${S[3]}" "'440104'" "'440104001'" "'440104001101'" 113.27 23.12  # D: 越秀
place "${S[4]}" "'440104'" "'440104001'" NULL 113.28 23.13              # E: 越秀, a street only
place "${S[5]}" "'440106'" "'440106002'" "'440106002008'" 113.35 23.15  # F: closed warning
place "${S[6]}" "'440104'" "'440104001'" "'440104001102'" 113.26 23.11  # G: its task closed
q "INSERT INTO warning(id, detector, key, status, rule_version, first_run, last_run, opened_day,
     summary, evidence) VALUES
   (1, 'address_cluster', 'k1', 'open', 1, 1, 1, 20400, 'w1', '{}'),
   (2, 'person_cluster', 'k2', 'open', 1, 1, 1, 20400, 'w2', '{}'),
   (3, 'zombie', 'k3', 'closed', 1, 1, 1, 20400, 'w3', '{}'),
   (4, 'zombie', 'k4', 'open', 1, 1, 1, 20400, 'w4', '{}');
   INSERT INTO warning_firm VALUES (1, ${S[0]}), (1, ${S[1]}), (1, ${S[2]}),
     (2, ${S[3]}), (2, ${S[4]}), (2, ${S[0]}), (3, ${S[5]}), (4, ${S[6]});"
cat > "$tmp/roster.csv" <<'R'
id,name,role,division,qualifications
C1,陈市,city,440100,
G7,何网,grid,440104001102,
R
"$crisk" roster --db "$db" --file "$tmp/roster.csv" > /dev/null
# W3 is open at the first dispatch (its task exists), then closes
q "UPDATE warning SET status='open' WHERE id=3"
"$crisk" dispatch --db "$db" --today 2026-01-05 > /dev/null
q "UPDATE warning SET status='closed', closed_day=20460 WHERE id=3"
t4=$(q "SELECT id FROM task WHERE warning=4")
"$crisk" task --db "$db" "$t4" --accept --by G7 --today 2026-01-06 > /dev/null
"$crisk" task --db "$db" "$t4" --close false_alarm --by G7 --today 2026-01-06 > /dev/null
# 2026-01-14: the grid tasks (5 working days) are overdue, street (10) and coordinating not
today=2026-01-14
"$crisk" dispatch --db "$db" --today 2026-01-06 > /dev/null  # nothing new, nothing escalated (not before the close of 01-06)
[ "$(q "SELECT count(*) FROM task WHERE status != 'closed' AND due_day < 20467")" -gt 0 ] || fail "no overdue task in the fixture"
[ "$(q "SELECT count(*) FROM task WHERE status != 'closed' AND due_day >= 20467")" -gt 0 ] || fail "no task in time in the fixture"

"$crisk" push --db "$db" --out "$tmp/push" --today "$today" > /dev/null
"$crisk" warnings --db "$db" --geojson "$tmp/w.geojson" --today "$today" > /dev/null
"$crisk" warnings --db "$db" --district 440104 --geojson "$tmp/d.geojson" --today "$today" > /dev/null

python3 - "$db" "$tmp" "$today" <<'P' || fail "the maps disagree with the store"
import datetime, glob, json, os, sqlite3, sys
db, tmp, today = sys.argv[1], sys.argv[2], sys.argv[3]
c = sqlite3.connect(db)
tday = (datetime.date.fromisoformat(today) - datetime.date(1970, 1, 1)).days
# open tasks of open warnings, with their firms of coordinates in their division
tasks = c.execute("""SELECT t.id, t.warning, t.level, t.division, t.kind, t.status, t.due_day
                     FROM task t JOIN warning w ON w.id = t.warning
                     WHERE t.status != 'closed' AND w.status = 'open'""").fetchall()
def firms(w, level, div):
    rows = c.execute("""SELECT coalesce(e.grid, e.street, e.district, ''), e.lon, e.lat
                        FROM warning_firm f JOIN enterprise e ON e.subject = f.subject
                        WHERE f.warning = ? AND e.lon IS NOT NULL""", (w,)).fetchall()
    return [(lon, lat) for own, lon, lat in rows if level == 0 or own.startswith(div)]
def check(path, within):
    fs = json.load(open(path))["features"]
    mine = [t for t in tasks if t[3].startswith(within)]
    for f in fs:
        p = f["properties"]
        if f["geometry"]["type"] in ("Polygon", "MultiPolygon"):
            code = p["code"]
            want = [t for t in mine if t[3].startswith(code)]
            assert p["open_tasks"] == len(want), (path, code, p, want)
            assert p["overdue_tasks"] == sum(t[6] < tday for t in want), (path, code, p)
    pts = {f["properties"]["task"]: f for f in fs if "task" in f["properties"]}
    want = {t[0]: t for t in mine if firms(t[1], t[2], t[3])}
    assert set(pts) == set(want), (path, sorted(pts), sorted(want))
    for tid, t in want.items():
        p, g = pts[tid]["properties"], pts[tid]["geometry"]
        fl = firms(t[1], t[2], t[3])
        assert p["warning"] == t[1] and p["division"] == t[3] and p["kind"] == t[4], p
        assert p["status"] == t[5] and p["firms"] == len(fl), (p, fl)
        assert p["overdue"] == (t[6] < tday), p
        due = datetime.date(1970, 1, 1) + datetime.timedelta(t[6])
        assert p["due"] == due.isoformat(), p
        mx, my = sum(x for x, _ in fl) / len(fl), sum(y for _, y in fl) / len(fl)
        assert abs(g["coordinates"][0] - mx) < 1e-6 and abs(g["coordinates"][1] - my) < 1e-6, (g, mx, my)
    return len(pts)
# the fixture must exercise what it claims
closed = c.execute("SELECT count(*) FROM task WHERE status = 'closed'").fetchone()[0]
of_closed_warning = c.execute("SELECT count(*) FROM task t JOIN warning w ON w.id = t.warning WHERE w.status = 'closed'").fetchone()[0]
assert closed == 1 and of_closed_warning == 1, (closed, of_closed_warning)
assert any(not firms(t[1], t[2], t[3]) for t in tasks), "no task without coordinates"
n_city = check(os.path.join(tmp, "push", "map.geojson"), "")
assert n_city >= 4, n_city
assert check(os.path.join(tmp, "w.geojson"), "") == n_city
check(os.path.join(tmp, "d.geojson"), "440104")
n = 0
for path in glob.glob(os.path.join(tmp, "push", "44*", "map.geojson")):
    check(path, os.path.basename(os.path.dirname(path))[:6]); n += 1
for path in glob.glob(os.path.join(tmp, "push", "44*", "44*", "map.geojson")):
    check(path, os.path.basename(os.path.dirname(path))[:9]); n += 1
assert n == 4, n  # 越秀, 洪桥, 天河, 五山 (员村 has only the closed warning)
P
# the city file's totals, by sqlite3 alone
want=$(q "SELECT count(*) FROM task t JOIN warning w ON w.id = t.warning WHERE t.status != 'closed' AND w.status = 'open' AND t.division LIKE '440106%'")
got=$(python3 -c 'import json,sys; print([f["properties"]["open_tasks"] for f in json.load(open(sys.argv[1]))["features"] if f["properties"].get("code") == "440106"][0])' "$tmp/push/map.geojson")
[ "$got" = "$want" ] && [ "$want" -ge 3 ] || fail "天河 open_tasks $got, sqlite3 says $want"
# a bad --today is a usage error
set +e
"$crisk" push --db "$db" --out "$tmp/p2" --today 2026-13-01 2> /dev/null; rc=$?
set -e
[ $rc = 2 ] || fail "push --today 2026-13-01: exit $rc"
echo ok
