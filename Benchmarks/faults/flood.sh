#!/usr/bin/env bash
# flood.sh: the slow-consumer flood fault test for longer, against a release build.
#
#   Benchmarks/faults/flood.sh [SECONDS]      (default 60)
#
# Runs the test Faults/SlowConsumerFloodTests (Tests/LivePageServerTests/Faults) with
# FAULTS_FLOOD_SECONDS, against the livepage-server in SERVER (default
# .build/release/livepage-server) through FAULTS_SERVER, and prints the server's resident
# memory each second of the flood. SCRATCH is swift's scratch path (default .build).
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVER=$(realpath -m "${SERVER:-.build/release/livepage-server}")
[ -x "$SERVER" ] || { echo "flood.sh: no server at $SERVER: run 'swift build -c release' (or set SERVER)" >&2; exit 2; }
echo "flood.sh: ${1:-60} s, server $SERVER ($(git rev-parse --short HEAD))"
FAULTS_SERVER=$SERVER FAULTS_FLOOD_SECONDS=${1:-60} \
  swift test --scratch-path "${SCRATCH:-.build}" --filter SlowConsumerFloodTests 2>&1 | grep -v -e '^\[' -e '^warning: ' -e '^↳ ///'
