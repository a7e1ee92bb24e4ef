#!/usr/bin/env bash
# A store of an older crisk (docs/store.md "Draws"): plans with a plan_firm row per firm, draws with
# a draw_firm row per firm, inspection rows without the firm's level and arm. Made here from a
# store of this crisk by sqlite3 and python3 (the block decoded by plan_list.py). Its draws list
# and verify as before, read-only; a tampered old row does not verify; the next draw moves the
# store to the new layout (draw_firm_v1 and the view draw_firm) and the old draw still lists the
# same and verifies.
set -euo pipefail
crisk=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
cat > "$tmp/plan.yaml" <<'YAML'
name: old store
year: 2026
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
workload_cap: 1
YAML
plan=$("$crisk" plan --db "$db" --file "$tmp/plan.yaml" --today 2026-01-05 --json |
       python3 -c 'import json, sys; print(json.load(sys.stdin)["plan"])')
d1=$("$crisk" draw --db "$db" --plan "$plan" --seed old --today 2026-01-06 --json |
     python3 -c 'import json, sys; print(json.load(sys.stdin)["draw"])')
"$crisk" draw --db "$db" --draw "$d1" --csv > "$tmp/csv1"
"$crisk" inspections --db "$db" --csv > "$tmp/insp1"
grep -q 'station [0-9]' "$tmp/csv1" || { echo "old store: the draw has no unstaffed firm to carry over"; exit 1; }

# Back to the layout of the older crisk.
python3 - "$db" "$plan" "$here" <<'PY'
import json, sqlite3, sys
sys.path.insert(0, sys.argv[3])
import plan_list
db = sqlite3.connect(sys.argv[1]); plan = int(sys.argv[2])
rows = plan_list.read(db, plan)
db.executemany("INSERT INTO plan_firm(plan, key, subject, level, class, street) VALUES(?,?,?,?,?,?)",
               [(plan, k, j, l, c, s) for k, l, c, s, j in rows])
db.execute("DELETE FROM plan_list")
st = json.loads(db.execute("SELECT settings FROM plan WHERE id=?", (plan,)).fetchone()[0])
for k in ("rules", "tolerance_tag", "complaint_kinds", "complaint_days", "open_warnings", "scope"):
    del st[k]  # an older crisk did not record them
db.execute("UPDATE plan SET settings=? WHERE id=?", (json.dumps(st, ensure_ascii=False), plan))
db.executescript("""
CREATE TABLE old_rows AS SELECT * FROM draw_firm;
DROP VIEW draw_firm; DROP TABLE draw_firm_v1; DROP TABLE draw_reason;
CREATE TABLE draw_firm(draw INTEGER NOT NULL, key TEXT NOT NULL, subject INTEGER NOT NULL,
 level TEXT NOT NULL, arm TEXT NOT NULL CHECK(arm IN ('targeted','random','triggered')),
 inspectors TEXT NOT NULL, unstaffed TEXT, PRIMARY KEY(draw, key)) WITHOUT ROWID;
CREATE INDEX draw_firm_by_subject ON draw_firm(subject);
INSERT INTO draw_firm SELECT * FROM old_rows; DROP TABLE old_rows;
ALTER TABLE inspection DROP COLUMN level; ALTER TABLE inspection DROP COLUMN arm;
ALTER TABLE inspection DROP COLUMN drawn; ALTER TABLE inspection DROP COLUMN unstaffed;
""")
db.commit()
PY
[ "$(sqlite3 "$db" "SELECT type FROM sqlite_master WHERE name='draw_firm'")" = table ] || { echo "not an old layout"; exit 1; }
"$crisk" draw verify --db "$db" --draw "$d1" > "$tmp/out" || { echo "old store: verify: $(cat "$tmp/out")"; exit 1; }
"$crisk" draw --db "$db" --draw "$d1" --csv | cmp - "$tmp/csv1" || { echo "old store: the draw lists otherwise"; exit 1; }
"$crisk" inspections --db "$db" --csv | cmp - "$tmp/insp1" || { echo "old store: the inspections list otherwise"; exit 1; }
python3 "$here/draw_python.py" "$db" "$d1" | cmp - <(cut -d, -f1-3 "$tmp/csv1" | tail -n +2) \
  || { echo "old store: the Python re-implementation disagrees"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE draw_firm SET arm='random' WHERE draw=$d1 AND key=(SELECT min(key) FROM draw_firm WHERE draw=$d1 AND arm<>'random')"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -Eq "drawn firms? differs? from the recomputed draw" "$tmp/out" || { echo "old store: a tampered old row verified ($rc): $(cat "$tmp/out")"; exit 1; }
cp "$db" "$tmp/t.db"
sqlite3 "$tmp/t.db" "UPDATE plan_firm SET class='pool' WHERE plan=$plan AND key=(SELECT min(key) FROM plan_firm WHERE plan=$plan AND class<>'pool')"
set +e; "$crisk" draw verify --db "$tmp/t.db" --draw "$d1" > "$tmp/out"; rc=$?; set -e
[ $rc = 1 ] && grep -q "no longer has the recorded hash" "$tmp/out" || { echo "old store: a tampered plan_firm row verified ($rc)"; exit 1; }

# The next draw moves it to the new layout; the old draw is read from draw_firm_v1.
d2=$("$crisk" draw --db "$db" --plan "$plan" --seed new --today 2026-01-07 --redraw --reason r --by t --json |
     python3 -c 'import json, sys; print(json.load(sys.stdin)["draw"])')
[ "$(sqlite3 "$db" "SELECT type FROM sqlite_master WHERE name='draw_firm'")" = view ] || { echo "old store: not moved"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw_firm_v1 WHERE draw=$d1")" = "$(($(wc -l < "$tmp/csv1") - 1))" ] \
  || { echo "old store: the old rows were not kept"; exit 1; }
for d in "$d1" "$d2"; do
  "$crisk" draw verify --db "$db" --draw "$d" > "$tmp/out" || { echo "moved store: draw $d: $(cat "$tmp/out")"; exit 1; }
done
# the same rows, now void (draw 2 replaced it)
"$crisk" draw --db "$db" --draw "$d1" --csv 2> /dev/null | sed 's/,void$//' | cmp - <(sed 's/,standing$//' "$tmp/csv1") \
  || { echo "moved store: the old draw lists otherwise"; exit 1; }
[ "$("$crisk" draw --db "$db" --draw "$d1" --csv 2> /dev/null | tail -n +2 | awk -F, '{print $NF}' | sort -u)" = void ] \
  || { echo "moved store: the voided old draw is not listed void"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM draw_firm")" = "$(sqlite3 "$db" "SELECT count(*) FROM inspection")" ] \
  || { echo "moved store: the view draw_firm misses firms"; exit 1; }
echo "old store: old draws list and verify as before, and after the move to the new layout"
