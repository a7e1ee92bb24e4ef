#!/usr/bin/env bash
# A feed file cut while ingest reads it (a department's export overwritten mid-run) gives a
# clear error naming the file and a non-zero exit, never a crash (it was SIGBUS: the file was
# mapped, and a page past the new end kills the process). The store keeps what was committed
# at resume points, every count adding up, and the next run completes it.
set -euo pipefail
crisk=$1
. "$(dirname "$0")/pause_lib.sh"
tmp=$(mktemp -d)
pid=
cleanup() { rm -f "$tmp/pause"; [ -z "$pid" ] || wait "$pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir "$tmp/feeds"
cat > "$tmp/catalog.yaml" <<'YAML'
catalog: cut
departments:
  - {code: SCJ, name: 市场监督管理局}
topics:
  - code: PEN
    name: 行政处罚信息
    department: SCJ
    kind: penalty
    files: [feeds/penalty.csv]
    key: uscc
    fields: {date: date, amount: amount}
    attrs: [note]
YAML
# About 12 MB: far more pages than the reader has touched when it is paused at row 2,000.
awk 'BEGIN {
  print "uscc,date,amount,note"
  for (i = 1; i <= 200000; i++)
    printf "91440106MA5AAAA192,2023-%02d-%02d,%d,第%d号处罚决定书 记录内容用于填充文件的长度以便截断\n", 1 + i % 12, 1 + i % 28, i, i
}' > "$tmp/feeds/penalty.csv"
cp "$tmp/feeds/penalty.csv" "$tmp/whole.csv"
# Runs a paused ingest into $1, applies the command $2 to the feed while it is paused, and
# checks exit 1 and the error naming the file and the change ($3, an extended regex).
paused_change() {
  CRISK_PAUSE_ROW=2000 CRISK_PAUSE_FILE="$tmp/pause" \
    "$crisk" ingest --db "$1" --catalog "$tmp/catalog.yaml" --threads 1 --batch-rows 500 \
    > "$tmp/out.txt" 2>&1 &
  pid=$!
  wait_paused feed_truncated "$tmp/pause" "$pid" "$tmp/out.txt"
  eval "$2"
  rm -f "$tmp/pause"
  set +e; wait "$pid"; rc=$?; set -e
  pid=
  [ $rc = 1 ] || { echo "feed_truncated: exit $rc, want 1 ($2)"; cat "$tmp/out.txt"; exit 1; }
  grep -Eq "feeds/penalty.csv: changed while it was read \($3\)" "$tmp/out.txt" ||
    { echo "feed_truncated: the error does not name the file and '$3' ($2):"; cat "$tmp/out.txt"; exit 1; }
}
# A byte rewritten in place (same size, same file) and the file replaced by another of the same
# size: each said as what it is, not as "N bytes when opened, N now".
paused_change "$tmp/inplace.db" 'printf X | dd of="$tmp/feeds/penalty.csv" bs=1 seek=100 conv=notrunc 2> /dev/null' \
  "same size, modified since it was opened"
cp "$tmp/whole.csv" "$tmp/feeds/penalty.csv"
paused_change "$tmp/replaced.db" 'cp "$tmp/whole.csv" "$tmp/other.csv"; mv "$tmp/other.csv" "$tmp/feeds/penalty.csv"' \
  "replaced by another file of the same size"
paused_change "$tmp/s.db" 'truncate -s 4096 "$tmp/feeds/penalty.csv"' "[0-9]+ bytes when opened, 4096 now"
q() { sqlite3 "$tmp/s.db" "$1"; }
[ "$(q 'PRAGMA integrity_check')" = ok ] || { echo "feed_truncated: integrity_check failed"; exit 1; }
[ "$(q 'SELECT count(*) FROM feed_file WHERE n_read <> n_loaded + n_duplicate + n_quarantined')" = 0 ] ||
  { echo "feed_truncated: a file's counts do not add up"; exit 1; }
[ "$(q 'SELECT coalesce(sum(n_loaded), 0) FROM feed_file')" = "$(q 'SELECT coalesce(sum(n), 0) FROM event_block')" ] ||
  { echo "feed_truncated: loaded rows and stored events differ"; exit 1; }
# With the file whole again, the next run resumes it and loads every row once.
cp "$tmp/whole.csv" "$tmp/feeds/penalty.csv"
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/catalog.yaml" > /dev/null
[ "$(q 'SELECT sum(n) FROM event_block')" = 200000 ] ||
  { echo "feed_truncated: $(q 'SELECT sum(n) FROM event_block') events after the re-run, want 200000"; exit 1; }
echo "feed_truncated: cut mid-read, exit 1 naming the file, store consistent, re-run complete"
