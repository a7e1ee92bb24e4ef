#!/usr/bin/env bash
# The layer rules of docs/architecture.md, checked: a file under src/<layer>/ or a public header
# include/crisk/<header> includes only headers of its own layer or of a layer it may use, and no
# SQL text appears outside src/store/ (callers use the store's typed functions; a second backend
# could not exist while callers wrote SQLite's SQL). Prints every offender.
set -euo pipefail
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src"

# ---- the layers: each may include its own headers and those of the layers it names ----
# (cli/ and server/ are the top: they may use every layer, and are not checked.)
uses() {
    case $1 in
    base) echo "" ;;
    store) echo "base" ;;
    classify) echo "base" ;;
    city) echo "base store classify" ;;
    collect) echo "base store" ;;
    gen) echo "base" ;;
    monitor) echo "base store classify city" ;;
    respond) echo "base store" ;;
    inspect) echo "base store" ;;
    learn) echo "base store classify city" ;;
    *) return 1 ;;
    esac
}
# ---- the layer of each public header (a new header must be placed here) ----
header_layer() {
    case $1 in
    err.h | hash.h | text.h | uscc.h | addr.h | ref.h | escape.h | bigmem.h | calendar.h | progress.h) echo base ;;
    store.h) echo store ;;
    classify.h | model.h | tags.h) echo classify ;;
    city.h) echo city ;;
    catalog.h | feed.h | ingest.h) echo collect ;;
    gen.h) echo gen ;;
    monitor.h) echo monitor ;;
    push.h | respond.h) echo respond ;;
    inspect.h) echo inspect ;;
    learn.h | booster.h) echo learn ;;
    *) return 1 ;;
    esac
}
# ---- SQL text outside src/store/: none (issue 9 moved the last callers to typed functions) ----
# "file count": the file may hold at most count lines of SQL text. The list is empty and stays
# so: a caller needing a new read or write adds a typed function in src/store/.
allowed_sql() {
    cat <<'EOF'
EOF
}

fail=0
may_include() { # layer_of_file layer_of_header
    [ "$1" = "$2" ] && return 0
    for u in $(uses "$1"); do [ "$u" = "$2" ] && return 0; done
    return 1
}
check_file() { # file layer
    local f=$1 layer=$2 inc hl
    while IFS= read -r inc; do
        case $inc in
        crisk/*)
            if ! hl=$(header_layer "${inc#crisk/}"); then
                echo "layers: $f includes $inc, a header the table in tests/script/layers.sh does not place"
                fail=1
                continue
            fi
            ;;
        */*) hl=${inc%%/*} ;; # "base/tables.h": the folder is the layer
        *) hl=$layer ;;       # "internal.h": beside the file
        esac
        if ! uses "$hl" > /dev/null; then
            echo "layers: $f includes $inc of an unknown layer '$hl'"
            fail=1
        elif ! may_include "$layer" "$hl"; then
            echo "layers: $f ($layer) includes $inc ($hl), a layer $layer may not use"
            fail=1
        fi
    done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' "$f")
}

for dir in src/*/; do
    layer=$(basename "$dir")
    if ! uses "$layer" > /dev/null; then
        echo "layers: src/$layer/ is not a layer of the table in tests/script/layers.sh"
        fail=1
        continue
    fi
    for f in $(find "$dir" -name '*.[ch]' | sort); do check_file "$f" "$layer"; done
done
for f in include/crisk/*.h; do
    if ! layer=$(header_layer "$(basename "$f")"); then
        echo "layers: $f is not placed in a layer (the table in tests/script/layers.sh)"
        fail=1
        continue
    fi
    check_file "$f" "$layer"
done

# SQL text: a string literal holding an SQL keyword, outside src/store/.
sql='"[^"]*\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|CREATE|DROP|ALTER|BEGIN|COMMIT|ROLLBACK)( |")'
offenders=$(grep -nE "$sql" $(find src cli server include -name '*.[ch]' | grep -v '^src/store/' | sort) ||
    true)
for f in $(printf '%s\n' "$offenders" | cut -d: -f1 | sort -u); do
    n=$(printf '%s\n' "$offenders" | grep -c "^$f:")
    max=$(allowed_sql | awk -v f="$f" '$1 == f { print $2 }')
    if [ -z "$max" ] || [ "$n" -gt "$max" ]; then
        echo "layers: SQL text outside src/store/ in $f (use or add a typed store function):"
        printf '%s\n' "$offenders" | grep "^$f:"
        fail=1
    fi
done
while read -r f max; do
    n=$(printf '%s\n' "$offenders" | grep -c "^$f:" || true)
    if [ "$n" -lt "$max" ]; then
        echo "layers: note: $f now holds $n lines of SQL text, the allow-list $max: lower it"
    fi
done < <(allowed_sql)

[ $fail = 0 ] && echo "layers: every include follows the layers, no SQL text outside src/store/ beyond the allow-list"
exit $fail
