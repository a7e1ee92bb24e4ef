#!/usr/bin/env bash
# The draw over a full city's eligible list (issue 11: 1.6 M firms, ≤ 1 s, median of 3): the
# frozen list of a plan of bench/targeting.sh's 100,000 city is copied 16 times under new keys
# (the key with a suffix /00 … /15) into a plan of its own, its hash computed by python3, and
# `crisk draw` timed as a whole process (it reads the list, checks its hash, draws, staffs and
# records). Usage: bench/draw_full.sh [COPIES]   (after bench/targeting.sh 100000 1)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-16}
crisk=build/crisk
src=bench/out/targeting-100000-1/s.db
[ -f "$src" ] || { echo "run bench/targeting.sh 100000 1 first"; exit 1; }
db=bench/out/draw-full.db
rm -f "$db" "$db-wal" "$db-shm"
cp "$src" "$db"
sqlite3 "$db" "
  INSERT INTO plan(name, year, batch, routine, text, hash, settings, run, day, created, eligible, eligible_hash, counts)
    SELECT 'full', year, batch, 0, text, hash, settings, run, day, created, 0, '', '{}' FROM plan WHERE id=1;
  WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i+1 < $copies)
  INSERT INTO plan_firm SELECT (SELECT max(id) FROM plan), key || '/' || printf('%02d', i), subject * 100 + i, level, class, street
    FROM plan_firm, c WHERE plan=1;"
plan=$(sqlite3 "$db" "SELECT max(id) FROM plan")
python3 - "$db" "$plan" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); plan = int(sys.argv[2])
rows = db.execute("SELECT key, level, class FROM plan_firm WHERE plan=?", (plan,)).fetchall()
rows.sort(key=lambda r: r[0].encode())
h = hashlib.sha256("".join(f"{k},{l},{c}\n" for k, l, c in rows).encode()).hexdigest()
db.execute("UPDATE plan SET eligible=?, eligible_hash=? WHERE id=?", (len(rows), h, plan)); db.commit()
print(f"plan {plan}: {len(rows)} firms in the list")
PY
for i in 1 2 3; do
  s=$(date +%s.%N)
  "$crisk" draw --db "$db" --plan "$plan" --seed "full-$i" --json > bench/out/draw-full.json
  e=$(date +%s.%N)
  echo "$(echo "$e - $s" | bc) $(python3 -c 'import json; j=json.load(open("bench/out/draw-full.json")); print(j["seconds"], j["sampled"])')"
done | sort -n | sed -n 2p | { read -r wall inproc sampled; echo "median of 3: process $wall s (draw in-process $inproc s), $sampled firms sampled"; }
