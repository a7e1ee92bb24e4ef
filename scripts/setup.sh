#!/usr/bin/env bash
# Installs every Debian package crisk builds, tests or benchmarks with, when missing, then the
# web UI's npm packages (package-lock.json: Apache ECharts, built into the binary; playwright-core,
# which drives Debian's chromium in the end-to-end test) when node_modules is missing.
# Idempotent: does nothing when all are present. Runs as root (or via sudo when available).
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
      libsqlite3-dev sqlite3 bc libyaml-dev libjansson-dev libutf8proc-dev libsodium-dev libssl-dev libcmocka-dev
      libxlsxwriter-dev python3 liblinear-dev libxgboost-dev python3-sklearn python3-xgboost
      libmicrohttpd-dev curl wrk chromium fonts-noto-cjk time)
# Node.js and npm: Debian's nodejs and npm, unless a Node.js with its own npm is there already.
command -v npm >/dev/null || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep >/dev/null 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (package-lock.json)" >&2
  npm ci --no-audit --no-fund >/dev/null
fi
