#!/usr/bin/env bash
# The event column cache (STORE.cols) is used only whole and of this version: a flipped byte
# anywhere in it (header, first or last checksum chunk), a torn or lengthened file, or a file of
# the previous format (magic CRCOLS02) is rebuilt — the same bytes as the first build, the same
# scores — never read; an intact cache is used as it is (not rebuilt).
set -euo pipefail
crisk=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
fail() { echo "cache_checksum: $*"; exit 1; }
# 12,000 firms: a cache of more than one 8 MiB checksum chunk.
"$crisk" gen --out "$tmp/city" --enterprises 12000 --seed 3 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
"$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
[ -f "$db.cols" ] || fail "no cache built"
cp "$db.cols" "$tmp/good.cols"
size=$(stat -c %s "$tmp/good.cols")
[ "$size" -gt $((8 << 20)) ] || fail "the cache ($size bytes) is not past one checksum chunk"
[ "$(head -c 8 "$tmp/good.cols")" = CRCOLS03 ] || fail "the cache is not of version 3"
"$crisk" scores --db "$db" --csv > "$tmp/scores.csv"
[ "$(wc -l < "$tmp/scores.csv")" -gt 10000 ] || fail "too few scores"

# classify, then: the cache equals the first build and the scores the first run's.
check() {
  "$crisk" classify --db "$db" --as-of 2025-12-31 > /dev/null
  cmp -s "$db.cols" "$tmp/good.cols" || fail "$1: the cache is not the rebuilt one"
  "$crisk" scores --db "$db" --csv | cmp -s - "$tmp/scores.csv" || fail "$1: scores differ"
}

# An intact cache is used, not rebuilt: its file (inode) stays.
ino=$(stat -c %i "$db.cols")
check "intact"
[ "$(stat -c %i "$db.cols")" = "$ino" ] || fail "an intact cache was rebuilt"

flip() { # flips every bit of the byte at offset $1 of the cache, in place
  python3 - "$db.cols" "$1" <<'PY'
import sys
path, at = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0xFF]))
PY
}
# header: magic, generation, flags hash, checksum, the reserved word; the body: the first bytes,
# the middle (second chunk), the very last byte
for at in 0 9 17 41 57 64 5000 $((size / 2 + 4097)) $((size - 1)); do
  cp "$tmp/good.cols" "$db.cols"
  ino=$(stat -c %i "$db.cols")
  flip "$at"
  cmp -s "$db.cols" "$tmp/good.cols" && fail "byte $at was not flipped"
  check "a byte flipped at $at"
  [ "$(stat -c %i "$db.cols")" != "$ino" ] || fail "byte $at: the damaged file was kept"
done

# torn (cut short by a page, by half) and lengthened by a page of zeros
for how in "-4096" "$((size / 2))" "+4096"; do
  cp "$tmp/good.cols" "$db.cols"
  truncate -s "$how" "$db.cols"
  check "a file truncated to $how"
done

# The previous format: the same bytes under the magic CRCOLS02 are not read as version 3.
cp "$tmp/good.cols" "$db.cols"
printf 'CRCOLS02' | dd of="$db.cols" bs=1 seek=0 conv=notrunc status=none
check "a version 2 file"
echo ok
