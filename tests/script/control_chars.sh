#!/usr/bin/env bash
# One rule for control characters in text values (docs/collect.md): every one — C0, DEL (0x7F)
# and C1 such as U+0085 (NEL) — is kept as given in names, keys and attributes, whatever the
# file's format or encoding; only the address comparison key drops them, as it drops spaces.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/c.yaml" <<'YAML'
catalog: ctl
departments:
  - {code: D1, name: n}
topics:
  - code: R
    name: t
    department: D1
    kind: registry
    files: [r.csv]
    key: {column: id, type: local, namespace: n}
    fields: {name: name, address: addr}
    attrs: [x]
  - code: G
    name: t
    department: D1
    kind: penalty
    encoding: gb18030
    files: [g.csv]
    key: {column: id, type: local, namespace: n}
    fields: {date: d}
    attrs: [x]
  - code: J
    name: t
    department: D1
    kind: complaint
    format: jsonl
    files: [j.jsonl]
    key: {column: id, type: local, namespace: n}
    fields: {date: d}
    attrs: [x]
YAML
printf 'id,name,addr,x\nA\x7f,a\x7fb\xc2\x85c\x01,天河区天河路\xc2\x85""385号,\xc3\xa9\x7f\xc2\x85\x1f\nB,天河区天河路385号,天河区天河路385号,y\nC,"甲\n乙",天河区天河路385号,z\n' > "$tmp/r.csv"
printf 'id,d,x\nA\x7f,2021-01-01,a\x7fb\x81\x30\x81\x35c\x01\n' > "$tmp/g.csv"   # U+0085 in GB18030
printf '{"id":"A\\u007f","d":"2021-01-02","x":"a\\u007fb\\u0085c\\u0001"}\n' > "$tmp/j.jsonl"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" > /dev/null
q() { sqlite3 "$tmp/s.db" "$1"; }
[ "$(q "SELECT hex(e.name) || '|' || hex(e.attrs) FROM enterprise e JOIN subject s ON s.id = e.subject WHERE s.key = 'n:A' || char(127)")" \
  = "617F62C2856301|$(printf '{"x":"\xc3\xa9\x7f\xc2\x85\\u001f"}' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] \
  || { echo "registry text changed: $(q 'SELECT hex(name), hex(attrs) FROM enterprise')"; exit 1; }
[ "$("$crisk" events --db "$tmp/s.db" --key "n:A$(printf '\x7f')" --csv --attrs-of penalty,complaint | tail -n +2 | cut -d, -f3,7- | tr -d '"' | sort | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" \
  = "$(printf 'G,{x:a\x7fb\xc2\x85c\\u0001}\nJ,{x:a\x7fb\xc2\x85c\\u0001}\n' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] \
  || { echo "event attrs changed:"; "$crisk" events --db "$tmp/s.db" --csv --attrs-of penalty,complaint | od -c; exit 1; }
# The address comparison key drops control characters like spaces: one place.
[ "$(q "SELECT count(DISTINCT addr_key) FROM enterprise")" = 1 ] \
  || { echo "address keys differ: $(q 'SELECT addr_key FROM enterprise')"; exit 1; }
# `crisk show` lists them escaped (cr_escape's form), never raw: a line break in a name would
# start a line of its own (T18 F3).
out=$("$crisk" show --db "$tmp/s.db" "n:A$(printf '\x7f')")
[[ "$out" == *'n:A\x7F  a\x7Fb\xC2\x85c\x01'* && "$out" == *'住所 天河区天河路\xC2\x85""385号'* &&
   "$out" != *$'\x7f'* && "$out" != *$'\x01'* && "$out" != *$'\xc2\x85'* ]] \
  || { echo "crisk show, control characters not escaped:"; printf '%s\n' "$out" | od -c | head -20; exit 1; }
out=$("$crisk" show --db "$tmp/s.db" n:C)
[[ "$(printf '%s\n' "$out" | head -1)" == 'n:C  甲\x0A乙' ]] \
  || { echo "crisk show, a line break in a name: $(printf '%s\n' "$out" | head -2 | od -c)"; exit 1; }
# A NUL byte (T17): kept in attributes and keys; in a name or address, where it would end the
# stored text, the row is quarantined naming the column (it was cut there without a word, and
# two rows differing after it were one).
printf 'id,name,addr,x\nN1,a\x00b,路,x\x00y\nN2,c,d\x00e,y\nN3,f,路,z\x00\n' > "$tmp/r.csv"
"$crisk" ingest --db "$tmp/n.db" --catalog "$tmp/c.yaml" > /dev/null
[ "$(sqlite3 "$tmp/n.db" "SELECT group_concat(line || ':' || reason || ':' || detail, '|') FROM (SELECT * FROM quarantine ORDER BY line)")" \
  = "2:nul_byte:column name holds a NUL byte (U+0000) at byte 2 of its value: this field is stored as text, which a NUL would end|3:nul_byte:column addr holds a NUL byte (U+0000) at byte 2 of its value: this field is stored as text, which a NUL would end" ] \
  || { echo "NUL in a name or address: $(sqlite3 "$tmp/n.db" 'SELECT line, reason, detail FROM quarantine')"; exit 1; }
[ "$(sqlite3 "$tmp/n.db" "SELECT hex(attrs) FROM enterprise")" = "$(printf '{"x":"z\\u0000"}' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)" ] \
  || { echo "NUL in an attribute: $(sqlite3 "$tmp/n.db" 'SELECT attrs FROM enterprise')"; exit 1; }
# A model that reads the attribute: the NUL-holding value is its escaped text (z\x00), which
# equals no plain value, and the city loads (T19 F1: "attributes are not a JSON object").
cat > "$tmp/m.yaml" <<'YAML'
model: ctl-attr
version: 1
name: 属性
levels: {method: score, scores: {B: 10, C: 20, D: 30}}
aspects:
  - id: a
    name: 属性
    weight: 1
    categories:
      - id: c
        name: 属性
        indicators:
          - {id: x, name: 属性x, input: {attr: x}, aggregation: value, map: {z: 80, default: 40},
             missing: 5, sources: [t], rationale: t}
YAML
"$crisk" classify --db "$tmp/n.db" --model "$tmp/m.yaml" --as-of 2021-12-31 > /dev/null \
  || { echo "classify failed on a NUL in an attribute"; exit 1; }
[ "$("$crisk" show --db "$tmp/n.db" --json n:N3 | python3 -c 'import json, sys
o = json.load(sys.stdin)
print([i["value"] for a in o["aspects"] for c in a["categories"] for i in c["indicators"]][0])')" = 'z\x00' ] \
  || { echo "a NUL-holding attribute's text: $("$crisk" show --db "$tmp/n.db" --json n:N3)"; exit 1; }
echo "control chars: kept in text, dropped from address keys; a NUL in a name or address quarantined"
