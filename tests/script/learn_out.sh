#!/usr/bin/env bash
# crisk learn --out DIR is a folder written whole or not at all (docs/learn.md): the files go
# into a temporary folder beside DIR and are moved in only when the run succeeded, so a refused
# run leaves DIR as it was (nothing partial), and a name in DIR that must not be written (a
# symbolic link, the store itself) is refused before any work, naming --out DIR and the file.
# A file or a device given as --out is a usage error (exit 2), not a failure after the fits.
set -euo pipefail
crisk=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/s.db
"$crisk" gen --out "$tmp/city" --enterprises 1500 --seed 4 > /dev/null
"$crisk" ingest --db "$db" --catalog "$tmp/city/catalog.yaml" > /dev/null
label=$tmp/city/labels/violation-12m.yaml
expect() { # code pattern command...
    local want=$1 pat=$2
    shift 2
    set +e
    "$@" > "$tmp/out.txt" 2> "$tmp/err"
    local rc=$?
    set -e
    [ $rc = "$want" ] && grep -E -- "$pat" "$tmp/err" > /dev/null \
        || { echo "want exit $want /$pat/, got $rc: $*"; cat "$tmp/err"; exit 1; }
}
leftovers() { # no temporary folder is left beside DIR
    if ls -A "$1" | grep -E '\.tmp' > /dev/null; then
        echo "temporary folder left in $1:"; ls -A "$1"; exit 1
    fi
}
# A file, or /dev/null, as --out: exit 2 naming --out; the file is unchanged.
echo keep > "$tmp/afile"
expect 2 "--out .*afile.* not a folder" "$crisk" learn --db "$db" --label "$label" --out "$tmp/afile"
[ "$(cat "$tmp/afile")" = keep ]
expect 2 "--out /dev/null.* not a folder" "$crisk" learn --db "$db" --label "$label" --out /dev/null
# A refused label (too few positives): exit 3 naming the label file; DIR keeps its old files.
mkdir "$tmp/o"
echo old > "$tmp/o/report.json"
echo mine > "$tmp/o/notes.txt"
printf 'label: x\nevents: {kinds: [penalty], within_days: 365}\nmin_class: 100000\n' > "$tmp/few.yaml"
expect 3 "few.yaml.*too few" "$crisk" learn --db "$db" --label "$tmp/few.yaml" --out "$tmp/o"
[ "$(ls "$tmp/o" | tr '\n' ' ')" = "notes.txt report.json " ] && [ "$(cat "$tmp/o/report.json")" = old ] \
    || { echo "refused run changed --out:"; ls -l "$tmp/o"; exit 1; }
expect 3 "few.yaml.*too few" "$crisk" learn --db "$db" --label "$tmp/few.yaml" --out "$tmp/new"
[ ! -e "$tmp/new" ] || { echo "refused run created --out"; ls -l "$tmp/new"; exit 1; }
leftovers "$tmp"
# A symbolic link at one of the names: refused before any work, naming it; nothing written.
echo target > "$tmp/target.csv"
ln -s "$tmp/target.csv" "$tmp/o/scores.csv"
expect 2 "--out .*/o: .*scores.csv.* symbolic link" "$crisk" learn --db "$db" --label "$label" --out "$tmp/o"
[ "$(cat "$tmp/target.csv")" = target ] && [ ! -e "$tmp/o/gz-2021-scorecard.yaml" ] \
    && [ "$(cat "$tmp/o/report.json")" = old ] || { echo "link: output written"; ls -l "$tmp/o"; exit 1; }
rm "$tmp/o/scores.csv"
leftovers "$tmp"
# The store inside DIR under a name the report uses: refused, naming --out DIR and --db.
mkdir "$tmp/d"
"$crisk" ingest --db "$tmp/d/report.json" --catalog "$tmp/city/catalog.yaml" > /dev/null
cp "$tmp/d/report.json" "$tmp/store.bak"
expect 2 "--out .*/d .*report.json.* store" "$crisk" learn --db "$tmp/d/report.json" --label "$label" --out "$tmp/d"
cmp "$tmp/d/report.json" "$tmp/store.bak"
[ ! -e "$tmp/d/gz-2021-scorecard.yaml" ] && [ ! -e "$tmp/d/scores.csv" ] || { echo "store: partial output"; ls -l "$tmp/d"; exit 1; }
leftovers "$tmp"
# A run that succeeds replaces the report's files and keeps the others; a new DIR is created.
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o" > /dev/null
[ "$(cat "$tmp/o/notes.txt")" = mine ] && [ "$(cat "$tmp/o/report.json")" != old ]
ls "$tmp/o/gz-2021-scorecard.yaml" "$tmp/o/scores.csv" "$tmp/o/report.html" > /dev/null
"$crisk" learn --db "$db" --label "$label" --out "$tmp/new" > /dev/null
[ "$(ls "$tmp/new" | tr '\n' ' ')" = "gz-2021-scorecard.yaml report.html report.json scores.csv " ] \
    || { echo "new folder:"; ls -l "$tmp/new"; exit 1; }
leftovers "$tmp"
leftovers "$tmp/o"
# An existing DIR is replaced as a whole (a new folder renamed over it, never a mix of two runs'
# files): its inode changes, its other files are kept (hard links: the same inode), its mode
# kept, and no .DIR.old-/.DIR.tmp- folder is left. A DIR holding a subfolder gets the files
# moved in one by one (the near miss: its inode stays, the subfolder too).
chmod 750 "$tmp/o"
ino=$(stat -c %i "$tmp/o"); nino=$(stat -c %i "$tmp/o/notes.txt")
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o" > /dev/null
[ "$(stat -c %i "$tmp/o")" != "$ino" ] || { echo "--out DIR was not replaced as a whole"; exit 1; }
[ "$(stat -c %i "$tmp/o/notes.txt")" = "$nino" ] && [ "$(cat "$tmp/o/notes.txt")" = mine ] \
    || { echo "--out DIR's other file lost"; ls -l "$tmp/o"; exit 1; }
[ "$(stat -c %a "$tmp/o")" = 750 ] || { echo "--out DIR's mode $(stat -c %a "$tmp/o"), not 750"; exit 1; }
if ls -A "$tmp" | grep -E '\.o\.(old|tmp)' > /dev/null; then echo "left beside DIR:"; ls -A "$tmp"; exit 1; fi
mkdir "$tmp/o/sub"; echo x > "$tmp/o/sub/f"
ino=$(stat -c %i "$tmp/o")
"$crisk" learn --db "$db" --label "$label" --out "$tmp/o" > /dev/null
[ "$(stat -c %i "$tmp/o")" = "$ino" ] && [ "$(cat "$tmp/o/sub/f")" = x ] && [ "$(cat "$tmp/o/notes.txt")" = mine ] \
    || { echo "--out DIR with a subfolder"; ls -lR "$tmp/o"; exit 1; }
if ls -A "$tmp" | grep -E '\.o\.(old|tmp)' > /dev/null; then echo "left beside DIR:"; ls -A "$tmp"; exit 1; fi
# --out through a symbolic link to a folder on another file system: the temporary folder is made
# beside the folder it names (a rename across file systems fails with EXDEV, after the fits); the
# link stays a link. A link to nothing is refused first (exit 2).
far=$(mktemp -d /dev/shm/crisk-learn-out.XXXXXX 2>/dev/null || true)
if [ -n "$far" ] && [ "$(stat -c %d "$far")" != "$(stat -c %d "$tmp")" ]; then
    ln -s "$far" "$tmp/far"
    "$crisk" learn --db "$db" --label "$label" --out "$tmp/far" > /dev/null 2> "$tmp/err" \
        || { echo "--out through a link to another file system:"; cat "$tmp/err"; rm -rf "$far"; exit 1; }
    [ -L "$tmp/far" ] && [ -f "$far/report.json" ] || { echo "link: not written through"; ls -la "$tmp" "$far"; rm -rf "$far"; exit 1; }
    "$crisk" learn --db "$db" --label "$label" --out "$tmp/far" > /dev/null 2> "$tmp/err" \
        || { echo "--out through a link, again:"; cat "$tmp/err"; rm -rf "$far"; exit 1; }
    [ -L "$tmp/far" ] || { echo "the link became a folder"; rm -rf "$far"; exit 1; }
    left=$(ls -A "$(dirname "$far")" | grep -c "^\.$(basename "$far")\." || true)
    rm -rf "$far" "$tmp/far"
    [ "$left" = 0 ] || { echo "temporary folders left beside the link's target"; exit 1; }
    leftovers "$tmp"
else
    echo "learn_out: no second file system at /dev/shm: the cross-file-system case is skipped"
    [ -n "$far" ] && rm -rf "$far"
fi
ln -s "$tmp/nowhere" "$tmp/dangling"
expect 2 "--out .*dangling is a symbolic link to no folder" "$crisk" learn --db "$db" --label "$label" --out "$tmp/dangling"
# --export-matrix never replaces the run's inputs (label, model, policy) nor goes into --out.
cp "$label" "$tmp/lab.yaml"
expect 2 "--export-matrix .*lab.yaml and --label .*same file" "$crisk" learn --db "$db" --label "$tmp/lab.yaml" --export-matrix "$tmp/lab.yaml" --out "$tmp/m1"
cmp "$label" "$tmp/lab.yaml" || { echo "the label file was written"; exit 1; }
expect 2 "--export-matrix .*/o/m.csv is inside --out" "$crisk" learn --db "$db" --label "$label" --export-matrix "$tmp/o/m.csv" --out "$tmp/o"
[ ! -e "$tmp/o/m.csv" ] || { echo "a matrix inside --out"; exit 1; }
# --export-matrix is written after the fits, whole, and renamed in after --out: a run that fails
# while writing (here a file size limit: EFBIG) leaves neither a matrix nor --out; a run that
# succeeds leaves both (per fold, its y counts are the report's train and test counts).
set +e
(ulimit -f 40; "$crisk" learn --db "$db" --label "$label" --export-matrix "$tmp/mx.csv" --out "$tmp/mo") > /dev/null 2> "$tmp/err"
rc=$?
set -e
[ $rc = 1 ] || { echo "a write past the size limit: exit $rc"; cat "$tmp/err"; exit 1; }
[ ! -e "$tmp/mx.csv" ] && [ ! -e "$tmp/mo" ] || { echo "a failed run left its matrix or --out"; ls -la "$tmp"; exit 1; }
leftovers "$tmp"
"$crisk" learn --db "$db" --label "$label" --export-matrix "$tmp/mx.csv" --out "$tmp/mo" --json > "$tmp/mo.json"
python3 - "$tmp/mx.csv" "$tmp/mo.json" <<'PY'
import json, sys
import collections
rows = open(sys.argv[1], encoding='utf-8').read().splitlines()[2:]
rep = json.load(open(sys.argv[2]))
c = collections.Counter(tuple(r.split(',')[1:3]) for r in rows)
want = {('1', '0'): rep['train']['positives'], ('0', '0'): rep['train']['negatives'],
        ('1', '1'): rep['positives'], ('0', '1'): rep['negatives']}
assert dict(c) == want, (c, want)
PY
# --export-matrix through a symbolic link: exit 2 before any work (as --out), the target untouched
echo target > "$tmp/mt.csv"; ln -s "$tmp/mt.csv" "$tmp/ml.csv"
expect 2 "--export-matrix .*ml.csv is a symbolic link" "$crisk" learn --db "$db" --label "$label" --export-matrix "$tmp/ml.csv" --out "$tmp/ml"
[ "$(cat "$tmp/mt.csv")" = target ] && [ ! -e "$tmp/ml" ] || { echo "a linked matrix was written"; exit 1; }
# folders made by the run have the user's mode, not mkdtemp's 0700
[ "$(stat -c %a "$tmp/new")" = "$(printf '%o' $((0777 & ~0$(umask))))" ] || { echo "--out made $(stat -c %a "$tmp/new")"; exit 1; }
echo ok
