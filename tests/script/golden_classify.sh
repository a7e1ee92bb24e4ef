#!/usr/bin/env bash
# Golden classify: the golden ingest fixture (tests/golden/ingest) classified by version 1 of the
# gz-2021 model (frozen beside the fixture: its values were checked by hand) as of 2022-12-31;
# scores, levels, vetoes and tags must be exactly as recorded.
# Usage: golden_classify.sh CRISK [--update]
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
here=$src/tests/golden/ingest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" ingest --db "$db" --catalog "$here/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --model "$here/gz-2021-v1.yaml" --as-of 2022-12-31 > /dev/null
"$crisk" tag --db "$db" > /dev/null
{
  "$crisk" scores --db "$db" --csv
  sqlite3 "$db" "SELECT s.key, r.aspects, r.top FROM run_score r JOIN subject s ON s.id = r.subject ORDER BY s.key;
                 SELECT s.key, t.tag FROM enterprise_tag t JOIN subject s ON s.id = t.subject ORDER BY 1, 2;"
} > "$tmp/classify.txt"
if [ "${2:-}" = --update ]; then cp "$tmp/classify.txt" "$here/expected/classify.txt"; echo updated; exit 0; fi
diff -u "$here/expected/classify.txt" "$tmp/classify.txt" || { echo "golden classify differs"; exit 1; }
echo "golden classify: scores, levels, contributions and tags match"
