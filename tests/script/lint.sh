#!/usr/bin/env bash
# House rules the compiler does not check by itself (STYLE.md): every function returning cr_err
# is declared CR_MUST_USE (a few that only pass on the code they are given are exempt), no banned
# function is called, no warning is switched off in the source, and no test pipes into grep -q.
set -euo pipefail
src=${CRISK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src"
fail=0
# Declarations in headers: "cr_err name(...)" up to its ';', joined across lines.
missing=$(awk '
  /^cr_err [a-z_0-9]+\(/ { decl = $0; file = FILENAME; line = FNR; collecting = 1 }
  collecting && decl != $0 { decl = decl " " $0 }
  collecting && /;/ {
    collecting = 0
    if (decl !~ /CR_MUST_USE/ && decl !~ /^cr_err (cr_diag_set|cr__store_fail|cli_store_fail)\(/)
      print file ":" line ": " decl
  }' include/crisk/*.h $(find src cli server -name '*.h'))
if [ -n "$missing" ]; then
  echo "lint: cr_err declarations without CR_MUST_USE:"; echo "$missing"; fail=1
fi
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof|rand|localtime|gmtime|system)[[:space:]]*\('
if grep -nE "$banned" $(find src cli server include -name '*.[ch]') | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)'; then
  echo "lint: banned functions called (STYLE.md)"; fail=1
fi
if grep -n 'pragma GCC diagnostic ignored\|pragma clang diagnostic ignored' $(find src cli server include -name '*.[ch]'); then
  echo "lint: a warning is switched off in the source"; fail=1
fi
# Under pipefail, a producer piped into a quiet grep (-q) fails when grep exits at its first
# match and the producer gets SIGPIPE: a test that flakes under load. Without -q grep reads all.
if grep -nE '\|[[:space:]]*grep -q' tests/script/*.sh scripts/*.sh bench/*.sh; then
  echo "lint: a pipe into grep -q in a pipefail script (use 'grep PATTERN >/dev/null')"; fail=1
fi
[ $fail = 0 ] && echo "lint: CR_MUST_USE on every cr_err declaration, no banned calls, no suppressed warnings"
exit $fail
