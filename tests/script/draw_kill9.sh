#!/usr/bin/env bash
# A `crisk draw` killed with SIGKILL at any moment leaves either no draw or a whole one: the draw,
# one inspection per sampled firm, the roster it was staffed from and its recusals are recorded in
# one transaction (docs/draw.md "Verifying a draw"), so every recorded draw verifies (exit 0) and
# the plan keeps at most one standing draw. Redraws are killed too (the voiding is in the same
# transaction: a killed redraw leaves the earlier draw standing).
# The kill is aimed inside the write: a watcher (python3) tries BEGIN IMMEDIATE on the store
# every half millisecond and kills the draw the moment that fails because another connection
# holds the write lock - the draw's transaction is then open (a draw writes in no other). A
# kill is counted as inside the transaction when the lock was seen held and afterwards the
# store has no more draws than before: the transaction was open and never committed. At least
# one kill must be so; the others may have lost the race to the commit.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 8000 --seed 5 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
"$crisk" roster --db "$db" --file "$tmp/city/roster.csv" > /dev/null
# every pool firm drawn: the largest draw this city gives, so that a kill lands inside it
cat > "$tmp/plan.yaml" <<'YAML'
name: kill9
year: 2026
ratios: {A: 100%, B: 100%, C: 100%, D: 100%}
YAML
plan=$("$crisk" plan --db "$db" --file "$tmp/plan.yaml" --today 2026-01-05 --json |
       python3 -c 'import json, sys; print(json.load(sys.stdin)["plan"])')
q() { sqlite3 "$db" "$1"; }
check() {
  [ "$(q 'PRAGMA integrity_check')" = ok ] || { echo "kill9: integrity_check failed"; exit 1; }
  [ "$(q "SELECT count(*) FROM draw WHERE plan=$plan AND void_by IS NULL")" -le 1 ] \
    || { echo "kill9: the plan has two standing draws"; exit 1; }
  # every draw whole: its inspections, its roster, and it recomputes (draw_roster is made with
  # the first draw)
  [ "$(q "SELECT count(*) FROM draw")" = 0 ] && return 0
  q "SELECT d.id FROM draw d WHERE d.sampled <> (SELECT count(*) FROM inspection i WHERE i.draw=d.id)
     OR NOT EXISTS(SELECT 1 FROM draw_roster r WHERE r.draw=d.id)" > "$tmp/bad"
  [ ! -s "$tmp/bad" ] || { echo "kill9: draws without all their rows: $(cat "$tmp/bad")"; exit 1; }
  for d in $(q "SELECT id FROM draw"); do
    "$crisk" draw verify --db "$db" --draw "$d" > "$tmp/v" || { echo "kill9: draw $d: $(cat "$tmp/v")"; exit 1; }
  done
}
# kill_in_tx DB ARGS...: runs ARGS, kills it when the store's write lock is seen held; prints
# "locked" (killed with the lock held) or "finished" (it ended first)
kill_in_tx() {
  python3 - "$@" <<'PY'
import os, signal, sqlite3, subprocess, sys, time
db, args = sys.argv[1], sys.argv[2:]
p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
con = sqlite3.connect(db, timeout=0, isolation_level=None)
state = "finished"
while p.poll() is None:
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
    except sqlite3.OperationalError as e:
        if "locked" not in str(e) and "busy" not in str(e):
            raise
        os.kill(p.pid, signal.SIGKILL)
        state = "locked"
        break
    time.sleep(0.0005)
p.wait()
print(state)
PY
}
kills=0 inside=0 whole=0
for i in $(seq 1 8); do
  extra=()
  [ -n "$(q "SELECT id FROM draw WHERE plan=$plan AND void_by IS NULL")" ] && extra=(--redraw --reason "kill9 $i" --by t)
  before=$(q "SELECT count(*) FROM draw")
  state=$(kill_in_tx "$db" "$crisk" draw --db "$db" --plan "$plan" --seed "kill9 $i" --today 2026-01-06 "${extra[@]}")
  after=$(q "SELECT count(*) FROM draw")
  if [ "$state" = locked ]; then
    kills=$((kills + 1))
    [ "$after" = "$before" ] && inside=$((inside + 1))
  fi
  check
done
# and one that runs to its end (a redraw when a killed one got as far as its commit)
extra=()
[ -n "$(q "SELECT id FROM draw WHERE plan=$plan AND void_by IS NULL")" ] && extra=(--redraw --reason end --by t)
"$crisk" draw --db "$db" --plan "$plan" --seed "kill9 end" --today 2026-01-06 "${extra[@]}" > /dev/null
check
whole=$(q "SELECT count(*) FROM draw")
[ "$kills" -ge 1 ] || { echo "kill9: every draw finished before it could be killed"; exit 1; }
[ "$inside" -ge 1 ] || { echo "kill9: no kill landed inside a draw's transaction ($kills kills, each after its commit)"; exit 1; }
echo "draw kill9: $kills kill(s) with the write lock held, $inside inside an uncommitted transaction; $whole whole draw(s) recorded, each verifies; no partial draw"
