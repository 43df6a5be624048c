#!/usr/bin/env bash
# chaos.sh: the reconnect-chaos fault test at a larger scale, against a release build.
#
#   Benchmarks/faults/chaos.sh [CLIENTS] [EVENTS]      (default 5,000 clients, 100,000 events)
#
# Runs the test Faults/ReconnectChaosTests (Tests/LivePageServerTests/Faults) with
# FAULTS_CHAOS_CLIENTS and FAULTS_CHAOS_EVENTS, against the livepage-server in SERVER
# (default .build/release/livepage-server) through FAULTS_SERVER. FAULTS_SEED=N repeats a
# run's random choices; SCRATCH is swift's scratch path (default .build). The test fails,
# and so does this script, if any client misses an event, gets one twice or out of order.
set -euo pipefail
cd "$(dirname "$0")/../.."
SERVER=$(realpath -m "${SERVER:-.build/release/livepage-server}")
[ -x "$SERVER" ] || { echo "chaos.sh: no server at $SERVER: run 'swift build -c release' (or set SERVER)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"
echo "chaos.sh: ${1:-5000} clients, ${2:-100000} events, server $SERVER ($(git rev-parse --short HEAD))"
FAULTS_SERVER=$SERVER FAULTS_CHAOS_CLIENTS=${1:-5000} FAULTS_CHAOS_EVENTS=${2:-100000} \
  swift test --scratch-path "${SCRATCH:-.build}" --filter ReconnectChaosTests 2>&1 | grep -v -e '^\[' -e '^warning: ' -e '^↳ ///'
