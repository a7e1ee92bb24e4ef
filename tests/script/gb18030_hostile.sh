#!/usr/bin/env bash
# Hand-made hostile GB18030 feeds: every line is counted (read = loaded + duplicates +
# quarantined), an undecodable header is a file error, and a UTF-8 file declared gb18030 says so.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gb18030_hostile: $*"; exit 1; }
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
    fields: {date: d, amount: m}
    attrs: [备注]
YAML
key=91440101MA5CJQ4N59
# 代码 in GB18030 is B4 FA C2 EB; 0xFF, 0x80 and a lead byte before a space never decode.
# Lines: 1 header, 2 ok, 3 bad, 4 ok, 5 blank, 6 bad (CRLF), 7 a quote that would run over
# line 8 (bad) and close on 9, 10 ok, 11 bad without a line end: 9 rows.
printf 'k,d,m,备注\n' | iconv -f UTF-8 -t GB18030 > "$tmp/a.csv"
printf '%s,2021-01-01,1,\xb4\xfa\xc2\xeb\n\xff title\n%s,2021-01-02,2,x\n\n\x80\x81 y\r\n' \
  "$key" "$key" >> "$tmp/a.csv"
printf '%s,2021-01-03,3,"a\n\x81 \nb"\n%s,2021-01-04,4,z\n\xfflast' "$key" "$key" >> "$tmp/a.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" --json > "$tmp/out.json"
grep -q '"read":9,"loaded":3,"duplicates":0,"quarantined":6' "$tmp/out.json" ||
  fail "counts: $(cat "$tmp/out.json")"
lines=$(sqlite3 "$tmp/s.db" "SELECT group_concat(line || ':' || reason, ' ') FROM (SELECT line, reason FROM quarantine ORDER BY line)")
[ "$lines" = "3:bad_encoding 6:bad_encoding 7:unterminated_quote 8:bad_encoding 9:bad_columns 11:bad_encoding" ] ||
  fail "quarantined lines: $lines"
# The original bytes of an undecodable line are kept.
[ "$(sqlite3 "$tmp/s.db" "SELECT hex(raw) FROM quarantine WHERE line=11")" = FF6C617374 ] ||
  fail "raw of line 11"

# A title line that does not decode is the file's header: a file error, nothing read, exit 3.
{ printf '\xff\xfe title\n'; cat "$tmp/a.csv"; } > "$tmp/b.csv"
mv "$tmp/b.csv" "$tmp/a.csv"
set +e
out=$("$crisk" ingest --db "$tmp/t.db" --catalog "$tmp/c.yaml" 2>&1)
rc=$?
set -e
[ $rc = 3 ] || fail "title line: exit $rc: $out"
echo "$out" | grep >/dev/null 'a.csv:1: header is not valid GB18030' || fail "title line: $out"
echo "$out" | grep >/dev/null '0 read' || fail "title line read rows: $out"

# A UTF-8 file with a BOM declared gb18030 is named as such, not as a missing column.
printf '\xef\xbb\xbfk,d,m,备注\n%s,2021-01-01,1,x\n' "$key" > "$tmp/a.csv"
set +e
out=$("$crisk" ingest --db "$tmp/u.db" --catalog "$tmp/c.yaml" 2>&1)
rc=$?
set -e
[ $rc = 3 ] || fail "UTF-8 BOM: exit $rc: $out"
echo "$out" | grep >/dev/null 'a.csv:1: the file starts with a UTF-8 byte-order mark, but topic T1 (catalog line 5) declares encoding gb18030' ||
  fail "UTF-8 BOM: $out"
echo "gb18030_hostile: every line counted, bad headers are file errors"
