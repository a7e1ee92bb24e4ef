#!/usr/bin/env bash
# What the synthetic city plants for the monitor stage, checked on the ingested store by an
# independent python3 computation (docs/synthetic-city.md "Planted patterns" and "Roster"):
#  - every cluster_address firm shares its normalised address with at least 10 firms, all planted;
#  - tower firms (hard_negative=tower) sit in rooms of their own: no address of two tower firms
#    has ten firms, and towers hold 30+ firms each in one building;
#  - a shell ring's legal representative represents only firms of that ring, at one address (the
#    heavy tail of roles never lands on a ring's representative);
#  - group directors (hard_negative=director) hold roles in 10+ firms (12+ drawn, less registry
#    rows lost to dirt), represent at most 5 of
#    them, each at an address of its own; no unplanted person represents 10 or more firms;
#  - roster.csv follows the roster contract and covers every district, street and community.
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 12000 --seed 7 > /dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
python3 - "$tmp/city" "$tmp/s.db" "$src/data/divisions" <<'EOF'
import collections, csv, re, sqlite3, sys
city, db, divs = sys.argv[1:4]
fail = []
def check(cond, msg):
    if not cond:
        fail.append(msg)

truth = {}
with open(f"{city}/truth.csv", newline="", encoding="utf-8") as fh:
    rd = csv.DictReader(fh)
    check(rd.fieldnames[-1] == "hard_negative", f"truth.csv header {rd.fieldnames}")
    for row in rd:
        row.setdefault("hard_negative", "")
        truth[row["uscc"]] = row
hn = collections.Counter(r["hard_negative"] for r in truth.values())
check(set(hn) <= {"", "tower", "director"}, f"hard_negative values {hn}")
check(hn["tower"] >= 100 and hn["director"] >= 24, f"too few hard negatives {hn}")
for r in truth.values():
    if r["hard_negative"]:
        check(r["shell_ring"] == "0" and r["cluster_address"] == "0",
              f"{r['uscc']} is planted and a hard negative")

con = sqlite3.connect(db)
ent, subj = {}, {}  # uscc -> (subject, addr_key, grid); subject -> uscc
for s, u, key, grid in con.execute("SELECT subject, uscc, addr_key, grid FROM enterprise"):
    ent[u] = (s, key, grid)
    subj[s] = u
by_key = collections.defaultdict(list)
for u, (_, key, _) in ent.items():
    by_key[key].append(u)

# Cluster addresses: 10+ firms, all planted, one grid.
for key, firms in by_key.items():
    planted = [u for u in firms if truth[u]["cluster_address"] == "1"]
    if planted:
        check(len(firms) >= 10, f"cluster address {key} has only {len(firms)} firms")
        check(len(planted) == len(firms), f"unplanted firms at cluster address {key}")
        check(len({ent[u][2] for u in firms}) == 1, f"cluster address {key} spans grids")
    towers = [u for u in firms if truth[u]["hard_negative"] == "tower"]
    check(len(towers) <= 2, f"{len(towers)} tower firms share address {key}")

# Towers: group tower firms by building (the key without its room).
# (The key drops a final 室/房 since session 5: the room is the digits after 栋.)
bld = collections.Counter(re.sub(r"(?<=栋)\d+室?$", "", ent[u][1]) for u in ent
                          if truth[u]["hard_negative"] == "tower")
check(len(bld) >= 4 and min(bld.values()) >= 20,
      f"towers: {len(bld)} buildings, sizes {sorted(bld.values())}")

roles = collections.defaultdict(lambda: collections.defaultdict(set))
for s, p, role in con.execute("SELECT subject, person, role FROM role"):
    if s in subj:
        roles[p][role].add(subj[s])
for p, rs in roles.items():
    reps = rs.get("法定代表人", set())
    ring = [u for u in reps if truth[u]["shell_ring"] == "1"]
    if ring:
        check(len(ring) == len(reps), f"ring representative {p} also represents unplanted firms")
        check(len({ent[u][1] for u in reps}) == 1, f"ring representative {p} at several addresses")
    elif len(reps) >= 10:
        fail.append(f"unplanted person {p} represents {len(reps)} firms")
    held = set().union(*[v for k, v in rs.items() if k != "登记代理人"])
    group = [u for u in held if truth[u]["hard_negative"] == "director"]
    if len(group) >= 10:
        check(len(reps) <= 5 and all(truth[u]["hard_negative"] == "director" for u in reps),
              f"director {p} represents {len(reps)} firms")
        check(len({ent[u][1] for u in reps}) == len(reps), f"director {p}: subsidiaries share an address")
directors = [p for p, rs in roles.items()
             if sum(truth[u]["hard_negative"] == "director" for u in
                    set().union(*[v for k, v in rs.items() if k != "登记代理人"])) >= 10]
check(len(directors) >= 2, f"{len(directors)} directors found")
covered = set().union(*[set().union(*[v for k, v in roles[p].items() if k != "登记代理人"])
                        for p in directors]) if directors else set()
stray = [u for u in ent if truth[u]["hard_negative"] == "director" and u not in covered]
check(not stray, f"{len(stray)} director firms without a director of 10+ firms")

# Roster.
def codes(name):
    with open(f"{divs}/{name}", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh)]
districts = {r["code"] for r in codes("guangzhou_districts.csv")}
streets = {r["code"]: r["district_code"] for r in codes("guangzhou_streets.csv")}
grids = {r["code"]: r["street_code"] for r in codes("guangzhou_communities_2021.csv")}
try:
    with open(f"{city}/roster.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
except OSError as e:
    rows = [[]]
    fail.append(f"no roster: {e}")
check(rows[0] == ["id", "name", "role", "division", "qualifications"], f"roster header {rows[0]}")
ids = [r[0] for r in rows[1:]]
check(len(ids) == len(set(ids)), "roster ids not unique")
per = collections.defaultdict(collections.Counter)
quals_of = collections.defaultdict(set)
known = {"general", "food", "quality", "special_equipment", "pricing", "ads"}
for n, r in enumerate(rows[1:], 2):
    if len(r) != 5:
        fail.append(f"roster line {n}: {len(r)} fields"); continue
    sid, name, role, div, q = r
    check(re.fullmatch(r"[A-Za-z0-9-]+", sid) is not None, f"roster line {n}: id {sid}")
    check(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) is not None, f"roster line {n}: name {name}")
    want = {"city": {"440100"}, "district": districts, "station": streets, "inspector": streets,
            "grid": grids}.get(role)
    check(want is not None and div in want, f"roster line {n}: role {role} division {div}")
    if role == "inspector":
        qs = q.split(";")
        check(qs[0] == "general" and set(qs) <= known and len(set(qs)) == len(qs),
              f"roster line {n}: qualifications {q}")
        quals_of[div] |= set(qs)
    else:
        check(q == "", f"roster line {n}: {role} with qualifications")
    per[div][role] += 1
check(per["440100"]["city"] >= 1, "no city staff")
for d in districts:
    check(per[d]["district"] == 1, f"district {d}: {per[d]['district']} officers")
for s in streets:
    check(2 <= per[s]["station"] <= 4, f"street {s}: {per[s]['station']} station officers")
    check(4 <= per[s]["inspector"] <= 12, f"street {s}: {per[s]['inspector']} inspectors")
    check(quals_of[s] == known, f"street {s} lacks qualifications {known - quals_of[s]}")
for g in grids:
    check(per[g]["grid"] == 1, f"community {g}: {per[g]['grid']} grid workers")

if fail:
    print("\n".join(fail[:20]))
    sys.exit(1)
print(f"gen planted: {len(by_key)} addresses, hard negatives {dict(hn)}, "
      f"{len(directors)} directors, roster of {len(ids)}")
EOF
# crisk roster takes the generated roster whole.
staff=$("$crisk" roster --db "$tmp/s.db" --file "$tmp/city/roster.csv" --json)
[ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM staff")" = "$(($(wc -l < "$tmp/city/roster.csv") - 1))" ] \
  || { echo "crisk roster loaded another number of staff: $staff"; exit 1; }
