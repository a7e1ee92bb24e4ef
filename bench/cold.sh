#!/usr/bin/env bash
# Cold and warm classify: `crisk classify` of STORE RUNS times right after the page cache was
# dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`: needs root), then RUNS times warm. Prints per
# run crisk's own timings (load, compute, save), wall, peak RSS and the bytes the process read from
# disk (GNU time's block inputs, %I x 512: the kernel's read_bytes of /proc/PID/io, children
# included), and the disk's reads over the run (/proc/diskstats of STORE's device: every process);
# then the medians, the disk's sequential read speed (dd of STORE with O_DIRECT, bs 16 MiB, at
# most 4 GiB: no cache involved, none dropped) and the ratio cold wall / (bytes read / speed):
# how far the cold run is from the physical limit of reading its bytes once, in sequence.
# Usage: bench/cold.sh STORE [RUNS] [MODEL]   (default RUNS 3, MODEL models/gz-2021.yaml)
# Dropping the page cache slows every other process on the machine for a while: run it on a
# machine doing nothing else. Each run adds a run to STORE.
set -euo pipefail
cd "$(dirname "$0")/.."
step="start"
trap 'echo "bench/cold.sh: FAILED at: $step (line $LINENO: $BASH_COMMAND)" >&2' ERR
fail() { echo "bench/cold.sh: FAILED: $*" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: bench/cold.sh STORE [RUNS] [MODEL]" >&2; exit 2; }
db=$1; runs=${2:-3}; model=${3:-models/gz-2021.yaml}
[ -f "$db" ] || fail "no store $db"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || fail "RUNS must be a positive integer, not '$runs'"
[ "$(id -u)" = 0 ] || fail "dropping the page cache needs root (echo 3 > /proc/sys/vm/drop_caches); run as root"
[ -w /proc/sys/vm/drop_caches ] || fail "/proc/sys/vm/drop_caches is not writable here (a container without it?)"
crisk=build/crisk
step="build crisk"; [ -x "$crisk" ] || scripts/build.sh
out=bench/out/cold; mkdir -p "$out"; rm -f "$out"/*.json "$out"/*.time

# STORE's block device as /proc/diskstats names it (a partition's own line), or empty.
step="STORE's device"
dev=$(df --output=source "$db" | tail -1); dev=${dev#/dev/}
grep -qw "$dev" /proc/diskstats || dev=""
sectors_read() { if [ -n "$dev" ]; then awk -v d="$dev" '$3 == d {print $6}' /proc/diskstats; else echo 0; fi; }
jget() { node -e '
  const [f, path] = process.argv.slice(1); let v = JSON.parse(require("fs").readFileSync(f, "utf8"));
  for (const k of path.split(".")) v = v == null ? undefined : v[k];
  if (typeof v !== "number") { console.error(`${f}: no number ${path}`); process.exit(1); }
  console.log(v);' "$1" "$2"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; print a[int((NR+1)/2)]}'; }

# One classify run: its figures go to $out/<tag>.tsv (wall rss bytes disk_bytes).
run() {
  local tag=$1 i=$2 d0 d1 w m blocks
  step="crisk classify ($tag run $i)"
  d0=$(sectors_read)
  /usr/bin/time -f "%e %M %I" -o "$out/$tag-$i.time" "$crisk" classify --db "$db" --model "$model" --json > "$out/$tag-$i.json" \
    || fail "crisk classify exited $? ($tag run $i; $out/$tag-$i.json)"
  d1=$(sectors_read)
  read -r w m blocks < <(tail -1 "$out/$tag-$i.time")
  printf '%s\t%s\t%s\t%s\n' "$w" "$m" "$((blocks * 512))" "$(((d1 - d0) * 512))" >> "$out/$tag.tsv"
  printf '%-4s run %d: load %.2f s, compute %.2f s, save %.2f s; wall %s s, peak RSS %.2f GiB, read %.1f MB by crisk, %.1f MB by the disk\n' \
    "$tag" "$i" "$(jget "$out/$tag-$i.json" timings.load)" "$(jget "$out/$tag-$i.json" timings.classify)" \
    "$(jget "$out/$tag-$i.json" timings.save)" "$w" "$(echo "$m / 1048576" | bc -l)" \
    "$(echo "$blocks * 512 / 1000000" | bc -l)" "$(echo "($d1 - $d0) * 512 / 1000000" | bc -l)"
}
rm -f "$out/cold.tsv" "$out/warm.tsv"
echo "store: $db ($(du -sh "$db" | cut -f1); with its files: $(du -ch "$db"* | tail -1 | cut -f1)), device ${dev:-unknown}, $runs runs each"
for i in $(seq 1 "$runs"); do
  step="drop the page cache"
  sync; echo 3 > /proc/sys/vm/drop_caches
  run cold "$i"
done
for i in $(seq 1 "$runs"); do run warm "$i"; done

step="sequential read speed (dd)"
size=$(stat -c %s "$db")
count=$(( (size + 16777215) / 16777216 )); [ "$count" -le 256 ] || count=256
dd if="$db" of=/dev/null bs=16M count="$count" iflag=direct 2> "$out/dd.txt" || fail "dd of $db: $(cat "$out/dd.txt")"
ddbytes=$(awk '/bytes/ {print $1; exit}' "$out/dd.txt")
ddsec=$(awk '/bytes/ {for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) {print $(i - 1); exit}}' "$out/dd.txt")
[[ "$ddbytes" =~ ^[0-9]+$ && -n "$ddsec" ]] || fail "cannot read dd's figures: $(cat "$out/dd.txt")"
speed=$(echo "$ddbytes / $ddsec" | bc -l)

step="summary"
col() { cut -f"$2" "$out/$1.tsv" | median; }
cw=$(col cold 1); cm=$(col cold 2); cb=$(col cold 3); cd=$(col cold 4)
ww=$(col warm 1); wm=$(col warm 2); wb=$(col warm 3)
printf 'cold (median of %d): wall %s s, peak RSS %.2f GiB, read by crisk %.1f MB (the disk read %.1f MB meanwhile)\n' \
  "$runs" "$cw" "$(echo "$cm / 1048576" | bc -l)" "$(echo "$cb / 1000000" | bc -l)" "$(echo "$cd / 1000000" | bc -l)"
printf 'warm (median of %d): wall %s s, peak RSS %.2f GiB, read by crisk %.1f MB\n' \
  "$runs" "$ww" "$(echo "$wm / 1048576" | bc -l)" "$(echo "$wb / 1000000" | bc -l)"
printf 'sequential read (dd, O_DIRECT, bs 16M): %.1f MB in %s s = %.0f MB/s\n' \
  "$(echo "$ddbytes / 1000000" | bc -l)" "$ddsec" "$(echo "$speed / 1000000" | bc -l)"
if [ "$cb" -gt 0 ]; then
  limit=$(echo "$cb / $speed" | bc -l)
  printf 'physical limit (bytes read / sequential speed): %.2f s; cold wall / limit = %.1f\n' "$limit" "$(echo "$cw / $limit" | bc -l)"
else
  echo "physical limit: crisk read no bytes from disk on the cold runs (was the cache really dropped?)"
fi
