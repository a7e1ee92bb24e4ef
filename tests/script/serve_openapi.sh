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
# Route by route: the query arguments its handler reads (itself and the server's functions it
# calls: srv_query, srv_query_num, num_arg with a literal key; srv_query_limit reads "limit")
# are the ones openapi.json declares for the route.
server = os.path.dirname(sys.argv[1])
code = "\n".join(open(n, encoding="utf-8").read() for n in sorted(glob.glob(os.path.join(server, "*.c"))))
bodies = {m.group(1): m.group(2) for m in re.finditer(
    r"^(?:static )?[\w \*]+?\b(\w+)\([^;{]*?\)\s*\n\{(.*?)^\}", code, re.S | re.M)}
READ = re.compile(r'(?:srv_query(?:_num)?|num_arg)\(\s*r\s*,\s*"([^"]+)"')
def reads(fn, seen):
    if fn in seen or fn not in bodies:
        return set()
    seen.add(fn)
    body = bodies[fn]
    keys = set(READ.findall(body)) | ({"limit"} if "srv_query_limit(" in body else set())
    for callee in set(re.findall(r"\b(\w+)\(", body)):
        keys |= reads(callee, seen)
    return keys
routes = re.findall(r'\{"(GET|POST|PATCH|PUT|DELETE)",\s*"(/api/[^"]*)",\s*(\w+)', code)
if len(routes) < 30:
    print(f"serve_openapi: FAIL: only {len(routes)} API routes found in server/*.c (the pattern is stale)"); bad = True
n_read = 0
for method, path, fn in routes:
    op = doc["paths"].get(path, {}).get(method.lower(), {})
    declared = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
    read = reads(fn, set())
    n_read += len(read)
    for k in sorted(read - declared):
        print(f"serve_openapi: FAIL: {method} {path} ({fn}) reads the query argument '{k}', which openapi.json does not declare for it"); bad = True
    for k in sorted(declared - read):
        print(f"serve_openapi: FAIL: openapi.json declares '{k}' for {method} {path}, which {fn} does not read"); bad = True
if n_read < 20:
    print(f"serve_openapi: FAIL: only {n_read} query arguments read in all (the pattern is stale)"); bad = True
sys.exit(1 if bad else 0)
PY
echo "serve_openapi: $(wc -l <"$tmp/routes") routes, the same in openapi.json"
