#!/usr/bin/env bash
# The address key against independent computations (docs/collect.md, "Address keys"):
# 1. Chinese house numbers 1..9999, written the standard way by a python3 re-implementation
#    (一百零五, 二十三, 十三, 两千零一十, with random 两/二 and 〇 digit strings), must key as the
#    ASCII number; the C side is read through bench_addr_key's probe mode.
# 2. Ingest: the user's ten firms in ten rooms of five buildings give ten keys, spelling
#    variants of one room one key, and an address without a district takes the row's district.
set -euo pipefail
crisk=$1
probe=$(dirname "$crisk")/bench_addr_key
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import random, sys
D = "零一二三四五六七八九"
def cn(n, liang):
    """Standard Chinese reading of 1..9999 (一百零五, 十三, 一千零五十)."""
    out, zero, started = [], False, False
    for unit, div in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // div % 10
        if d == 0:
            zero = started
            continue
        if zero:
            out.append("零")
            zero = False
        if d == 2 and liang and unit in ("千", "百"):
            out.append("两")
        elif not (d == 1 and unit == "十" and not started):
            out.append(D[d])
        out.append(unit)
        started = True
    return "".join(out)
random.seed(20261130)
cases = list(range(1, 120)) + [random.randint(1, 9999) for _ in range(1500)]
with open(sys.argv[1] + "/cases", "w") as f:
    for n in cases:
        f.write("天河区某某路%s号\t440106|某某路%d号\n" % (cn(n, random.random() < 0.3), n))
    for _ in range(300):  # digit by digit, 〇 or 零 for zero
        s = "".join(random.choice("0123456789") for _ in range(random.randint(1, 4)))
        w = "".join(random.choice("〇零") if c == "0" else D[int(c)] for c in s)
        f.write("天河区某某路%s号\t440106|某某路%s号\n" % (w, s))
PY
cut -f1 "$tmp/cases" | tr '\n' '\0' | xargs -0 "$probe" > "$tmp/got"
if ! diff <(cut -f2 "$tmp/cases") <(cut -f2 "$tmp/got") > "$tmp/diff"; then
  echo "numeral keys differ from python3:"; paste "$tmp/cases" "$tmp/got" | awk -F'\t' '$2 != $4' | head
  exit 1
fi
cat > "$tmp/c.yaml" <<'YAML'
catalog: addr
departments:
  - {code: D1, name: n}
topics:
  - code: R
    name: t
    department: D1
    kind: registry
    files: [r.csv]
    key: {column: id, type: local, namespace: n}
    fields: {name: name, address: addr, district: dist}
YAML
cat > "$tmp/r.csv" <<'CSV'
id,name,addr,dist,want
A1,甲,天河区中山大道一百号A座1201房,,a
A2,乙,天河区中山大道一百号A座1202房,,b
B1,丙,广州市天河区中山大道一百号B座0303房,,c
B2,丁,天河区中山大道100号B栋0303,,c
C1,戊,天河区中山大道一百号C座2208室,,d
C2,己,天河区中山大道一百号C座2208单元,,d
D1,庚,广州天河中山大道100号D座1201房,,e
D2,辛,中山大道100号D座1201,440106,e
E1,壬,天河区中山大道一百号E座12楼1201,,f
E2,癸,天河区中山大道100号E座1201F,,f
F1,子,东风路9号301,440104,g
F2,丑,越秀区东风路9号301室,,g
F3,寅,东风路9号301室,440106,h
G1,卯,天河路100号A座1201房,440106,i
G2,辰,广东省广州市天河区天河路１００号Ａ座１２０１,,i
CSV
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/c.yaml" > /dev/null
# Rows with one expected group share a key; different groups never do.
sqlite3 -separator ' ' "$tmp/s.db" "SELECT s.key, e.addr_key FROM enterprise e JOIN subject s ON s.id = e.subject ORDER BY 1" > "$tmp/keys"
python3 - "$tmp/r.csv" "$tmp/keys" <<'PY'
import csv, sys
want = {"n:" + r["id"]: r["want"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
got = dict(l.rstrip("\n").split(" ", 1) for l in open(sys.argv[2], encoding="utf-8"))
assert set(got) == set(want), (sorted(got), sorted(want))
bad = [(a, b, got[a], got[b]) for a in want for b in want if a < b and
       (want[a] == want[b]) != (got[a] == got[b])]
for b in bad:
    print("wrong: %s %s -> %s / %s" % b)
sys.exit(1 if bad else 0)
PY
[ "$(sqlite3 "$tmp/s.db" "SELECT addr_key FROM enterprise e JOIN subject s ON s.id = e.subject WHERE s.key = 'n:G1'")" = "440106|天河路100号A栋1201" ] \
  || { echo "no district in the text: the row's district is not in the key"; exit 1; }
echo "address keys: python3 numerals agree, rooms and buildings apart, variants together"
