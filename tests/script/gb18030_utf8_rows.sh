#!/usr/bin/env bash
# Rows another system appended in UTF-8 to a file declared gb18030 load as written, counted and
# warned about (decoded as GB18030 they loaded as other characters without a word); a quarantined
# one is retried as UTF-8 too; and no line of the generated city's GB18030 department is taken for
# UTF-8.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gb18030_utf8_rows: $*"; exit 1; }
cat > "$tmp/c.yaml" <<'YAML'
catalog: x
departments:
  - {code: D1, name: n}
topics:
  - code: T1
    name: t
    department: D1
    kind: penalty
    files: [a.csv]
    encoding: gb18030
    key: k
    fields: {date: d}
    attrs: [备注]
YAML
key=91440101MA5CJQ4N59
# Lines: 1 header and 2 a row in GB18030; 3 a UTF-8 row; 4 a UTF-8 row with a bad date; 5 a
# UTF-8 row with one ideograph only (not certainly UTF-8: read as GB18030, where it does not decode);
# 6 a row whose bytes are neither.
printf 'k,d,备注\n%s,2021-01-01,代码\n' "$key" | iconv -f UTF-8 -t GB18030 > "$tmp/a.csv"
printf '%s,2021-01-02,企业名称\n%s,2021-13-45,行政处罚\n%s,2021-01-03,甲\n' "$key" "$key" "$key" >> "$tmp/a.csv"
printf '%s,2021-01-04,\xff\xfe\n' "$key" >> "$tmp/a.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" --json > "$tmp/out.json"
grep -q '"read":5,"loaded":2,"duplicates":0,"quarantined":3,.*"utf8_lines":2,"utf8_first_line":3' "$tmp/out.json" ||
  fail "counts: $(cat "$tmp/out.json")"
got=$("$crisk" events --db "$tmp/s.db" --csv | cut -d, -f5,7- | tail -n +2 | LC_ALL=C sort | tr '\n' ';')
[ "$got" = '2021-01-01,"{""备注"":""代码""}";2021-01-02,"{""备注"":""企业名称""}";' ] ||
  fail "stored events: $got"
q=$(sqlite3 "$tmp/s.db" "SELECT group_concat(line || ':' || reason, ' ') FROM (SELECT line, reason FROM quarantine ORDER BY line)")
[ "$q" = "4:bad_date 5:bad_encoding 6:bad_encoding" ] || fail "quarantined lines: $q"
[ "$(sqlite3 "$tmp/s.db" "SELECT raw FROM quarantine WHERE line = 4")" = "$key,2021-13-45,行政处罚" ] ||
  fail "the UTF-8 row's raw is not kept as written"
# Stopped after its UTF-8 rows and resumed (T17 F8): the count and the first line are the file's,
# as its other counts are (the resumed run said "the first at line 0").
CRISK_FAULT_ROW=4 "$crisk" ingest --db "$tmp/r.db" --catalog "$tmp/c.yaml" --batch-rows 1 --threads 1 > /dev/null 2>&1 &&
  fail "the fault did not stop the ingest"
"$crisk" ingest --db "$tmp/r.db" --catalog "$tmp/c.yaml" --json > "$tmp/r.json"
grep -q '"resumed":true,"utf8_lines":2,"utf8_first_line":3' "$tmp/r.json" || fail "resumed: $(cat "$tmp/r.json")"
text=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/c.yaml")
echo "$text" | grep >/dev/null -F 'WARNING 2 rows are UTF-8 in a file declared gb18030, the first at line 3: read as UTF-8' || fail "text report: $text"
# Fixed and retried, the UTF-8 row is read as UTF-8 again, and so is a row whose bad bytes an
# analyst replaced by typing UTF-8 text (the export is UTF-8).
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/q.csv" 2> /dev/null
sed -i 's/2021-13-45,行政处罚"$/2021-12-31,行政处罚"/; s/2021-01-04,[^"]*"$/2021-01-04,行政许可"/' "$tmp/q.csv"
grep -q '2021-01-04,行政许可"$' "$tmp/q.csv" || fail "the test could not edit the export: $(cat "$tmp/q.csv")"
"$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/q.csv" --catalog "$tmp/c.yaml" > /dev/null
got=$("$crisk" events --db "$tmp/s.db" --csv | grep -c '2021-12-31,,"{""备注"":""行政处罚""}"' || true)
[ "$got" = 1 ] || fail "the retried UTF-8 row: $("$crisk" events --db "$tmp/s.db" --csv)"
got=$("$crisk" events --db "$tmp/s.db" --csv | grep -c '2021-01-04,,"{""备注"":""行政许可""}"' || true)
[ "$got" = 1 ] || fail "the row fixed by typing UTF-8: $("$crisk" events --db "$tmp/s.db" --csv)"
# A UTF-8 row appended later: the appended read names its own first UTF-8 line.
printf '%s,2021-01-05,行政许可\n' "$key" >> "$tmp/a.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" --json > "$tmp/app.json"
grep -q '"appended_from":7,"utf8_lines":1,"utf8_first_line":7' "$tmp/app.json" || fail "appended: $(cat "$tmp/app.json")"
# No false alarm: the generated city's GB18030 department reads as before.
"$crisk" gen --out "$tmp/city" --enterprises 3000 --seed 11 > /dev/null
grep -q 'encoding: gb18030' "$tmp/city/catalog.yaml" || fail "the generated city has no GB18030 department"
"$crisk" ingest --db "$tmp/c.db" --catalog "$tmp/city/catalog.yaml" --json > "$tmp/city.json"
! grep -q utf8_lines "$tmp/city.json" || fail "a GB18030 line of the generated city was read as UTF-8"
echo "gb18030_utf8_rows: UTF-8 rows in a GB18030 file load as written, counted; no false alarm"
