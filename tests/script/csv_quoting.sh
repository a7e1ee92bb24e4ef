#!/usr/bin/env bash
# Every CSV crisk writes quotes a field per RFC 4180 when it holds a comma, a quote or a line
# break (quotes doubled): local keys (type: local) such as `a,b`, `q"r` or one with a line break
# come out as one field in scores --csv, classify --indicators and events --csv alike.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: quoting
departments:
  - {code: D1, name: 部门}
topics:
  - code: ENT
    name: 企业信息
    department: D1
    kind: registry
    format: jsonl
    files: [ent.jsonl]
    key: {column: id, type: local, namespace: t}
    fields: {name: name}
  - code: PEN
    name: 处罚
    department: D1
    kind: penalty
    format: jsonl
    files: [pen.jsonl]
    key: {column: id, type: local, namespace: t}
    fields: {date: d}
YAML
printf '%s\n' '{"id":"a,b","name":"甲"}' '{"id":"q\"r","name":"乙"}' '{"id":"e\nf","name":"丙"}' \
  > "$tmp/ent.jsonl"
printf '%s\n' '{"id":"a,b","d":"2025-01-02"}' '{"id":"q\"r","d":"2025-01-03"}' \
  '{"id":"e\nf","d":"2025-01-04"}' > "$tmp/pen.jsonl"
"$crisk" ingest --db "$db" --catalog "$tmp/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 --indicators "$tmp/ind.csv" > /dev/null
"$crisk" scores --db "$db" --csv > "$tmp/scores.csv"
"$crisk" events --db "$db" --csv > "$tmp/events.csv"
# The first field of each record, read back as RFC 4180: the three keys, whole.
first_fields() {
  awk 'BEGIN { RS = "\001" } {
    n = length($0); i = 1; out = ""
    while (i <= n) {                       # one record per iteration
      f = ""
      if (substr($0, i, 1) == "\"") {
        i++
        while (i <= n) {
          c = substr($0, i, 1)
          if (c == "\"" && substr($0, i + 1, 1) == "\"") { f = f "\""; i += 2; continue }
          if (c == "\"") { i++; break }
          f = f c; i++
        }
      } else {
        while (i <= n && substr($0, i, 1) != "," && substr($0, i, 1) != "\n") { f = f substr($0, i, 1); i++ }
      }
      gsub(/\n/, "<LF>", f)
      out = out f "\n"
      # skip the rest of the record: unquoted or quoted fields up to the line end
      q = 0
      while (i <= n) {
        c = substr($0, i, 1)
        if (c == "\"") q = !q
        else if (c == "\n" && !q) { i++; break }
        i++
      }
    }
    printf "%s", out
  }' "$1"
}
want='t:a,b
t:e<LF>f
t:q"r'
for f in scores ind; do
  got=$(first_fields "$tmp/$f.csv" | tail -n +2 | sort)
  [ "$got" = "$want" ] || { echo "$f: keys read back differ:"; cat "$tmp/$f.csv"; exit 1; }
done
# events puts the subject id first: the key fields must appear as RFC 4180 writes them.
for k in '"t:a,b"' '"t:q""r"'; do
  for f in scores ind events; do
    grep -qF -- "$k," "$tmp/$f.csv" || { echo "$f: $k not quoted:"; cat "$tmp/$f.csv"; exit 1; }
  done
done
for f in scores ind events; do
  grep -qx -- '"t:e' "$tmp/$f.csv" || grep >/dev/null -- '[0-9],"t:e$' "$tmp/$f.csv" \
    || { echo "$f: the key with a line break is not quoted:"; cat "$tmp/$f.csv"; exit 1; }
done
echo "csv_quoting: keys with a comma, a quote or a line break are quoted in every CSV"
