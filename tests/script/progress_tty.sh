#!/usr/bin/env bash
# The progress line of ingest, classify, gen and learn: on a terminal (script(1) gives the verb a
# pty) stderr shows the steps as a line rewritten in place and cleared at the end; with stderr a
# file or a pipe nothing of it appears, and --json's stdout is the same either way.
set -euo pipefail
CRISK=$(realpath "${1:?usage: progress_tty.sh CRISK}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "progress_tty: FAIL: $*" >&2
    exit 1
}
command -v script >/dev/null || fail "script (util-linux) is needed"
cd "$tmp"
# on a terminal: VERB ARGS... → the typescript in tty.VERB
tty_run() {
    local v=$1
    shift
    script -qec "$(printf '%q ' "$CRISK" "$v" "$@")" /dev/null >"tty.$v" </dev/null
}
tty_run gen --out city --enterprises 300 --seed 5
tty_run ingest --db s.db --catalog city/catalog.yaml --json
tty_run classify --db s.db --json
for v in gen ingest classify; do
    grep -a >/dev/null $'\r'"crisk $v: " "tty.$v" || fail "$v on a terminal printed no progress line: $(cat -v "tty.$v")"
    grep -a >/dev/null "100%" "tty.$v" || fail "$v's progress never reached 100%"
    grep -a >/dev/null $'\r\033\\[K' "tty.$v" || fail "$v did not clear its progress line"
done
grep -a >/dev/null "classifying" tty.classify && grep -a >/dev/null "loading the city" tty.classify ||
    fail "classify did not show its steps: $(cat -v tty.classify)"
# learn on a terminal too
label=$(ls city/labels/*.yaml | head -1)
tty_run learn --db s.db --label "$label" --out learn1 --json
grep -a >/dev/null $'\r'"crisk learn: " tty.learn || fail "learn on a terminal printed no progress line"
# Not a terminal: stderr holds nothing of it, and --json is the JSON alone.
"$CRISK" gen --out city2 --enterprises 300 --seed 5 >/dev/null 2>gen.err
"$CRISK" ingest --db s2.db --catalog city2/catalog.yaml --json >ingest.json 2>ingest.err
"$CRISK" classify --db s2.db --json >classify.json 2>classify.err
for f in gen.err ingest.err classify.err; do
    grep -a >/dev/null -e $'\r' -e '%' "$f" && fail "$f holds a progress line: $(cat -v "$f")"
done
for f in ingest.json classify.json; do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" || fail "$f is not JSON alone"
done
# The terminal's JSON (the typescript without the progress line) is the same run's JSON.
python3 - tty.classify classify.json <<'PY' || fail "classify --json on a terminal differs"
import json, re, sys
t = open(sys.argv[1], encoding="utf-8", newline="").read()
t = re.sub(r"\r[^\r\n]*?\x1b\[K", "", t).replace("\r", "")
a, b = json.loads(t), json.load(open(sys.argv[2]))
for k in ("levels", "enterprises", "events", "as_of", "model"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
echo "progress_tty: ok"
