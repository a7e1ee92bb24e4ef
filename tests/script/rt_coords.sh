#!/usr/bin/env bash
# Coordinates are two finite numbers inside the topic's bounds (default China's extent, or the
# catalog's or topic's 'bounds'), else bad_coordinates, or both left out under on_error: null
# (issue 8: lon NaN was stored as NULL with lat kept; inf alike; 0,0 was accepted).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
q() { sqlite3 "$tmp/$1" "$2"; }
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: coords
departments:
  - {code: D1, name: 部门}
topics:
  - code: REG
    name: 登记
    department: D1
    kind: registry
    files: [reg.csv]
    key: {column: id, type: local, namespace: ns}
    fields: {name: name, lon: lon, lat: lat}
  - code: SOFT
    name: 登记（宽）
    department: D1
    kind: registry
    files: [soft.csv]
    key: {column: id, type: local, namespace: so}
    fields: {name: name, lon: {column: lon, on_error: null}, lat: lat}
  - code: BOX
    name: 登记（框）
    department: D1
    kind: registry
    files: [box.csv]
    key: {column: id, type: local, namespace: bx}
    bounds: [113.0, 22.5, 114.1, 23.9]
    fields: {name: name, lon: lon, lat: lat}
YAML
rows='id,name,lon,lat
A,甲,113.3,23.1
B,乙,NaN,23.1
C,丙,1e999,23.1
D,丁,113.3,-inf
E,戊,0,0
F,己,23.1,113.3
G,庚,136.5,23.1
H,辛,116.4,39.9
I,壬,0x71,23.1
J,癸,inf,23.1
'
printf '%s' "$rows" > "$tmp/reg.csv"
printf '%s' "$rows" > "$tmp/soft.csv"
printf '%s' "$rows" > "$tmp/box.csv"
out=$("$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" --json || true)
got=$(q s.db "SELECT s.key, coalesce(e.lon,'-'), coalesce(e.lat,'-') FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1")
want='bx:A|113.3|23.1
ns:A|113.3|23.1
ns:H|116.4|39.9
so:A|113.3|23.1
so:B|-|-
so:C|-|-
so:D|-|-
so:E|-|-
so:F|-|-
so:G|-|-
so:H|116.4|39.9
so:I|-|-
so:J|-|-'
[ "$got" = "$want" ] || { echo "enterprises differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
[ "$(q s.db "SELECT count(*) FROM quarantine WHERE reason = 'bad_coordinates'")" = 17 ] \
  || { echo "bad coordinates not quarantined: $out"; exit 1; }
q s.db "SELECT detail FROM quarantine WHERE line = 3 AND reason = 'bad_coordinates' LIMIT 1" \
  | grep >/dev/null "^columns lon/lat: 'NaN', '23.1' are not finite coordinates inside the topic's bounds$" \
  || { echo "unclear detail: $(q s.db 'SELECT detail FROM quarantine')"; exit 1; }
echo "$out" | grep >/dev/null '"nulled":{"bad_coordinates":8}' || { echo "nulled not counted: $out"; exit 1; }
# The catalog's bounds apply to every registry topic; bad bounds are catalog errors at line:col.
sed 's/^departments:/bounds: [0, 0, 180, 60]\ndepartments:/' "$tmp/catalog.yaml" > "$tmp/wide.yaml"
"$crisk" ingest --db "$tmp/w.db" --catalog "$tmp/wide.yaml" > /dev/null || true
[ "$(q w.db "SELECT count(*) FROM enterprise e JOIN subject s ON s.id = e.subject WHERE s.key = 'ns:E' AND e.lon = 0")" = 1 ] \
  || { echo "the catalog's bounds were not used"; exit 1; }
expect() { # expect PATTERN BOUNDS
  sed "s/^departments:/bounds: $2\ndepartments:/" "$tmp/catalog.yaml" > "$tmp/bad.yaml"
  set +e; o=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/bad.yaml" 2>&1); rc=$?; set -e
  [ $rc = 3 ] && echo "$o" | grep >/dev/null -- "$1" || { echo "bounds $2: exit $rc: $o"; exit 1; }
}
expect "bad.yaml:2:9: 'bounds' must be a list" "[1, 2, 3]"
expect "bad.yaml:2:9: 'bounds' \[136, 3, 73, 54\] is not" "[136, 3, 73, 54]"
expect "bad.yaml:2:9: 'bounds' \[0, -100, 10, 10\] is not" "[0, -100, 10, 10]"
expect "bad.yaml:2:10: .*number" "[x, 1, 2, 3]"
printf 'catalog: x\ndepartments:\n  - {code: D1, name: n}\ntopics:\n  - code: T1\n    name: t\n    department: D1\n    kind: penalty\n    files: [a.csv]\n    key: k\n    bounds: [1, 1, 2, 2]\n    fields: {date: d}\n' > "$tmp/ev.yaml"
set +e; o=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/ev.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$o" | grep >/dev/null "ev.yaml:11:13: bounds is for registry topics" || { echo "bounds on events: $rc $o"; exit 1; }
echo "rt coords: NaN, inf, 0,0 and out-of-bounds coordinates are bad_coordinates"
