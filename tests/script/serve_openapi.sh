#!/usr/bin/env bash
# server/openapi.json and the route tables agree: the same paths with the same methods, and
# each operation's x-roles is the route's roles (crisk serve --routes prints the table). A route
# added without its description, or a description left behind, fails here. Every query argument
# a handler reads is declared in openapi.json (the server refuses what is not: docs/serve.md).
set -euo pipefail
CRISK=${1:?usage: serve_openapi.sh CRISK}
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CRISK" serve --routes >"$tmp/routes"
[ -s "$tmp/routes" ] || { echo "serve_openapi: FAIL: no routes printed"; exit 1; }
python3 - "$src/server/openapi.json" "$tmp/routes" <<'PY'
import glob, json, os, re, sys
doc = json.load(open(sys.argv[1]))
assert doc.get("openapi", "").startswith("3."), "not an OpenAPI 3 document"
documented = {}
for path, ops in doc["paths"].items():
    for method, op in ops.items():
        assert "summary" in op and "responses" in op, f"{method} {path}: no summary or responses"
        documented[(method.upper(), path)] = sorted(op.get("x-roles", []))
table = {}
for line in open(sys.argv[2]):
    method, path, roles = line.split()
    assert (method, path) not in table, f"{method} {path} twice in the route table"
    table[(method, path)] = sorted(roles.split(","))
bad = False
for k in sorted(set(table) - set(documented)):
    print(f"serve_openapi: FAIL: route {k[0]} {k[1]} is not in openapi.json"); bad = True
for k in sorted(set(documented) - set(table)):
    print(f"serve_openapi: FAIL: openapi.json describes {k[0]} {k[1]}, which no route serves"); bad = True
for k in sorted(set(table) & set(documented)):
    if table[k] != documented[k]:
        print(f"serve_openapi: FAIL: {k[0]} {k[1]}: routes allow {table[k]}, openapi.json says {documented[k]}"); bad = True
declared = {p["name"] for ops in doc["paths"].values() for op in ops.values()
            for p in op.get("parameters", []) if p.get("in") == "query"}
server = os.path.dirname(sys.argv[1])
read = set()
for name in glob.glob(os.path.join(server, "*.c")):
    text = open(name, encoding="utf-8").read()
    read |= set(re.findall(r'(?:srv_query(?:_num)?|num_arg)\(\s*r\s*,\s*"([^"]+)"', text))
    if re.search(r"srv_query_limit\(", text):
        read.add("limit")
if not read:
    print("serve_openapi: FAIL: no query argument read in server/*.c (the pattern is stale)"); bad = True
for k in sorted(read - declared):
    print(f"serve_openapi: FAIL: a handler reads the query argument '{k}', which openapi.json declares nowhere"); bad = True
sys.exit(1 if bad else 0)
PY
echo "serve_openapi: $(wc -l <"$tmp/routes") routes, the same in openapi.json"
