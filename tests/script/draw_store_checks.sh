#!/usr/bin/env bash
# The inspection rows of a store's first draw carry the drawn firm's level and arm
# (docs/store.md "Draws") under the CHECK constraints the older draw_firm table had: a level
# other than A-D or an arm other than targeted, random, triggered is refused by SQLite itself,
# whoever writes it. Near misses: the valid values are taken, and the rows of the draw are fine.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "draw_store_checks: $*"; exit 1; }
"$crisk" gen --out "$tmp/city" --enterprises 200 --seed 2 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
printf 'name: c\nyear: 2026\nroutine: false\n' > "$tmp/p.yaml"
"$crisk" plan --db "$db" --file "$tmp/p.yaml" --today 2026-01-05 > /dev/null
"$crisk" draw --db "$db" --plan 1 --seed c --today 2026-01-06 > /dev/null 2>&1
i=$(sqlite3 "$db" "SELECT min(id) FROM inspection")
[ -n "$i" ] || fail "the draw has no inspection"
refused() { # sql
  if sqlite3 "$db" "$1" 2> "$tmp/err"; then fail "SQLite took: $1"; fi
  grep -q "CHECK constraint failed" "$tmp/err" || fail "'$1' failed otherwise: $(cat "$tmp/err")"
}
refused "UPDATE inspection SET arm='bogus' WHERE id=$i"
refused "UPDATE inspection SET arm='' WHERE id=$i"
refused "UPDATE inspection SET level='E' WHERE id=$i"
refused "UPDATE inspection SET level='AB' WHERE id=$i"
sqlite3 "$db" "UPDATE inspection SET arm='random', level='D' WHERE id=$i" || fail "a valid arm and level refused"
echo "draw_store_checks: inspection.level and inspection.arm are checked by the store"
