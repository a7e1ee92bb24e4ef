#!/usr/bin/env bash
# The main job on the embedded default: build, generate a small synthetic Guangzhou, collect
# every department feed into SQLite, classify every enterprise with the gz-2021 model, tag them
# by the theme library, show the level distribution by district and one portrait, then the
# loop's response: monitor's warnings, dispatch to the city's roster, one task worked to its end.
# It ends by serving the city in the browser (crisk serve: the web UI and the API) with a demo
# user per role, printing the address and the logins; Ctrl-C stops it.
# Usage: scripts/demo.sh [--no-serve] [ENTERPRISES] (default 20000); the store is out/demo.db.
# --no-serve (or CRISK_DEMO_NO_SERVE=1) stops before serving, for scripts; so does a stdin that is
# not a terminal (CI never blocks on it). CRISK_DEMO_LISTEN sets the address (127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
serve=1
[ -n "${CRISK_DEMO_NO_SERVE:-}" ] && serve=0
if [ "${1:-}" = --no-serve ]; then
  serve=0
  shift
fi
n=${1:-20000}
scripts/build.sh
mkdir -p out
rm -rf out/city out/demo.db out/demo.db-wal out/demo.db-shm
echo "== crisk gen: a synthetic city of $n enterprises"
build/crisk gen --out out/city --enterprises "$n" --seed 1
echo "== crisk ingest: every feed of out/city/catalog.yaml into out/demo.db"
build/crisk ingest --db out/demo.db --catalog out/city/catalog.yaml | grep -v '^  T'
echo "== crisk quarantine: what was rejected, and why"
build/crisk quarantine --db out/demo.db --limit 3
echo "== crisk classify: 5 aspects, 24 categories, 72 indicators → levels A–D"
build/crisk classify --db out/demo.db
echo "== crisk tag: the theme library"
build/crisk tag --db out/demo.db
echo "== crisk show: the portrait of the riskiest enterprise"
top=$(build/crisk scores --db out/demo.db --csv | awk -F, 'NR > 1 && $2 + 0 > best { best = $2 + 0; key = $1 } END { print key }')
build/crisk show --db out/demo.db "$top"
echo "== crisk monitor: warnings with evidence (一址多照, 一人多企, 僵尸企业, …) as of the city's last day"
build/crisk monitor --db out/demo.db --as-of 2025-12-31
echo "== crisk roster + dispatch: the city's staff; each open warning a task for its grid, street or district"
build/crisk roster --db out/demo.db --file out/city/roster.csv
build/crisk dispatch --db out/demo.db --today 2026-01-05
build/crisk tasks --db out/demo.db --today 2026-01-05 --csv | awk 'NR <= 4'
echo "== crisk task: the first task accepted, visited and closed (属实) by a staff member of its division"
read -r tid div < <(build/crisk tasks --db out/demo.db --status open --today 2026-01-05 --csv | awk -F, 'NR == 2 { print $1, $5 }')
who=$(awk -F, -v d="$div" 'NR > 1 && $4 == d { print $1; exit }' out/city/roster.csv)
[ -n "$who" ] || who=$(awk -F, 'NR > 1 && $3 == "city" { print $1; exit }' out/city/roster.csv)
build/crisk task --db out/demo.db "$tid" --accept --by "$who" --today 2026-01-06
build/crisk task --db out/demo.db "$tid" --visit --by "$who" --today 2026-01-07 --note "现场核查"
build/crisk task --db out/demo.db "$tid" --close confirmed --by "$who" --today 2026-01-08
build/crisk tasks --db out/demo.db --status closed --today 2026-01-08 --csv
echo "== quality against the generator's hidden truth"
CRISK=build/crisk bench/quality.sh out/demo.db out/city/truth.csv

[ "$serve" = 1 ] || exit 0
if [ ! -t 0 ]; then
  echo "== not serving: stdin is not a terminal (scripts and CI: pass --no-serve)"
  exit 0
fi
echo "== crisk serve: the web UI, a demo user per role (passwords for this demo only)"
rm -f out/demo-logins.txt
# The district, street and grid users are staff of the roster (their names are roster ids), so
# that their task actions are signed by a staff member covering the task's division.
district=$(sqlite3 out/demo.db "SELECT district FROM enterprise GROUP BY district ORDER BY count(*) DESC LIMIT 1")
street=$(sqlite3 out/demo.db "SELECT street FROM enterprise WHERE district = '$district' GROUP BY street ORDER BY count(*) DESC LIMIT 1")
grid=$(sqlite3 out/demo.db "SELECT grid FROM enterprise WHERE street = '$street' GROUP BY grid ORDER BY count(*) DESC LIMIT 1")
staff() { awk -F, -v r="$1" -v d="$2" 'NR > 1 && $3 == r && $4 == d { print $1; exit }' out/city/roster.csv; }
add_user() { # name role scope
  local pw="demo-$2"
  local args=(--db out/demo.db --name "$1" --role "$2")
  [ -n "$3" ] && args+=(--scope "$3")
  echo "$pw" | build/crisk user add "${args[@]}" >/dev/null
  printf '  %-14s %-22s %-13s password: %s\n' "$2" "$1" "${3:-(city)}" "$pw" >>out/demo-logins.txt
}
add_user admin city_admin ""
add_user analyst city_analyst ""
d_user=$(staff district "$district"); s_user=$(staff station "$street"); g_user=$(staff grid "$grid")
add_user "${d_user:-district_officer}" district "$district"
add_user "${s_user:-street_officer}" street "$street"
add_user "${g_user:-grid_inspector}" grid "$grid"
add_user auditor auditor ""
listen=${CRISK_DEMO_LISTEN:-127.0.0.1:8080}
echo "open http://$listen/ and log in as one of:"
cat out/demo-logins.txt
echo "(Ctrl-C stops the server)"
exec build/crisk serve --db out/demo.db --listen "$listen"
