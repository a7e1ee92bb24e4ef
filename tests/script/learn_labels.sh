#!/usr/bin/env bash
# Label files that cannot mean what they say are refused with exit 3, naming the file and what is
# wrong (docs/learn.md "Label files"), instead of running to "0 positives ... too few": an event
# kind no topic of the store has, a column no enterprise has, positive values no enterprise
# holds, a window or min_class not written as a whole number in digits (1e3, 365.0), and a file
# that is not UTF-8 (GB18030: named with the byte's offset and line, not libyaml's octet error;
# a GB18030 model file too). The near misses (a known kind, a known column) still run.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 4 > /dev/null
"$crisk" ingest --db "$tmp/s.db" --catalog "$tmp/city/catalog.yaml" > /dev/null
# a flat table with registry attributes (no events)
python3 - "$tmp/t.csv" <<'PY'
import csv, random, sys
r = random.Random(3)
w = csv.writer(open(sys.argv[1], "w", newline=""))
w.writerow(["id", "sector", "outcome"])
for i in range(1, 301):
    s = r.choice(["risky", "safe"])
    w.writerow([i, s, "bad" if r.random() < (0.7 if s == "risky" else 0.2) else "good"])
PY
cat > "$tmp/catalog.yaml" <<EOF2
catalog: flat
nulls: []
departments:
  - {code: B, name: 测试部门}
topics:
  - code: T
    name: 测试表
    department: B
    kind: registry
    files: [t.csv]
    key: {column: id, type: local, namespace: flat}
    attrs: [sector, outcome]
EOF2
"$crisk" ingest --db "$tmp/f.db" --catalog "$tmp/catalog.yaml" > /dev/null
refused() { # db label-text pattern...
    local db=$1 text=$2
    shift 2
    printf "$text" > "$tmp/l.yaml"
    set +e
    "$crisk" learn --db "$db" --label "$tmp/l.yaml" --validation kfold --out "$tmp/o" > /dev/null 2> "$tmp/err"
    local rc=$?
    set -e
    [ $rc = 3 ] || { echo "exit $rc, not 3, for: $text"; cat "$tmp/err"; exit 1; }
    for p in "$@"; do
        grep -E -- "$p" "$tmp/err" > /dev/null || { echo "no /$p/ for: $text"; cat "$tmp/err"; exit 1; }
    done
    grep "too few" "$tmp/err" > /dev/null && { echo "says too few: $text"; cat "$tmp/err"; exit 1; }
    [ ! -e "$tmp/o" ] || { echo "refused run wrote $tmp/o"; exit 1; }
}
# unknown event kind (a typo beside a known one)
refused "$tmp/s.db" 'label: x\nevents: {kinds: [penalty, penalti], within_days: 365}\n' \
    "l.yaml" "event kind 'penalti'" "penalty"
# unknown column, and a positive value nobody has
refused "$tmp/f.db" 'label: x\ncolumn: outcom\npositive: [bad]\n' "l.yaml" "column 'outcom'" "sector"
refused "$tmp/f.db" 'label: x\ncolumn: outcome\npositive: [Bad]\n' "l.yaml" "positive value of column 'outcome'"
# exclude: naming no attribute (a misspelt leak would stay a feature), a value both positive and
# negative (it counted as positive: "0 negatives")
refused "$tmp/f.db" 'label: x\ncolumn: outcome\npositive: [bad]\nexclude: [sectr]\n' "l.yaml" "exclude: 'sectr' is not a registry attribute"
refused "$tmp/f.db" 'label: x\ncolumn: outcome\npositive: [bad, good]\nnegative: [good]\n' "l.yaml:4:" "value 'good' is both positive and negative"
# numbers not written as whole numbers in digits
refused "$tmp/s.db" 'label: x\nevents: {kinds: [penalty], within_days: 1e3}\n' "l.yaml:2:" "within_days.*'1e3'"
refused "$tmp/s.db" 'label: x\nevents: {kinds: [penalty], within_days: 365.0}\n' "l.yaml:2:" "within_days.*'365.0'"
refused "$tmp/s.db" 'label: x\ninspections: {within_days: 0x16D}\n' "l.yaml:2:" "within_days"
refused "$tmp/s.db" 'label: x\nevents: {kinds: [penalty], within_days: 365}\nmin_class: 3e1\n' "l.yaml:3:" "min_class.*'3e1'"
# a GB18030 label file: the file, the offset and the line of the first byte that does not decode
# (违 is CE A5 in GB18030, which happens to decode as UTF-8; 法 is B7 A8, at offset 9)
printf 'label: 违法\nevents: {kinds: [penalty], within_days: 365}\n' | iconv -f UTF-8 -t GB18030 > "$tmp/gb.yaml"
set +e
"$crisk" learn --db "$tmp/s.db" --label "$tmp/gb.yaml" --out "$tmp/o" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -E "gb.yaml:1:.*not UTF-8.*offset 9 \(line 1\).*GB18030" "$tmp/err" > /dev/null \
    || { echo "GB18030 label: exit $rc"; cat "$tmp/err"; exit 1; }
iconv -f UTF-8 -t GB18030 "$src/models/gz-2021.yaml" > "$tmp/gbmodel.yaml"
set +e
"$crisk" learn --db "$tmp/s.db" --label "$tmp/city/labels/violation-12m.yaml" --model "$tmp/gbmodel.yaml" \
    --out "$tmp/o" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -E "gbmodel.yaml:[0-9]+:.*not UTF-8.*offset [0-9]+" "$tmp/err" > /dev/null \
    || { echo "GB18030 model: exit $rc"; cat "$tmp/err"; exit 1; }
printf 'label: x\nevents: {kinds: [penalty], within_days: 365}\nmin_class: 5\n' > "$tmp/ok.yaml"
# the policy file (--config, models/learn.yaml): its max_within_days bounds a label's window;
# a policy that is missing or leaves a key out is refused naming it
sed 's/^max_within_days: .*/max_within_days: 100/' "$src/models/learn.yaml" > "$tmp/policy.yaml"
set +e
"$crisk" learn --db "$tmp/s.db" --label "$tmp/city/labels/violation-12m.yaml" --config "$tmp/policy.yaml" \
    --out "$tmp/o" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -E "violation-12m.yaml:[0-9]+:.*within_days must be a whole number from 1 to 100" "$tmp/err" > /dev/null \
    || { echo "policy max_within_days: exit $rc"; cat "$tmp/err"; exit 1; }
grep -v '^psi_watch' "$src/models/learn.yaml" > "$tmp/policy2.yaml"
set +e
"$crisk" learn --db "$tmp/s.db" --label "$tmp/ok.yaml" --config "$tmp/policy2.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep -E "policy2.yaml.*psi_watch is missing" "$tmp/err" > /dev/null \
    || { echo "policy without psi_watch: exit $rc"; cat "$tmp/err"; exit 1; }
set +e
CRISK_LEARN=$tmp/nowhere.yaml "$crisk" learn --db "$tmp/s.db" --label "$tmp/ok.yaml" > /dev/null 2> "$tmp/err"; rc=$?
set -e
[ $rc = 3 ] && grep "nowhere.yaml" "$tmp/err" > /dev/null || { echo "missing policy: exit $rc"; cat "$tmp/err"; exit 1; }
# near misses run
"$crisk" learn --db "$tmp/s.db" --label "$tmp/ok.yaml" --out "$tmp/o1" > /dev/null
printf 'label: x\ncolumn: outcome\npositive: [bad]\nnegative: [good]\nexclude: [sector]\nmin_class: 20\n' > "$tmp/ok2.yaml"
"$crisk" learn --db "$tmp/f.db" --label "$tmp/ok2.yaml" --validation kfold --as-of 2020-01-01 --out "$tmp/o2" > /dev/null
echo ok
