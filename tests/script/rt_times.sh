#!/usr/bin/env bash
# A date's time is checked (hour 0-23, minute and second 0-59) and a time written with a zone is
# moved into the catalog's time_zone (default +08:00), which may change its day (issue 8:
# 2021-01-01 25:00 and 10:61 loaded, and -05:00 was ignored).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: times
departments:
  - {code: D1, name: n}
topics:
  - code: T1
    name: t
    department: D1
    kind: penalty
    files: [a.csv]
    key: {column: k, type: local, namespace: ns}
    fields: {date: d}
YAML
printf 'k,d\nA,2021-01-01 25:00\nB,2021-01-01 10:61\nC,2021-11-04T23:30:00-05:00\nD,2021-11-04T02:00:00+08:00\nE,2021-11-04 23:59:59\n' > "$tmp/a.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" > /dev/null || true
got=$("$crisk" events --db "$tmp/s.db" --csv | cut -d, -f2,5 | sort)
want='key,date
ns:C,2021-11-05
ns:D,2021-11-04
ns:E,2021-11-04'
[ "$got" = "$want" ] || { echo "events differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
[ "$(sqlite3 "$tmp/s.db" "SELECT group_concat(line || ':' || reason) FROM quarantine ORDER BY line")" = "2:bad_date,3:bad_date" ] \
  || { echo "bad times not quarantined: $(sqlite3 "$tmp/s.db" 'SELECT * FROM quarantine')"; exit 1; }
# Another city's zone.
sed 's/^departments:/time_zone: "-05:00"\ndepartments:/' "$tmp/catalog.yaml" > "$tmp/us.yaml"
"$crisk" ingest --db "$tmp/u.db" --catalog "$tmp/us.yaml" > /dev/null || true
got=$("$crisk" events --db "$tmp/u.db" --csv | cut -d, -f2,5 | sort)
want='key,date
ns:C,2021-11-04
ns:D,2021-11-03
ns:E,2021-11-04'
[ "$got" = "$want" ] || { echo "events in -05:00 differ:"; diff <(echo "$want") <(echo "$got"); exit 1; }
sed 's/^departments:/time_zone: Asia\/Shanghai\ndepartments:/' "$tmp/catalog.yaml" > "$tmp/bad.yaml"
set +e; o=$("$crisk" ingest --db "$tmp/b.db" --catalog "$tmp/bad.yaml" 2>&1); rc=$?; set -e
[ $rc = 3 ] && echo "$o" | grep >/dev/null "bad.yaml:2:12: time_zone must be a UTC offset such as +08:00" \
  || { echo "bad time_zone: $rc $o"; exit 1; }
echo "rt times: times checked, zones moved into the catalog's"
