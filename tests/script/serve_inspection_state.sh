#!/usr/bin/env bash
# GET /api/v1/inspections gives each inspection the state crisk inspections --csv gives it (open,
# done, cancelled: a voided draw's inspection without a result is closed to results, not open),
# and state=open|done|cancelled filters by it.
set -euo pipefail
. "$(dirname "$0")/serve_lib.sh"
serve_init serve_inspection_state "$@"
"$CRISK" gen --out "$tmp/city" --enterprises 300 --seed 6 >/dev/null
"$CRISK" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" >/dev/null
"$CRISK" classify --db "$db" --as-of 2025-12-31 >/dev/null
printf 'name: v\nyear: 2026\nroutine: false\nratios: {A: 50%%, B: 50%%, C: 50%%, D: 50%%}\n' >"$tmp/p.yaml"
"$CRISK" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 >/dev/null
"$CRISK" draw --db "$db" --plan 1 --seed one --today 2026-01-08 --roster "$tmp/city/roster.csv" >/dev/null
i0=$(q "SELECT id FROM inspection WHERE draw = 1 AND unstaffed IS NULL ORDER BY id LIMIT 1")
"$CRISK" inspect --db "$db" --inspection "$i0" --result 1 --by u --date 2026-01-08 --today 2026-01-09 >/dev/null
"$CRISK" draw --db "$db" --plan 1 --seed two --today 2026-01-08 --roster "$tmp/city/roster.csv" \
    --redraw --reason r --by w >/dev/null
"$CRISK" inspections --db "$db" --csv >"$tmp/list.csv"
echo "city-admin-secret" | "$CRISK" user add --db "$db" --name admin --role city_admin >/dev/null
serve_start s
[ "$(serve_login "$U" "$tmp/jar" admin city-admin-secret)" = 200 ] || fail "login: $(cat "$tmp/login.json")"
for st in "" open done cancelled; do
    curl -s -b "$tmp/jar" "$U/api/v1/inspections?limit=100000${st:+&state=$st}" >"$tmp/api-$st.json"
done
python3 - "$tmp" <<'PY' || fail "the API's states differ from crisk inspections --csv's"
import csv, json, sys
t = sys.argv[1]
want = {int(r["id"]): r["state"] for r in csv.DictReader(open(f"{t}/list.csv"))}
got = {o["id"]: o["state"] for o in json.load(open(f"{t}/api-.json"))["inspections"]}
assert got == want, [(k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)][:5]
assert {"open", "done", "cancelled"} <= set(want.values()), set(want.values())
for st in ("open", "done", "cancelled"):
    ids = {o["id"] for o in json.load(open(f"{t}/api-{st}.json"))["inspections"]}
    assert ids == {k for k, v in want.items() if v == st}, st
PY
serve_stop "" clean TERM
echo "serve_inspection_state: ok"
