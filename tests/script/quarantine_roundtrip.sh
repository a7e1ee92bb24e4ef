#!/usr/bin/env bash
# Quarantine export -> retry round-trips bytes exactly: rows with invalid UTF-8, GB18030, NUL and
# control bytes are exported escaped (never cut, never re-read as another encoding); retried
# unedited they get exactly the same rejection and nothing loads; fixed by hand they load.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "quarantine_roundtrip: $*"; exit 1; }
cat > "$tmp/c.yaml" <<'YAML'
catalog: x
departments:
  - {code: D1, name: n}
topics:
  - code: U
    name: utf8
    department: D1
    kind: penalty
    files: [u.csv]
    key: k
    fields: {date: d, amount: m}
    attrs: [note]
  - code: G
    name: gb
    department: D1
    kind: penalty
    files: [g.csv]
    encoding: gb18030
    key: k
    fields: {date: d, amount: m}
    attrs: [note]
YAML
key=91440101MA5CJQ4N59
{
  printf 'k,d,m,note\n'
  printf '%s,2021-01-01,1,\xc0\xaf\n' "$key"              # 2: C0 AF is not UTF-8 (GB18030 reads 蜡)
  printf '%s,2021-01-02,1,5,a\x00b\n' "$key"              # 3: NUL in a value, 5 columns
  printf '%s,2021-01-03,"1,5","x\x01\x1b\ty"\n' "$key"   # 4: 1,5 is not an amount; controls
  printf '%s,2021-13-04,2,C:\\x41 \xc2\x85 \n' "$key"     # 5: bad date; a literal \x41, C1, space
} > "$tmp/u.csv"
{
  printf 'k,d,m,note\n' | iconv -f UTF-8 -t GB18030
  printf '%s,2021-02-01,1,\xe4\xb8\xad\n' "$key"          # 2: UTF-8 中 at a line end: not GB18030
  printf '%s,2021-02-02,1,\xff\n' "$key"                  # 3: 0xFF never decodes
  printf '%s,2021-02-03,"1,2",广州\n' "$key" | iconv -f UTF-8 -t GB18030  # 4: bad amount
} > "$tmp/g.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" > /dev/null
state() { sqlite3 "$tmp/s.db" "SELECT id, reason, detail, hex(raw), state FROM quarantine ORDER BY id"; }
before=$(state)
[ "$(echo "$before" | grep -c open)" = 7 ] || fail "expected 7 quarantined rows: $before"
events=$(sqlite3 "$tmp/s.db" 'SELECT sum(n) FROM event_block')

# Listing and export name every byte: no cut at the NUL, no GB18030 reading of C0 AF.
list=$("$crisk" quarantine --db "$tmp/s.db")
for want in 'a\x00b' '\xC0\xAF' 'x\x01\x1B\x09y' 'C:\\x41 \xC2\x85\x20' '\xFF' '"1,2",广州' '1,\xE4\xB8\xAD'; do
  echo "$list" | grep -F >/dev/null -- "$want" || fail "listing lacks $want: $list"
done
echo "$list" | grep >/dev/null '蜡' && fail "C0 AF listed as its GB18030 reading"
"$crisk" quarantine --db "$tmp/s.db" --json | grep -F >/dev/null '"raw":"'"$key"',2021-01-02,1,5,a\\x00b"' ||
  fail "JSON listing: $("$crisk" quarantine --db "$tmp/s.db" --json)"
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/fix.csv" 2> /dev/null
[ "$(wc -l < "$tmp/fix.csv")" = 8 ] || fail "export is not one line per row: $(cat "$tmp/fix.csv")"

# Unedited: exactly the same rejections, nothing loaded, the same bytes kept.
out=$("$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/fix.csv" --catalog "$tmp/c.yaml")
echo "$out" | grep >/dev/null '7 retried = 0 loaded + 0 duplicates + 7 still quarantined' || fail "unedited retry: $out"
[ "$(state)" = "$before" ] || fail "unedited retry changed the quarantine: $(state)"
[ "$(sqlite3 "$tmp/s.db" 'SELECT sum(n) FROM event_block')" = "$events" ] || fail "unedited retry loaded rows"
# The same for a retry of the stored rows, and a second export is the same file.
"$crisk" quarantine --db "$tmp/s.db" --retry --catalog "$tmp/c.yaml" | grep >/dev/null ' 0 loaded' || fail "stored retry loaded"
[ "$(state)" = "$before" ] || fail "stored retry changed the quarantine: $(state)"
"$crisk" quarantine --db "$tmp/s.db" --export "$tmp/again.csv" 2> /dev/null
cmp -s "$tmp/fix.csv" "$tmp/again.csv" || fail "the export changed after an unedited retry"

# Edited: the amount 1,5 fixed, and the GB18030 row retyped; both load, the rest stays.
sed -e 's/2021-01-03,""1,5""/2021-01-03,1.5/' -e 's/2021-02-01,1,\\xE4\\xB8\\xAD/2021-02-01,1,中/' \
  "$tmp/fix.csv" > "$tmp/edited.csv"
out=$("$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/edited.csv" --catalog "$tmp/c.yaml")
echo "$out" | grep >/dev/null '7 retried = 2 loaded + 0 duplicates + 5 still quarantined' || fail "edited retry: $out"
[ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM quarantine WHERE state='open'")" = 5 ] || fail "open rows"
# A backslash that is not an escape is an error, not a guess.
sed -e 's/C:\\\\x41/C:\\q/' "$tmp/fix.csv" > "$tmp/bad.csv"
set +e
out=$("$crisk" quarantine --db "$tmp/s.db" --retry "$tmp/bad.csv" --catalog "$tmp/c.yaml" 2>&1)
rc=$?
set -e
[ $rc = 3 ] && echo "$out" | grep >/dev/null 'bad.csv:[0-9]*: the raw column has a backslash' || fail "bad escape: $rc $out"
echo "quarantine_roundtrip: export and retry keep every byte"
