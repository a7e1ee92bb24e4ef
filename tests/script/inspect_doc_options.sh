#!/usr/bin/env bash
# docs/inspect.md's command summary says what the verbs take: each form of it (crisk plan, plans,
# draw, draw verify, inspect, inspect --import, inspections) names exactly the options of the
# same form of `crisk VERB --help`, no more (the summary said `--import FILE.csv --by USER`,
# which the verb refuses) and no fewer (it left out --inspectors, --today and --json). And what
# the summary says runs: `crisk inspect --import FILE --by U` is refused as usage, as documented.
set -euo pipefail
crisk=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
doc=$here/../../docs/inspect.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in plan plans draw inspect inspections; do "$crisk" $v --help; done > "$tmp/help"
python3 - "$doc" "$tmp/help" <<'PY'
import re, sys
doc, helpf = open(sys.argv[1]).read(), open(sys.argv[2]).read()
block = doc.split("```sh", 1)[1].split("```", 1)[0]
def forms(lines):
    out, cur = [], None
    for l in lines:
        m = re.search(r"\bcrisk ([a-z]+)( verify)?\b", l)
        if m and (l.lstrip().startswith("crisk") or "usage:" in l):
            cur = [m.group(1) + (m.group(2) or ""), l[m.end():]]
            out.append(cur)
        elif cur is not None and l.startswith(" ") and l.strip().startswith("["):
            cur[1] += " " + l
        else:
            cur = None
    return [(v, frozenset(re.findall(r"--[a-z][a-z-]*", t.split("#")[0]))) for v, t in out]
d = forms(block.splitlines())
usage = [l for l in helpf.splitlines()]
h = forms(usage)
bad = []
for verb, opts in d:
    cands = [o for v, o in h if v == verb]
    if not cands:
        bad.append(f"docs: crisk {verb}: no such form in --help"); continue
    best = max(cands, key=lambda o: len(o & opts) - len(o ^ opts))
    if best != opts:
        bad.append(f"docs: crisk {verb} {' '.join(sorted(opts))}: --help has {' '.join(sorted(best))}"
                   f" (docs lack {sorted(best - opts)}, docs add {sorted(opts - best)})")
for verb, opts in h:
    if not any(v == verb and o == opts for v, o in d):
        bad.append(f"--help: crisk {verb} {' '.join(sorted(opts))}: not in the docs' summary")
if bad:
    print("inspect_doc_options:\n  " + "\n  ".join(bad)); sys.exit(1)
PY
rc=0; "$crisk" inspect --db "$tmp/none.db" --import "$tmp/x.csv" --by u > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || { echo "inspect_doc_options: --import with --by: exit $rc, want 2 (usage)"; exit 1; }
echo "inspect_doc_options: the summary of docs/inspect.md is each verb's --help"
