#!/usr/bin/env bash
# Sourced by the tests that act beside an ingest held at a row (CRISK_PAUSE_ROW with
# CRISK_PAUSE_FILE, docs/collect.md): not a test itself.

# wait_paused TEST PAUSE_FILE PID OUTPUT: waits up to 30 s for the ingest PID to create
# PAUSE_FILE; when it ends or the time is up first, says so with the ingest's OUTPUT and exits 1.
wait_paused() {
  local name=$1 pause=$2 pid=$3 out=$4
  for _ in $(seq 1 3000); do
    [ -e "$pause" ] && return 0
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.01
  done
  [ -e "$pause" ] && return 0
  echo "$name: the ingest did not reach its pause row"
  cat "$out"
  exit 1
}
