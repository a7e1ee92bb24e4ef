#!/usr/bin/env bash
# Shell rings and the legal-representative count (docs/monitor.md "Shell rings"): a person over
# the count whose firms include a ring gets ONE warning with the ring(s) in its evidence (one
# task per grid, one visit), not a second warning for the same firms; a ring of a person below
# the count is a shell_ring warning of its own. And the address-key rules version (ingest
# records it, the evidence of address-keyed warnings carries it, a change is visible).
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fx=$tmp/fx
db=$fx/s.db
fail() { echo "monitor_ring: $*"; exit 1; }
python3 "$here/monitor_fixture.py" "$fx" ring
"$crisk" ingest --db "$db" --catalog "$fx/catalog.yaml" > /dev/null
[ "$(sqlite3 "$db" "SELECT v FROM meta WHERE k='addr_key_rules'")" = 2 ] || fail "ingest did not record the key rules version 2"
"$crisk" monitor --db "$db" --as-of 2025-12-31 --json > "$tmp/run1.json" 2> "$tmp/err1"
if grep -q 'key rules' "$tmp/err1"; then fail "a warning about key rules on a fresh store: $(cat "$tmp/err1")"; fi
"$crisk" warnings --db "$db" --json > "$tmp/w1.json"
python3 - "$fx/expect.csv" "$tmp/w1.json" "$tmp/run1.json" "$fx/registry.csv" "$fx/roles.csv" <<'P' || fail "rings"
import csv, json, sys
from collections import defaultdict
exp = {r["uscc"]: r["detector"] for r in csv.DictReader(open(sys.argv[1]))}
ws = json.load(open(sys.argv[2]))
run = json.load(open(sys.argv[3]))
assert run["address_key_rules"] == {"store": 2, "crisk": 2}, run
addr = {r["uscc"]: r["address"] for r in csv.DictReader(open(sys.argv[4]))}
# the rings recomputed from the fixture files: per person, firms sharing an address (>= 3)
by = defaultdict(lambda: defaultdict(list))
for r in csv.DictReader(open(sys.argv[5])):
    by[r["pname"]][addr[r["uscc"]]].append(r["uscc"])
pc = [w for w in ws if w["detector"] == "person_cluster"]
# three persons flagged, one warning each: 张*三 and 赵* by the count, 欧*风 by the ring
assert len(pc) == 3, [(w["evidence"]["check"], w["summary"]) for w in pc]
checks = sorted((w["evidence"]["persons"][0]["name"], w["evidence"]["check"]) for w in pc)
assert checks == [("张*三", "legal_rep"), ("欧*风", "shell_ring"), ("赵*", "legal_rep")], checks
# no firm is named by two person_cluster warnings
seen = defaultdict(int)
for w in pc:
    for f in w["firms"]:
        seen[f["uscc"]] += 1
assert max(seen.values()) == 1, seen
assert {u for u in exp if exp[u] == "person_cluster"} == set(seen), seen
for w in pc:
    ev = w["evidence"]
    name = ev["persons"][0]["name"]
    person = {"张*三": "张小三", "赵*": "赵六", "欧*风": "欧阳小风"}[name]
    want = sorted(sorted(v) for v in by[person].values() if len(v) >= 3)
    if ev["check"] == "legal_rep":
        rings = ev["shell_rings"]
        got = sorted(r["uscc"] for r in rings)
        assert got == want, (name, got, want)
        keys = [r["address_key"] for r in rings]
        assert keys == sorted(keys), keys
        for r in rings:
            assert r["firms_sharing_person_and_address"] == len(r["uscc"]) and r["ring_min_firms"] == 3, r
            assert r["address_key_rules"] == 2, r
            assert addr[r["uscc"][0]] == r["address"], r
        assert "疑似空壳团伙" in w["summary"], w["summary"]
        assert ("其中 4 户同一地址" in w["summary"]) == (person == "张小三"), w["summary"]
        assert ("其中 2 处地址" in w["summary"]) == (person == "赵六"), w["summary"]
    else:
        assert "shell_rings" not in ev, ev
        assert sorted(f["uscc"] for f in w["firms"]) == want[0], (w["firms"], want)
        assert ev["address_key_rules"] == 2 and ev["address_key"], ev
P

# a store whose keys' rules are unknown (ingested before crisk recorded them) or older: the
# evidence says so (the warnings are updated: the change is in their history) and the run warns
sqlite3 "$db" "DELETE FROM meta WHERE k='addr_key_rules'"
"$crisk" monitor --db "$db" --as-of 2025-12-31 --json > "$tmp/run2.json" 2> "$tmp/err2"
grep -q 'key rules version unknown, this crisk.s are version 2' "$tmp/err2" || fail "no warning for unknown key rules: $(cat "$tmp/err2")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["updated"]==3 and r["address_key_rules"]=={"store":None,"crisk":2}, r' "$tmp/run2.json" \
  || fail "unknown key rules: $(cat "$tmp/run2.json")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning WHERE detector='person_cluster' AND json_type(evidence, '\$.address_key_rules') = 'null'")" = 1 ] \
  || fail "the shell_ring warning's evidence does not say unknown"
sqlite3 "$db" "INSERT INTO meta(k, v) VALUES('addr_key_rules', 1)"
"$crisk" monitor --db "$db" --as-of 2025-12-31 > /dev/null 2> "$tmp/err3"
grep -q 'key rules version 1, this crisk.s are version 2' "$tmp/err3" || fail "no warning for key rules 1: $(cat "$tmp/err3")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM warning_history h JOIN warning w ON w.id = h.warning WHERE w.detector='person_cluster' AND h.change='updated'")" = 6 ] \
  || fail "the key-rule changes are not in the warnings' history"
# ingesting again into a store of older keys keeps the older version (its old keys stay)
"$crisk" ingest --db "$db" --catalog "$fx/catalog.yaml" > /dev/null
[ "$(sqlite3 "$db" "SELECT v FROM meta WHERE k='addr_key_rules'")" = 1 ] || fail "a later ingest hid the older keys' version"
echo ok
