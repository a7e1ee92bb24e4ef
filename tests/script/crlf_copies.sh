#!/usr/bin/env bash
# The CRLF and LF copies of a file whose quoted fields hold line breaks are one file's rows:
# a break inside a field is stored as LF whichever the file wrote, so either copy after the
# other loads nothing (every row a duplicate), in the registry, a roles topic, an event topic
# and a topic keyed by a local key that holds a break. Rows whose only break is in a field that
# is not hashed (a column not mapped, a person's name) are rows like any other: all load once. And a store written before that (crisk until 2026-12 kept CRLF inside a field and
# hashed it so) takes neither copy's rows again: tests/golden/crlf/store-v6.sql is such a
# store, dumped after crisk 42ec7eb ingested the CRLF copy made here (see its README.md).
# The lines of a record are never mixed up with the records: counts are checked throughout.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "crlf_copies: $*"; exit 1; }
mkdir "$tmp/lf" "$tmp/crlf"
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: crlf
departments:
  - {code: SCJ, name: 市场监督管理局}
topics:
  - code: REG
    name: 企业登记信息
    department: SCJ
    kind: registry
    files: [feeds/registry*.csv]
    key: uscc
    fields: {name: name, address: address}
    attrs: [scope]
  - code: ROLE
    name: 企业主要人员
    department: SCJ
    kind: roles
    files: [feeds/roles*.csv]
    key: uscc
    fields: {person_id: pid, person_name: pname, role: role}
  - code: PEN
    name: 行政处罚信息
    department: SCJ
    kind: penalty
    files: [feeds/penalty*.csv]
    key: uscc
    fields: {date: date, amount: amount}
    attrs: [kind, note]
  - code: LOC
    name: 信用评价
    department: SCJ
    kind: credit_rating
    files: [feeds/local*.csv]
    key: {column: id, type: local, namespace: ccf}
    fields: {date: date}
YAML
# The LF copies; a field with a doubled quote and a break, a field ending in a break, a field
# of breaks alone, a break in a value that also holds "\u000a" as text.
cat > "$tmp/lf/registry.csv" <<'CSV'
uscc,name,address,scope,memo
91440106MA5AAAA192,甲,"广州市天河区
体育西路1号","销售""食品""
餐饮服务",
91440106MA5AAAB236,乙,广州市越秀区中山五路2号,"
",
91440106MA5AAAE57N,丙,广州市海珠区,零售,"不读的
一列"
CSV
cat > "$tmp/lf/roles.csv" <<'CSV'
uscc,pid,pname,role
91440106MA5AAAA192,440106199001011235,张三,"法定代表人
执行董事"
91440106MA5AAAB236,440106199001011235,张三,监事
91440106MA5AAAE57N,440106199001011235,"张
三",监事
CSV
cat > "$tmp/lf/penalty.csv" <<'CSV'
uscc,date,amount,kind,note,memo
91440106MA5AAAA192,2023-01-05,1000,警告,"第一行
第二行
",
91440106MA5AAAA192,2023-01-06,2000,罚款,"路径 C:\u000a\new
下一行",
91440106MA5AAAB236,2023-02-01,300,警告,一行,
91440106MA5AAAE57N,2023-03-01,500,警告,一行,"不读的
一列"
CSV
cat > "$tmp/lf/local.csv" <<'CSV'
id,date
"10
01",2023-04-01
1001,2023-04-01
CSV
for f in registry roles penalty local; do sed 's/$/\r/' "$tmp/lf/$f.csv" > "$tmp/crlf/$f.csv"; done
grep -c $'\r' "$tmp/crlf/penalty.csv" > /dev/null || fail "the CRLF copy has no CR"
# what every copy holds: registry 3, roles 3, penalty 4, local 2
want_loaded=12

# ingest DIR INTO NAME: copies DIR's files into the store's feeds under names ending in NAME
# (a new file each time, so that no file is skipped as one already read) and prints
# "loaded duplicates quarantined" of the run.
ingest() {
  mkdir -p "$tmp/$2/feeds"
  for f in registry roles penalty local; do cp "$tmp/$1/$f.csv" "$tmp/$2/feeds/$f-$3.csv"; done
  cp "$tmp/catalog.yaml" "$tmp/$2/"
  "$crisk" ingest --db "$tmp/$2/store.db" --catalog "$tmp/$2/catalog.yaml" --json > "$tmp/out.json" ||
    fail "ingest of the $1 copy into $2 failed: $(cat "$tmp/out.json")"
  python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; print(t["loaded"], t["duplicates"], t["quarantined"])' "$tmp/out.json"
}
counts() {
  sqlite3 "$tmp/$1/store.db" "SELECT (SELECT count(*) FROM enterprise), (SELECT count(*) FROM role), (SELECT count(*) FROM subject)" | tr '|' ' '
}
events() { "$crisk" events --db "$tmp/$1/store.db" --csv; }

# The old store's fixture is made by this script run with an old crisk (README.md beside it).
if [ -n "${CRLF_FIXTURE_OUT:-}" ]; then
  ingest crlf fixture a > /dev/null
  db="$tmp/fixture/store.db"
  {
    echo "PRAGMA page_size=$(sqlite3 "$db" "PRAGMA page_size");"
    sqlite3 "$db" .dump
    echo "PRAGMA user_version=$(sqlite3 "$db" "PRAGMA user_version");"
  } > "$CRLF_FIXTURE_OUT"
  exit 0
fi

# A new store, either copy first.
for order in "crlf lf" "lf crlf"; do
  set -- $order
  s="new-$1"
  got=$(ingest "$1" "$s" a)
  [ "$got" = "$want_loaded 0 0" ] || fail "the $1 copy into a new store: loaded/duplicates/quarantined $got, want $want_loaded 0 0"
  before=$(events "$s")
  got=$(ingest "$2" "$s" b)
  [ "$got" = "0 $want_loaded 0" ] || fail "the $2 copy after the $1 copy: loaded/duplicates/quarantined $got, want 0 $want_loaded 0"
  [ "$(counts "$s")" = "3 3 5" ] || fail "$s holds enterprises/roles/subjects $(counts "$s"), want 3 3 5"
  [ "$(events "$s")" = "$before" ] || fail "the $2 copy changed the events of $s"
  [ "$(events "$s" | grep -c '第一行')" = 1 ] || fail "$s: the multi-line event is not there once"
  if sqlite3 "$tmp/$s/store.db" "SELECT address || attrs FROM enterprise; SELECT role FROM role" |
    grep -e $'\r' -e 'u000d' > /dev/null; then
    fail "$s stores a CR inside a field"
  fi
  # attributes are JSON: a CR in a value is written \u000d
  if events "$s" | grep -F 'u000d' > /dev/null; then fail "$s: an event's attributes hold a CR"; fi
  [ "$(sqlite3 "$tmp/$s/store.db" "SELECT count(*) FROM enterprise WHERE address = '广州市天河区' || char(10) || '体育西路1号'")" = 1 ] ||
    fail "$s: the address is not stored with an LF"
done
# CR CR LF inside a field (a file converted twice) is a break as CRLF is: its row and the same
# row with LF are one, whichever comes first (were the CRs kept, the CRLF form probed for the
# LF row would be the other row's own and merge it in one order only).
for order in "x1 x2" "x2 x1"; do
  rm -rf "$tmp/cc" && mkdir -p "$tmp/cc/feeds" && cp "$tmp/catalog.yaml" "$tmp/cc/"
  printf 'uscc,date,amount,kind,note,memo\n91440106MA5AAAA192,2023-05-01,1,警告,"x\r\r\ny",\n' > "$tmp/x1"
  printf 'uscc,date,amount,kind,note,memo\n91440106MA5AAAA192,2023-05-01,1,警告,"x\ny",\n' > "$tmp/x2"
  n=0
  for x in $order; do
    n=$((n + 1))
    cp "$tmp/$x" "$tmp/cc/feeds/penalty-$n.csv"
    "$crisk" ingest --db "$tmp/cc/store.db" --catalog "$tmp/cc/catalog.yaml" --json > "$tmp/out.json" ||
      fail "ingest of $x failed: $(cat "$tmp/out.json")"
  done
  got=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; print(t["loaded"], t["duplicates"])' "$tmp/out.json")
  [ "$got" = "0 1" ] || fail "CR CR LF then LF ($order): the second loaded/duplicates $got, want 0 1"
done

# A store of crisk before the change, which holds the CRLF copy's rows with CR kept.
old="$tmp/old"
mkdir -p "$old/feeds"
sqlite3 "$old/store.db" < "$here/../golden/crlf/store-v6.sql"
[ "$(sqlite3 "$old/store.db" "SELECT count(*) FROM enterprise WHERE instr(address, char(13))")" = 1 ] ||
  fail "the old store's fixture does not hold a CR inside an address"
for copy in lf crlf; do
  got=$(ingest "$copy" old "$copy")
  [ "$got" = "0 $want_loaded 0" ] || fail "the $copy copy into the old store: loaded/duplicates/quarantined $got, want 0 $want_loaded 0"
done
[ "$(counts old)" = "3 3 5" ] || fail "the old store holds enterprises/roles/subjects $(counts old), want 3 3 5"
[ "$(events old | grep -c '第一行')" = 1 ] || fail "the old store: the multi-line event is not there once"
echo "crlf_copies: ok"
