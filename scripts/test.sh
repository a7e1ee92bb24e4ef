#!/usr/bin/env bash
# Every test: formatting, a -Werror build with the full ctest suite, and the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer. Installs dependencies first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== format (clang-format, .clang-format)"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include cli tests -name '*.[ch]')
clang-format --dry-run -Werror $files
echo "== build with -Werror, ctest"
CRISK_BUILD=build scripts/build.sh -DCRISK_WERROR=ON
(cd build && ctest --output-on-failure -j2)
echo "== ASan + UBSan build, ctest"
CRISK_BUILD=build-asan scripts/build.sh -DCRISK_WERROR=ON -DCRISK_SANITIZE=ON
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j2)
