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

# Hostile and richer values, set in the store directly.
sqlite3 "$db" <<'EOF'
UPDATE enterprise SET street = '440106001', grid = '440106001001', lon = 113.33 + subject * 0.0001,
  lat = 23.14 WHERE uscc IN ('91440106MA00000011', '91440106MA00000024', '91440106MA00000037',
  '91440106MA0000004A', '91440106MA0000005D');
UPDATE enterprise SET street = '440106002' WHERE uscc IN ('91440106MA0000006G', '91440106MA0000007K');
UPDATE enterprise SET name = '"引号",逗号' || char(10) || '换行' || char(1) || '控制 =SUM(A1)',
  lon = 113.26, lat = 23.13 WHERE uscc = '91440106MA00000415';
UPDATE enterprise SET district = NULL, street = NULL, grid = NULL WHERE uscc = '91440106MA0000066N';
UPDATE warning SET district = NULL, street = NULL, grid = NULL
  WHERE id IN (SELECT warning FROM warning_firm wf JOIN enterprise e ON e.subject = wf.subject
               WHERE e.uscc = '91440106MA0000066N');
UPDATE warning SET evidence = '{"note":"' || replace(hex(zeroblob(20000)), '0', '证') || '"}'
  WHERE id = 2;
UPDATE warning SET status = 'closed', closed_day = 20454 WHERE id = 9;
EOF

"$crisk" warnings --db "$db" --status open --csv > "$tmp/open.csv"
"$crisk" warnings --db "$db" --status open --xlsx "$tmp/w.xlsx" --geojson "$tmp/w.geojson" \
  2> "$tmp/err" || fail "warnings --xlsx --geojson failed: $(cat "$tmp/err")"
cut=$(sqlite3 "$db" "SELECT count(*) FROM warning_firm WHERE warning = 2")
[ "$cut" -gt 0 ] || fail "the fixture's warning 2 names no firm"
word="$cut cells longer than Excel's 32,767 characters were cut"
[ "$cut" = 1 ] && word="1 cell longer than Excel's 32,767 characters was cut"
grep "$word" "$tmp/err" >/dev/null || fail "no word of the cut cells (warning 2's $cut firms): $(cat "$tmp/err")"
if ls -A "$tmp" | grep '\.tmp-' > /dev/null; then fail "a temporary file left behind"; fi
python3 "$here/xlsx_dump.py" "$tmp/w.xlsx" > "$tmp/w.json"
sqlite3 -separator ' ' "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  JOIN enterprise e ON e.subject = wf.subject WHERE w.status = 'open' AND e.lon IS NOT NULL" > "$tmp/n_geo"

sqlite3 "$db" "SELECT count(*) FROM warning w JOIN warning_firm wf ON wf.warning = w.id
  WHERE w.status = 'open'" > "$tmp/n_open"
python3 - "$tmp" "$here/../../data" <<'EOF' || fail "warnings files differ from the listing"
import csv, json, sys
tmp, data = sys.argv[1], sys.argv[2]
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
    if int(r["warning"]) == 2:
        assert len(ev.encode()) <= 32767 and ev.endswith("全文见 crisk warnings --json）"), len(ev)
    else:
        assert len(ev) < 32767 and ev.startswith("{"), ev[:40]
hostile = [v for sn, v in got if v[2] == "91440106MA00000415"][0]
assert hostile[3] == '"引号",逗号\n换行\x01控制 =SUM(A1)', repr(hostile[3])

geo = json.load(open(f"{tmp}/w.geojson"))
assert geo["type"] == "FeatureCollection"
polys = [f for f in geo["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
points = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
assert len(polys) == 11 and len(polys) + len(points) == len(geo["features"])
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
python3 - "$tmp" <<'EOF' || fail "the push's folders or files are wrong"
import csv, json, os, sys
tmp = sys.argv[1]
out = f"{tmp}/push"
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
assert open(f"{out}/warnings.csv", "rb").read(3) == b"\xef\xbb\xbf"
# The firm without a division and a warning without a place: 未分区.
top = rows_of(f"{out}/warnings.csv")
assert [t[:3] for t in top] == [w[:3] for w in want(lambda r: True)], (top, want(lambda r: True))
dirs = {d["code"]: d for d in s["districts"]}
assert set(dirs) == {r["district"] for r in ref}, (set(dirs), {r["district"] for r in ref})
for code, d in dirs.items():
    folder = f"{out}/{d['folder']}"
    assert d["folder"] == (f"{code}_{d['name']}" if code else "未分区"), d
    for f in ("warnings.xlsx", "warnings.csv", "map.geojson"):
        assert os.path.isfile(f"{folder}/{f}"), (folder, f)
    assert [t[:3] for t in rows_of(f"{folder}/warnings.csv")] == [w[:3] for w in want(lambda r: r["district"] == code)]
    geo = json.load(open(f"{folder}/map.geojson"))
    polys = [f for f in geo["features"] if f["geometry"]["type"] != "Point"]
    assert len(polys) == (1 if code else 0) and all(p["properties"]["code"] == code for p in polys)
    streets = {r["street"] for r in ref if r["district"] == code and r["street"]}
    assert {x["code"] for x in d["streets"]} == streets, (d["streets"], streets)
    for st in d["streets"]:
        sf = f"{folder}/{st['code']}_{st['name']}"
        assert [t[:3] for t in rows_of(f"{sf}/warnings.csv")] == [w[:3] for w in want(lambda r: r["street"] == st["code"])]
        assert os.path.isfile(f"{sf}/warnings.xlsx") and os.path.isfile(f"{sf}/map.geojson")
assert dirs["440106"]["streets"] and len(dirs["440106"]["streets"]) == 2
assert "" in dirs  # 未分区
EOF
python3 "$here/xlsx_dump.py" "$tmp/push/440106_天河区/440106001_五山街道/warnings.xlsx" > "$tmp/st.json"
python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); s=d['sheets'][0]
assert s['name']=='一址多照' and len(s['rows'])==6, (s['name'], len(s['rows']))
assert all(r[6]['v']=='五山街道' and r[7]['v']=='岳洲社区居委会' for r in s['rows'][1:])" "$tmp/st.json" ||
  fail "the street's workbook"

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
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert s['rows']==33, s['rows']" "$tmp/all.json" || fail "--status all"
echo "push: ok"
