#!/usr/bin/env bash
# A `crisk draw` killed with SIGKILL at any moment leaves either no draw or a whole one: the draw,
# one inspection per sampled firm, the roster it was staffed from and its recusals are recorded in
# one transaction (docs/draw.md "Verifying a draw"), so every recorded draw verifies (exit 0) and
# the plan keeps at most one standing draw. Redraws are killed too (the voiding is in the same
# transaction: a killed redraw leaves the earlier draw standing).
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
kills=0 whole=0
for i in $(seq 1 8); do
  extra=()
  [ -n "$(q "SELECT id FROM draw WHERE plan=$plan AND void_by IS NULL")" ] && extra=(--redraw --reason "kill9 $i" --by t)
  "$crisk" draw --db "$db" --plan "$plan" --seed "kill9 $i" --today 2026-01-06 "${extra[@]}" > /dev/null 2>&1 &
  pid=$!
  sleep "0.0$((RANDOM % 10))$((RANDOM % 10))"
  if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
  wait $pid 2>/dev/null || true
  check
done
# and one that runs to its end (a redraw when a killed one got as far as its commit)
extra=()
[ -n "$(q "SELECT id FROM draw WHERE plan=$plan AND void_by IS NULL")" ] && extra=(--redraw --reason end --by t)
"$crisk" draw --db "$db" --plan "$plan" --seed "kill9 end" --today 2026-01-06 "${extra[@]}" > /dev/null
check
whole=$(q "SELECT count(*) FROM draw")
[ "$kills" -ge 1 ] || { echo "kill9: every draw finished before it could be killed"; exit 1; }
echo "draw kill9: $kills kill(s), $whole whole draw(s) recorded, each verifies; no partial draw"
