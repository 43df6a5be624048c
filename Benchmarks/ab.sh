#!/usr/bin/env bash
# ab.sh — two builds of livepage-server measured against each other in one run, to show
# that a change made no figure worse (or how much better it made one).
#
#   SERVER_A=/path/to/old/livepage-server SERVER_B=/path/to/new/livepage-server \
#     Benchmarks/ab.sh [OUTDIR]
#
# For each of RUNS rounds (default 3) and each row, livepage-bench measures A and B back
# to back on freshly started servers, in alternating order (A first in odd rounds, B first
# in even ones) so that a machine getting busier or quieter favours neither. ab.py then
# prints the median of each figure and B ÷ A:
#   fanout      10,000 parked clients, 20 messages at 2/s: server CPU per delivery, p99
#   throughput  1,000 clients, 4 publishers, window 64, 10 s: deliveries/s, CPU per delivery
#   hold        15,000 parked clients for 10 s: server RSS per parked client
# ROWS="fanout throughput hold" and QUICK=1 (1,000 clients, 3 s) as in run-all.sh.
# Both must be release builds. Loopback only; nothing but this repository and Debian's
# packages is needed.
set -uo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
OUT=${1:-/tmp/livepage-ab/$(date +%Y%m%d-%H%M%S)}
RUNS=${RUNS:-3}
ROWS=${ROWS:-"fanout throughput hold"}
die() { echo "ab.sh: $*" >&2; exit 2; }
[ -n "${SERVER_A:-}" ] && [ -n "${SERVER_B:-}" ] || die "set SERVER_A and SERVER_B to two livepage-server builds"
for s in "$SERVER_A" "$SERVER_B"; do
  [ -x "$s" ] || die "no server at $s"
  case "$s" in */debug/*) die "$s is a debug build; benchmark release builds" ;; esac
done
[[ "$RUNS" =~ ^[1-9][0-9]?$ ]] || die "RUNS must be 1 to 99, not '$RUNS'"
if [ "${QUICK:-0}" = 1 ]; then BIG=1000; FAN=1000; MSGS=6; SECS=3; else BIG=15000; FAN=10000; MSGS=20; SECS=10; fi
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
ulimit -n "$(ulimit -Hn)"

echo "== building livepage-bench"
timeout 1800 swift build -c release --product livepage-bench >"$OUT/build.log" 2>&1 \
  || die "livepage-bench did not build (see $OUT/build.log)"
BENCH=$HERE/.build/release/livepage-bench
{
  echo "A: $SERVER_A, built $(date -r "$SERVER_A" '+%Y-%m-%d %H:%M:%S')"
  echo "B: $SERVER_B, built $(date -r "$SERVER_B" '+%Y-%m-%d %H:%M:%S')"
  echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date: $(date '+%Y-%m-%d %H:%M:%S %Z'), runs: $RUNS"
} | tee "$OUT/meta.txt"

RUNIDX=0
measure() {   # NAME SERVER ARGS...
  local name=$1 server=$2; shift 2
  local src=$(( 1 + (RUNIDX % 20) * 10 )); RUNIDX=$((RUNIDX + 1))
  echo "== $name: $*" | tee "$OUT/$name.log"
  timeout 300 "$BENCH" --server "$server" --server-log "$OUT/server-$name.log" --src-base "$src" "$@" \
    >>"$OUT/$name.log" 2>&1
  echo "   exit $?: $(grep -E '^RESULT' "$OUT/$name.log" | cut -c1-160)"
  sleep 2   # let TIME_WAIT and close processing settle between runs
}

for r in $(seq 1 "$RUNS"); do
  if [ $((r % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for row in $ROWS; do
    case $row in
      fanout) args=(--scenario fanout --clients "$FAN" --messages "$MSGS" --rate 2 --timeout 30) ;;
      throughput) args=(--scenario throughput --clients 1000 --duration "$SECS" --publishers 4 --window 64) ;;
      hold) args=(--scenario hold --clients "$BIG" --duration "$SECS") ;;
      *) die "unknown row '$row' in ROWS" ;;
    esac
    for side in $order; do
      if [ "$side" = A ]; then server=$SERVER_A; else server=$SERVER_B; fi
      measure "$row-$side-r$r" "$server" "${args[@]}"
    done
  done
done

echo
python3 "$HERE/ab.py" "$OUT" | tee "$OUT/summary.md"
