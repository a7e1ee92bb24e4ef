#!/usr/bin/env bash
# An ingest that stops on an error after it read files still reports, on stdout, what the store
# holds of each file it read (T14 F9): the counts committed, and whether each file was read to
# its end, in part (the line the same command resumes at) or not at all; with --json too, the
# error in it. Checked against the store's own file records and counts, then the same command
# completes the store.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$crisk" gen --out "$tmp/city" --enterprises 800 --seed 4 > /dev/null
ingest() { # FAULT_ROW OUT [--json]: a run stopped by the fault; its exit code must be 1
  set +e
  CRISK_FAULT_ROW=$1 "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" --threads 1 \
    --batch-rows 700 ${3:-} > "$2" 2> "$tmp/err"
  local rc=$?
  set -e
  [ $rc = 1 ] || { echo "ingest_failed_report: a faulted run exited $rc"; cat "$tmp/err"; exit 1; }
  grep >/dev/null "fault injected at row $1" "$tmp/err" || { echo "ingest_failed_report: no error on stderr"; exit 1; }
}
# The store's record of each file, its latest: path state next_line read loaded duplicates quarantined
records() {
  sqlite3 -separator ' ' "$tmp/s.db" "SELECT path, state, next_line, n_read, n_loaded, n_duplicate, n_quarantined
    FROM feed_file f WHERE id = (SELECT max(id) FROM feed_file g WHERE g.path = f.path AND g.topic = f.topic) ORDER BY path"
}

# 1. --json: a file done, a file in part; every count is the store's, the totals add up to it.
ingest 5000 "$tmp/r1.json" --json
python3 - "$tmp/r1.json" <(records) <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rec = {}
for line in open(sys.argv[2]):
    p, state, nl, *n = line.split()
    rec[p] = (state, int(nl), [int(x) for x in n])
assert "fault injected at row 5000" in j["error"], j.get("error")
assert j["reasons"] == {}, j["reasons"]
states = {}
for f in j["files"]:
    if "committed" not in f:
        continue
    states[f["committed"]] = states.get(f["committed"], 0) + 1
    counts = [f["read"], f["loaded"], f["duplicates"], f["quarantined"]]
    if f["committed"] == "none":
        assert f["path"] not in rec and counts == [0, 0, 0, 0], f
        continue
    state, nl, n = rec[f["path"]]
    assert counts == n, (f, n)
    assert state == ("done" if f["committed"] == "done" else "partial"), (f, state)
    if state == "partial":
        assert f["resume_line"] == nl, (f, nl)
assert states.get("done", 0) >= 1 and states.get("partial", 0) == 1, states
t, s = j["totals"], j["store"]
assert t["read"] == t["loaded"] + t["duplicates"] + t["quarantined"], t
assert t["loaded"] == s["enterprises"] + s["events"] + s["roles"], (t, s)
assert t["quarantined"] == s["quarantined_open"], (t, s)
PY

group() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; } # 12345 -> 12,345, as the report writes it
# 2. Text: the same command resumes the file in part and stops later; the report says so.
ingest 9000 "$tmp/r2.txt"
head -1 "$tmp/r2.txt" | grep >/dev/null "^committed before the stop" || { echo "ingest_failed_report: no committed report"; cat "$tmp/r2.txt"; exit 1; }
grep -E "(resumed)" "$tmp/r2.txt" > /dev/null || { echo "ingest_failed_report: the resumed file not reported"; cat "$tmp/r2.txt"; exit 1; }
checked=0
while read -r path state nl read loaded dup quar; do
  line=$(grep -F " $path: " "$tmp/r2.txt" | grep -F " read = " || true)
  [ -n "$line" ] || continue # a file of the first run only, skipped now
  want="$(group "$read") read = $(group "$loaded") loaded + $(group "$dup") duplicates + $(group "$quar") quarantined"
  case "$line" in *"$want"*) ;; *) echo "ingest_failed_report: $path: '$line', the store says '$want'"; exit 1 ;; esac
  if [ "$state" = partial ]; then
    case "$line" in *"(in part: the same command resumes at line $nl)"*) ;;
      *) echo "ingest_failed_report: $path in part, resume line $nl not reported: $line"; exit 1 ;; esac
  fi
  checked=$((checked + 1))
done < <(records)
[ $checked -ge 3 ] || { echo "ingest_failed_report: only $checked files compared"; exit 1; }
{ grep -E "\(nothing committed\)$" "$tmp/r2.txt" || true; } | while read -r _ path _; do
  path=${path%:}
  [ -z "$(sqlite3 "$tmp/s.db" "SELECT id FROM feed_file WHERE path = '$path'")" ] \
    || { echo "ingest_failed_report: $path said nothing committed, the store has it"; exit 1; }
done
grep -E "^  quarantined|^time:" "$tmp/r2.txt" && { echo "ingest_failed_report: a failed run's report counts rolled-back rows"; exit 1; }

# 3. The same command without the fault completes the store.
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
[ "$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM feed_file WHERE state = 'partial'")" = 0 ] \
  || { echo "ingest_failed_report: files left in part"; exit 1; }
echo "ingest_failed_report: a stopped run reports what the store holds of each file, text and JSON"
