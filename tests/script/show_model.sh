#!/usr/bin/env bash
# crisk show explains a run with the model the run used, kept in the store by content hash:
# after a run of another model than the default, show prints that model's name and hash and
# the recorded score, also once the model file is gone; --model naming another model is refused.
set -euo pipefail
crisk=$1
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 300 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
# Another model: the shipped one renamed, with the basic aspect weighing 20 times more.
sed -e 's/^model: gz-2021$/model: other/' -e '0,/^    weight: 0.05$/s//    weight: 1.0/' \
  "$src/models/gz-2021.yaml" > "$tmp/other.yaml"
"$crisk" classify --db "$db" > /dev/null
"$crisk" classify --db "$db" --model "$tmp/other.yaml" --json > "$tmp/run.json"
hash=$(sed -E 's/.*"hash":"([0-9a-f]+)".*/\1/' "$tmp/run.json")
default_hash=$(sqlite3 "$db" "SELECT model_hash FROM run WHERE id = 1")
[ "$hash" != "$default_hash" ] || { echo "the two models have one hash"; exit 1; }
[ "$(sqlite3 "$db" "SELECT count(*) FROM model")" = 2 ] || { echo "the store does not keep both models"; exit 1; }
# The firm whose score moved most between the two models.
key=$(sqlite3 "$db" "SELECT s.key FROM run_score a JOIN run_score b ON b.subject = a.subject AND b.run = 2
                     JOIN subject s ON s.id = a.subject WHERE a.run = 1 ORDER BY abs(a.score - b.score) DESC LIMIT 1")
stored=$(sqlite3 "$db" "SELECT r.score FROM run_score r JOIN subject s ON s.id = r.subject WHERE r.run = 2 AND s.key = '$key'")
ver=$(sed -n 's/^version: //p' "$tmp/other.yaml")
rm "$tmp/other.yaml" # the store's copy is what counts
for round in 1 2; do
  "$crisk" show --db "$db" --json "$key" > "$tmp/show.json"
  # j PATH: a value of the portrait (JSON functions of the sqlite3 shell).
  j() { sqlite3 :memory: "SELECT json_extract(readfile('$tmp/show.json'), '$1')"; }
  level=$(j '$.level')
  [ "$(j '$.level.model_hash')" = "$hash" ] || { echo "show: model hash is not the run's: $level"; exit 1; }
  case "$(j '$.level.model')" in "other v"*) ;; *) echo "show: model is not the run's: $level"; exit 1 ;; esac
  echo "$(j '$.level.score') $(j '$.level.explained_score') $stored" \
    | awk '{ d = $1 - $3; e = $2 - $3; exit !(d * d < 1e-18 && e * e < 1e-12) }' \
    || { echo "show: score is not the recorded $stored: $level"; exit 1; }
  "$crisk" show --db "$db" "$key" > "$tmp/show.txt"
  grep -q "模型 other v$ver $hash" "$tmp/show.txt" || { echo "show text: not the run's model"; cat "$tmp/show.txt"; exit 1; }
  # The tags of run 2 are computed with run 2's model; showing it again changes nothing.
  "$crisk" tag --db "$db" > /dev/null
done
# --model naming another model than the run's is refused, not used.
set +e
"$crisk" show --db "$db" --model "$src/models/gz-2021.yaml" "$key" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc != 0 ] && grep -q "not this one" "$tmp/err" || { echo "show --model of another model: exit $rc"; cat "$tmp/err"; exit 1; }
echo "show_model: a run of another model is explained with it ($hash), score $stored as recorded"
