#!/usr/bin/env bash
# crisk push and crisk warnings --xlsx/--geojson on the monitor's hand-built city (monitor_fixture.py)
# with hostile values set in the store (a name with quotes, comma, line break and a control
# character; evidence past Excel's cell limit; firms with streets, grids and coordinates; a firm
# with no division; a closed warning). Checked independently: the workbook read by
# xlsx_dump.py (zipfile + XML), the CSV against `crisk warnings --csv`, the GeoJSON with json,
# the folders against the rows, and the output guards (missing folder, the store, a symbolic
# link, a non-empty push folder): exit codes and nothing half-written.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=$tmp/fx
db=$tmp/s.db
fail() { echo "push: $*"; exit 1; }
python3 "$here/monitor_fixture.py" "$fx"
"$crisk" ingest --db "$db" --catalog "$fx/catalog.yaml" > /dev/null
"$crisk" monitor --db "$db" --as-of 2025-12-31 > /dev/null

# Hostile and richer values, set in the store directly, on warnings and firms chosen in the
# store by what each check needs (never by the fixture's ids or numbers, which change with it):
#   W  the first address cluster of at least 3 firms: its firms moved to 440106 (天河区), in
#      USCC order all but the last two on street 440106001 with a grid and coordinates, the
#      next on street 440106002 (no grid), the last with a district only;
#   C  the last warning: closed;
#   X  the first other warning of at least 2 firms: evidence past Excel's cell limit;
#   N  the firm of the first other one-firm warning: no division, nor its warning a place;
#   H  the first firm (USCC order) of the first other warning: a hostile name and coordinates.
# N and H are outside W, so every choice stands whatever else the fixture holds.
q() { sqlite3 "$db" "$1"; }
nfirms='(SELECT count(*) FROM warning_firm x WHERE x.warning = w.id)'
W=$(q "SELECT min(id) FROM warning w WHERE detector = 'address_cluster' AND $nfirms >= 3")
[ -n "$W" ] || fail "the fixture has no address cluster of 3 firms or more"
C=$(q "SELECT max(id) FROM warning WHERE id <> $W")
[ -n "$C" ] || fail "the fixture has a single warning"
X=$(q "SELECT min(id) FROM warning w WHERE id NOT IN ($W, $C) AND $nfirms >= 2")
[ -n "$X" ] || fail "the fixture has no third warning of 2 firms or more"
notw="subject NOT IN (SELECT subject FROM warning_firm WHERE warning = $W)"
N=$(q "SELECT subject FROM warning_firm WHERE $notw AND warning = (SELECT min(id) FROM warning w
  WHERE id NOT IN ($W, $X, $C) AND $nfirms = 1)")
[ -n "$N" ] || fail "the fixture has no one-firm warning besides W, X and C"
H=$(q "SELECT min(e.uscc) FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
  WHERE wf.$notw AND wf.subject <> $N AND wf.warning = (SELECT min(w.id) FROM warning w
  JOIN warning_firm y ON y.warning = w.id WHERE w.id NOT IN ($W, $X, $C)
  AND y.$notw AND y.subject <> $N)")
[ -n "$H" ] || fail "the fixture has no firm for the hostile name"
mapfile -t wfirms < <(q "SELECT e.subject FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
  WHERE wf.warning = $W ORDER BY e.uscc")
nw=${#wfirms[@]}
on1=$(IFS=,; echo "${wfirms[*]:0:nw-2}")
sqlite3 "$db" <<EOF
UPDATE enterprise SET district = '440106', street = NULL, grid = NULL
  WHERE subject IN (SELECT subject FROM warning_firm WHERE warning = $W);
UPDATE warning SET district = '440106', street = NULL, grid = NULL WHERE id = $W;
UPDATE enterprise SET street = '440106001', grid = '440106001001', lon = 113.33 + subject * 0.0001,
  lat = 23.14 WHERE subject IN ($on1);
UPDATE enterprise SET street = '440106002' WHERE subject = ${wfirms[nw-2]};
UPDATE enterprise SET name = '"引号",逗号' || char(10) || '换行' || char(1) || '控制 =SUM(A1)',
  lon = 113.26, lat = 23.13 WHERE uscc = '$H';
UPDATE enterprise SET district = NULL, street = NULL, grid = NULL WHERE subject = $N;
UPDATE warning SET district = NULL, street = NULL, grid = NULL
  WHERE id IN (SELECT warning FROM warning_firm WHERE subject = $N);
UPDATE warning SET evidence = '{"note":"' || replace(hex(zeroblob(20000)), '0', '证') || '"}'
  WHERE id = $X;
UPDATE warning SET status = 'closed', closed_day = 20454 WHERE id = $C;
EOF

"$crisk" warnings --db "$db" --status open --csv > "$tmp/open.csv"
"$crisk" warnings --db "$db" --status open --xlsx "$tmp/w.xlsx" --geojson "$tmp/w.geojson" \
  2> "$tmp/err" || fail "warnings --xlsx --geojson failed: $(cat "$tmp/err")"
cut=$(sqlite3 "$db" "SELECT count(*) FROM warning_firm WHERE warning = $X")
[ "$cut" -ge 2 ] || fail "warning $X (the long evidence) names $cut firms"
word="$cut cells longer than Excel's 32,767 characters were cut"
[ "$cut" = 1 ] && word="1 cell longer than Excel's 32,767 characters was cut"
grep "$word" "$tmp/err" >/dev/null || fail "no word of the cut cells (warning $X's $cut firms): $(cat "$tmp/err")"
if ls -A "$tmp" | grep '\.tmp-' > /dev/null; then fail "a temporary file left behind"; fi
python3 "$here/xlsx_dump.py" "$tmp/w.xlsx" > "$tmp/w.json"
sqlite3 -separator ' ' "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.lon IS NOT NULL" > "$tmp/n_geo"

sqlite3 "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  WHERE w.status = 'open'" > "$tmp/n_open"
python3 - "$tmp" "$here/../../data" "$X" "$H" <<'EOF' || fail "warnings files differ from the listing"
import csv, json, sys
tmp, data, cut_warning, hostile_uscc = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
names = {}
for f in ("guangzhou_districts.csv", "guangzhou_streets.csv", "guangzhou_communities_2021.csv"):
    for r in csv.reader(open(f"{data}/divisions/{f}", encoding="utf-8")):
        names[r[0]] = r[1]
label = {"address_cluster": "一址多照", "person_cluster": "一人多企", "level_jump": "等级跃升",
         "zombie": "僵尸企业", "unreachable": "失联企业", "legal_rep_churn": "频繁变更法定代表人",
         "capital_mismatch": "注册资本异常"}
ref = list(csv.DictReader(open(f"{tmp}/open.csv", encoding="utf-8", newline="")))
n_open = int(open(f"{tmp}/n_open").read())  # counted by sqlite3, warning 9 closed above
assert len(ref) == n_open > 0, (len(ref), n_open)
wb = json.load(open(f"{tmp}/w.json"))
sheets = wb["sheets"]
assert [s["name"] for s in sheets] == list(label.values()), [s["name"] for s in sheets]
head = ["预警编号", "预警类型", "统一社会信用代码", "企业名称", "地址", "区", "街道(镇)", "网格", "状态",
        "发现日期", "摘要", "证据", "区代码", "街道代码", "网格代码"]
got = []
for s in sheets:
    assert s["frozen_rows"] == 1 and [c["v"] for c in s["rows"][0]] == head, s["name"]
    for row in s["rows"][1:]:
        row = row + [None] * (15 - len(row))
        v = [None if c is None else c["v"] for c in row]
        assert all(c is None or c["t"] == "s" for i, c in enumerate(row) if i not in (0, 9)), row
        assert row[2]["t"] == "s"  # the USCC a string cell
        got.append((s["name"], v))
assert len(got) == len(ref), (len(got), len(ref))
by_key = {(int(v[0]), v[2]): (sn, v) for sn, v in got}
for r in ref:
    sn, v = by_key[(int(r["warning"]), r["uscc"])]
    assert sn == label[r["detector"]] and v[1] == label[r["detector"]], (sn, r)
    assert v[3] == r["name"], (v[3], r["name"])
    d = r["district"]
    if d:
        assert v[12] == d and v[5] == names[d], (v, r)
        assert (v[13] or "") == r["street"] and (v[6] or "") == names.get(r["street"], r["street"])
        assert (v[14] or "") == r["grid"] and (v[7] or "") == names.get(r["grid"], r["grid"])
    assert v[8] == "有效" and v[10] == r["summary"], v
    import datetime
    assert datetime.date(1899, 12, 30) + datetime.timedelta(days=v[9]) == datetime.date.fromisoformat(r["opened"])
    ev = v[11]
    if int(r["warning"]) == cut_warning:
        assert len(ev.encode("utf-16-le")) // 2 <= 32767 and ev.endswith("全文见 crisk warnings --json）"), len(ev)
    else:
        assert len(ev) < 32767 and ev.startswith("{"), ev[:40]
hostile = [v for sn, v in got if v[2] == hostile_uscc]
assert len(hostile) >= 1, hostile_uscc
hostile = hostile[0]
assert hostile[3] == '"引号",逗号\n换行\x01控制 =SUM(A1)', repr(hostile[3])

geo = json.load(open(f"{tmp}/w.geojson"))
assert geo["type"] == "FeatureCollection"
polys = [f for f in geo["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
# The city's map draws every district of data/geo, each a district of data/divisions.
ref_geo = json.load(open(f"{data}/geo/guangzhou_districts.geojson", encoding="utf-8"))
districts = {r[0] for r in csv.reader(open(f"{data}/divisions/guangzhou_districts.csv", encoding="utf-8"))
             if r[0] != "code"}
ref_codes = sorted(str(f["properties"]["adcode"]) for f in ref_geo["features"])
assert ref_codes and set(ref_codes) == districts, (ref_codes, districts)
assert sorted(f["properties"]["code"] for f in polys) == ref_codes, [f["properties"]["code"] for f in polys]
assert len(polys) + len(points) == len(geo["features"])
assert len(points) == int(open(f"{tmp}/n_geo").read()) > 0, len(points)
def rings(g):
    return g["coordinates"] if g["type"] == "Polygon" else [r for p in g["coordinates"] for r in p]
for f in polys:
    for ring in rings(f["geometry"]):
        assert ring[0] == ring[-1] and len(ring) >= 4
        assert all(112.9 < x < 114.1 and 22.5 < y < 24.0 for x, y in ring)
    p = f["properties"]
    assert p["name"] == names[p["code"]]
    rows = [r for r in ref if r["district"] == p["code"]]
    assert p["open_warnings"] == len({r["warning"] for r in rows}), p
    assert p["firms"] == len({r["uscc"] for r in rows}), p
for f in points:
    p = f["properties"]
    assert set(p) == {"warning", "detector", "uscc", "name", "district", "street", "grid"}
EOF

# The push: folders per district and street, each with the three files, the CSV as the listing.
"$crisk" push --db "$db" --out "$tmp/push" --json > "$tmp/push.json" 2> "$tmp/err" ||
  fail "push failed: $(cat "$tmp/err")"
if ls -A "$tmp" | grep '\.push-' > /dev/null; then fail "the staging folder left behind"; fi
# Counted in the store: the open rows per street of 440106, and those of firms with no division.
sqlite3 -separator ' ' "$db" "SELECT e.street, count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.district = '440106'
  AND e.street IS NOT NULL GROUP BY e.street" > "$tmp/st_440106"
sqlite3 "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.district IS NULL" > "$tmp/n_none"
python3 - "$tmp" "$here" <<'EOF' || fail "the push's folders or files are wrong"
import csv, json, os, subprocess, sys
tmp, here = sys.argv[1], sys.argv[2]
data = f"{here}/../../data"
out = f"{tmp}/push"
names = {}
for f in ("guangzhou_districts.csv", "guangzhou_streets.csv", "guangzhou_communities_2021.csv"):
    for r in csv.reader(open(f"{data}/divisions/{f}", encoding="utf-8")):
        names[r[0]] = r[1]
label = {"address_cluster": "一址多照", "person_cluster": "一人多企", "level_jump": "等级跃升",
         "zombie": "僵尸企业", "unreachable": "失联企业", "legal_rep_churn": "频繁变更法定代表人",
         "capital_mismatch": "注册资本异常"}
s = json.load(open(f"{tmp}/push.json"))
ref = list(csv.DictReader(open(f"{tmp}/open.csv", encoding="utf-8", newline="")))
files = sorted(os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs)
assert sorted(s["files"]) == files, (s["files"], files)
assert s["rows"] == len(ref) and s["warnings"] == len({r["warning"] for r in ref}), s
def rows_of(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [(r["预警编号"], r["统一社会信用代码"], r["企业名称"], r["区代码"], r["街道代码"])
                for r in csv.DictReader(f)]
def want(pred):
    return [(r["warning"], r["uscc"], r["name"], r["district"], r["street"]) for r in ref if pred(r)]
def book(path, pred):
    """The workbook at path, read by xlsx_dump.py: all seven sheets, each holding the listing's
    rows of its detector that pred keeps, with the division names of data/divisions."""
    wb = json.loads(subprocess.run([sys.executable, f"{here}/xlsx_dump.py", path], check=True,
                                   stdout=subprocess.PIPE).stdout)
    assert [x["name"] for x in wb["sheets"]] == list(label.values()), path
    n = 0
    for sheet in wb["sheets"]:
        got = []
        for row in sheet["rows"][1:]:
            v = [None if c is None else c["v"] for c in row + [None] * (15 - len(row))]
            assert row[2]["t"] == "s", row  # the USCC a string cell
            got.append((str(int(v[0])), v[2], v[3], v[12] or "", v[13] or "", v[14] or "",
                        v[5] or "", v[6] or "", v[7] or ""))
        exp = [(r["warning"], r["uscc"], r["name"], r["district"], r["street"], r["grid"],
                names[r["district"]] if r["district"] else "",
                names.get(r["street"], r["street"]), names.get(r["grid"], r["grid"]))
               for r in ref if pred(r) and label[r["detector"]] == sheet["name"]]
        assert got == exp, (path, sheet["name"], got, exp)
        n += len(got)
    return n
assert open(f"{out}/warnings.csv", "rb").read(3) == b"\xef\xbb\xbf"
top = rows_of(f"{out}/warnings.csv")
assert [t[:3] for t in top] == [w[:3] for w in want(lambda r: True)], (top, want(lambda r: True))
assert book(f"{out}/warnings.xlsx", lambda r: True) == len(ref)
dirs = {d["code"]: d for d in s["districts"]}
assert set(dirs) == {r["district"] for r in ref}, (set(dirs), {r["district"] for r in ref})
for code, d in dirs.items():
    folder = f"{out}/{d['folder']}"
    assert d["folder"] == (f"{code}_{names[code]}" if code else "未分区"), d
    for f in ("warnings.xlsx", "warnings.csv", "map.geojson"):
        assert os.path.isfile(f"{folder}/{f}"), (folder, f)
    assert [t[:3] for t in rows_of(f"{folder}/warnings.csv")] == [w[:3] for w in want(lambda r: r["district"] == code)]
    assert book(f"{folder}/warnings.xlsx", lambda r: r["district"] == code) == d["rows"] > 0, d
    geo = json.load(open(f"{folder}/map.geojson"))
    polys = [f for f in geo["features"] if f["geometry"]["type"] != "Point"]
    assert len(polys) == (1 if code else 0) and all(p["properties"]["code"] == code for p in polys)
    streets = {r["street"] for r in ref if r["district"] == code and r["street"]}
    assert {x["code"] for x in d["streets"]} == streets, (d["streets"], streets)
    subdirs = sorted(x for x in os.listdir(folder) if os.path.isdir(f"{folder}/{x}"))
    assert subdirs == sorted(f"{st}_{names[st]}" for st in streets), (subdirs, streets)
    for st in d["streets"]:
        sf = f"{folder}/{st['code']}_{names[st['code']]}"
        assert [t[:3] for t in rows_of(f"{sf}/warnings.csv")] == [w[:3] for w in want(lambda r: r["street"] == st["code"])]
        assert book(f"{sf}/warnings.xlsx", lambda r: r["street"] == st["code"]) == st["rows"] > 0, st
        assert os.path.isfile(f"{sf}/map.geojson")
# Against the store: 440106's streets (the two set above among them) and their rows; the firm
# without a division and its warning without a place in 未分区.
st_store = {c: int(n) for c, n in (l.split() for l in open(f"{tmp}/st_440106"))}
assert {"440106001", "440106002"} <= set(st_store), st_store
assert {x["code"]: x["rows"] for x in dirs["440106"]["streets"]} == st_store, (dirs["440106"], st_store)
for code, n in st_store.items():
    assert len(rows_of(f"{out}/440106_{names['440106']}/{code}_{names[code]}/warnings.csv")) == n, code
n_none = int(open(f"{tmp}/n_none").read())
assert n_none > 0 and "" in dirs and len(rows_of(f"{out}/未分区/warnings.csv")) == n_none, (n_none, dirs.get(""))
EOF
# The street with grids, read on its own: every row named by data/divisions (street and grid).
python3 "$here/xlsx_dump.py" "$tmp/push/440106_天河区/440106001_五山街道/warnings.xlsx" > "$tmp/st.json"
n_st=$(sqlite3 "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.street = '440106001'
  AND w.detector = 'address_cluster'")
python3 - "$tmp/st.json" "$n_st" "$here/../../data" <<'EOF' || fail "the street's workbook"
import csv, json, sys
d = json.load(open(sys.argv[1]))
n, data = int(sys.argv[2]), sys.argv[3]
names = {}
for f in ("guangzhou_streets.csv", "guangzhou_communities_2021.csv"):
    for r in csv.reader(open(f"{data}/divisions/{f}", encoding="utf-8")):
        names[r[0]] = r[1]
assert names["440106001"] == "五山街道", names["440106001"]
s = d["sheets"][0]
assert s["name"] == "一址多照" and n > 0 and len(s["rows"]) == 1 + n, (s["name"], len(s["rows"]), n)
assert all(r[6]["v"] == names["440106001"] and r[7]["v"] == names["440106001001"] for r in s["rows"][1:])
EOF

# Guards. A push folder that is not empty: usage error, nothing touched.
set +e
"$crisk" push --db "$db" --out "$tmp/push" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "not empty" "$tmp/err" || fail "a non-empty --out: exit $rc"
# A push folder whose parent is missing: failure, nothing created.
"$crisk" push --db "$db" --out "$tmp/no/such/push" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/no" ] || fail "--out in a missing folder: exit $rc"
# A workbook in a missing folder: failure, nothing written.
"$crisk" warnings --db "$db" --xlsx "$tmp/no/w.xlsx" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && [ ! -e "$tmp/no" ] && grep -q "cannot create" "$tmp/err" || fail "--xlsx in a missing folder: exit $rc"
# The store, under another name, as the output: usage error, the store intact.
sum=$(sqlite3 "$db" "SELECT count(*) FROM warning")
ln "$db" "$tmp/hard.xlsx"
"$crisk" warnings --db "$db" --xlsx "$tmp/hard.xlsx" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] || fail "--xlsx onto the store: exit $rc"
"$crisk" warnings --db "$db" --geojson "$db-wal" 2> "$tmp/err"; rc=$?
[ $rc = 2 ] || fail "--geojson onto the store's -wal: exit $rc"
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning")" = "$sum" ] || fail "the store changed"
# A symbolic link as the output: refused, its target untouched.
echo keep > "$tmp/target"
ln -s "$tmp/target" "$tmp/link.geojson"
"$crisk" warnings --db "$db" --geojson "$tmp/link.geojson" 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && [ "$(cat "$tmp/target")" = keep ] || fail "--geojson through a symbolic link: exit $rc"
# A failed write keeps the earlier file whole: the old workbook stays when the new one fails.
cp "$tmp/w.xlsx" "$tmp/old.xlsx"
"$crisk" warnings --db "$tmp/nostore.db" --xlsx "$tmp/w.xlsx" 2> /dev/null; rc=$?
[ $rc = 3 ] && cmp -s "$tmp/w.xlsx" "$tmp/old.xlsx" || fail "a failed run replaced the workbook: exit $rc"
# Options.
"$crisk" push --db "$db" 2> /dev/null; [ $? = 2 ] || fail "push without --out"
"$crisk" push --db "$db" --out "$tmp/p2" --status maybe 2> /dev/null; [ $? = 2 ] || fail "bad --status"
set -e
if ls -A "$tmp" | grep '\.tmp-\|\.push-' > /dev/null; then fail "temporary files left behind"; fi
# --district: one polygon; --status all includes the closed warning.
"$crisk" warnings --db "$db" --district 440106 --geojson "$tmp/d.geojson"
python3 -c "import json,sys; g=json.load(open(sys.argv[1])); p=[f for f in g['features'] if f['geometry']['type']!='Point']; assert len(p)==1 and p[0]['properties']['code']=='440106', p" "$tmp/d.geojson" ||
  fail "--district geojson"
"$crisk" push --db "$db" --out "$tmp/all" --status all --json > "$tmp/all.json"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['rows']==int(sys.argv[2])>0, s['rows']" "$tmp/all.json" \
  "$(sqlite3 "$db" "SELECT count(*) FROM warning_firm")" || fail "--status all"
echo "push: ok"
