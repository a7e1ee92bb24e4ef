#!/usr/bin/env bash
# A catalog (or model, or tags file: one loader) nested deeper than 64 levels is refused at the
# first collection too deep, before libyaml builds it (issue 8: 20,000 nested '[' took 3 s and
# 100,000 over 20 s, since libyaml's scanner costs depth^2).
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2; shift 3
  set +e; out=$("$@" 2>&1); rc=$?; set -e
  [ $rc = "$code" ] || { echo "expected exit $code, got $rc: $*"; echo "$out"; exit 1; }
  echo "$out" | grep >/dev/null -- "$pat" || { echo "expected '$pat' in: $out"; exit 1; }
}
deep() { # deep N: a description nested N flow lists deep
  printf 'catalog: x\ndescription: '
  head -c "$1" /dev/zero | tr '\0' '['
  head -c "$1" /dev/zero | tr '\0' ']'
  printf '\n'
}
deep 100000 > "$tmp/deep.yaml"
# The root mapping is level 1: the 64th '[' (column 14 + 63) is the 65th level.
expect 3 "deep.yaml:2:77: YAML nested deeper than 64 levels" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/deep.yaml"
expect 3 "deep.yaml:2:77: YAML nested deeper than 64 levels" -- "$crisk" classify --db "$tmp/s.db" --model "$tmp/deep.yaml"
deep 63 > "$tmp/ok.yaml"
expect 3 "ok.yaml:1:1: 'departments' must be a list" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/ok.yaml"
# Block mappings count alike.
{ echo 'catalog: x'; echo 'description:'; for i in $(seq 1 100); do printf '%*sa:\n' $((i + 1)) ''; done; } > "$tmp/block.yaml"
expect 3 "block.yaml:66:.*: YAML nested deeper than 64 levels" -- "$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/block.yaml"
[ ! -e "$tmp/s.db" ] || { echo "a refused catalog created a store"; exit 1; }
echo "yaml depth: refused before the load"
