#!/usr/bin/env bash
# server/openapi.json and the route tables agree: the same paths with the same methods, and
# each operation's x-roles is the route's roles (crisk serve --routes prints the table). A route
# added without its description, or a description left behind, fails here.
set -euo pipefail
CRISK=${1:?usage: serve_openapi.sh CRISK}
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$CRISK" serve --routes >"$tmp/routes"
[ -s "$tmp/routes" ] || { echo "serve_openapi: FAIL: no routes printed"; exit 1; }
python3 - "$src/server/openapi.json" "$tmp/routes" <<'PY'
import json, sys
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
sys.exit(1 if bad else 0)
PY
echo "serve_openapi: $(wc -l <"$tmp/routes") routes, the same in openapi.json"
