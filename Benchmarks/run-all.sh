#!/usr/bin/env bash
# run-all.sh — LivePage against nginx + Nchan, every figure of the Proof and Engine issues
# in one run on one machine, with the same load generator on both (livepage-bench, this
# folder's package, which speaks LivePage's protocol and Nchan's), then a markdown table
# with the ratios. It needs this repository and Debian's packages, nothing else.
#
#   Benchmarks/run-all.sh [OUTDIR]          (about 4 minutes; logs and table in OUTDIR)
#
# Each row runs LivePage and then nginx + Nchan, back to back, each on a freshly started
# server (memory per client is only meaningful on a fresh process):
#   fanout      10,000 parked clients, 20 messages at 2/s: latency p99, CPU per delivery
#   throughput  1,000 clients, 4 publisher connections, window 64, 10 s: deliveries/s, CPU
#               per delivery (Nchan with NCHAN_MULTIPART=on, so its answers carry several
#               messages too)
#   hold        15,000 parked clients for 10 s: server RSS per client
#   idle        15,000 idle keep-alive connections (one GET each) for 10 s: RSS per
#               connection (nginx's is /ok)
#   wrk         wrk -t1 -c50 -d10s: /livepage/health against nginx's /ok (skipped without wrk)
#
# Environment:
#   SERVER=../.build/release/livepage-server  the server under test: a release build
#   SERVER_COMMIT=    the commit SERVER was built from, when not this checkout's HEAD
#                     (e.g. a clean `git archive` build); shown in the table's header
#   NCHAN_PORT=       nginx's port (default: a free one). nginx runs from its own folder,
#                     OUTDIR/nchan (nchan.sh's NCHAN_DIR), and listens on 127.0.0.1 only
#   RUNS=1   ROWS="fanout throughput hold idle wrk"
#   QUICK=1           1,000 clients and 3 s everywhere: checks the script in a minute,
#                     measures nothing worth quoting
#   LPBENCH=          the path of an lpbench binary (an outside load generator with the same
#                     scenarios), for a cross-check: fanout, throughput and hold then also run
#                     it against both servers. Never used unless given.
# Needs nginx-light and libnginx-mod-nchan (nchan.sh installs them from Debian when missing,
# as root), python3; wrk for the wrk row. Loopback only. Every step is bounded by
# timeout(1); servers and nginx are stopped on exit, even on ^C. No figure fails the run.
set -uo pipefail
cd "$(dirname "$0")"
HERE=$(pwd)
OUT=${1:-/tmp/livepage-run-all/$(date +%Y%m%d-%H%M%S)}
SERVER=$(realpath -m "${SERVER:-../.build/release/livepage-server}")
LPBENCH=${LPBENCH:-}
RUNS=${RUNS:-1}
ROWS=${ROWS:-"fanout throughput hold idle wrk"}
if [ "${QUICK:-0}" = 1 ]; then
  BIG=1000; FAN=1000; THR=1000; MSGS=6; SECS=3; WRK_SECS=3s
else
  BIG=15000; FAN=10000; THR=1000; MSGS=20; SECS=10; WRK_SECS=10s
fi
KEY=run-all-publish-key-$$
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
export NCHAN_DIR=$OUT/nchan
NCHAN_PORT=${NCHAN_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

die() { echo "run-all.sh: $*" >&2; exit 2; }
[ -x "$SERVER" ] || die "no server at $SERVER: run 'swift build -c release' in the package root (or set SERVER)"
case "$SERVER" in */debug/*) die "$SERVER is a debug build; benchmark a release build" ;; esac
[[ "$RUNS" =~ ^[1-9][0-9]?$ ]] || die "RUNS must be 1 to 99, not '$RUNS'"
if [ -n "$LPBENCH" ]; then
  LPBENCH=$(realpath -m "$LPBENCH")
  [ -x "$LPBENCH" ] || die "LPBENCH=$LPBENCH is not an executable"
fi
command -v python3 >/dev/null || die "python3 is missing (apt-get install python3)"
HAVE_WRK=1
command -v wrk >/dev/null || HAVE_WRK=0
ulimit -n "$(ulimit -Hn)"    # the servers inherit it: 15,000 connections need it

echo "== building livepage-bench"
timeout 1800 swift build -c release --product livepage-bench >"$OUT/build.log" 2>&1 \
  || die "livepage-bench did not build (see $OUT/build.log)"
BENCH=$HERE/.build/release/livepage-bench

{
  if [ -n "${SERVER_COMMIT:-}" ]; then
    echo "commit: $SERVER_COMMIT"
  else
    echo "commit: $(git -C .. rev-parse HEAD 2>/dev/null) $(git -C .. log -1 --format=%s 2>/dev/null | cut -c1-80)"
    if [ -n "$(git -C .. status --porcelain -- Sources Package.swift 2>/dev/null)" ]; then
      echo "working tree: Sources or Package.swift has uncommitted changes (the server may not be exactly this commit)"
    fi
  fi
  echo "server: $SERVER, built $(date -r "$SERVER" '+%Y-%m-%d %H:%M:%S')"
  echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), open files $(ulimit -n)"
  echo "date: $(date '+%Y-%m-%d %H:%M:%S %Z')"
} | tee "$OUT/meta.txt"

# ---- servers

LP_PID=""; LP_PORT=""; LP_NAME=""
start_livepage() {   # NAME: a fresh livepage-server on a free port; sets LP_PID, LP_PORT
  LP_NAME=$1
  local log=$OUT/server-$1.log
  "$SERVER" --host 127.0.0.1 --port 0 --publish-key "$KEY" --no-demo >"$log" 2>&1 &
  LP_PID=$!
  for _ in $(seq 1 150); do
    LP_PORT=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$log" | head -1)
    [ -n "$LP_PORT" ] && return 0
    kill -0 "$LP_PID" 2>/dev/null || break
    sleep 0.1
  done
  die "livepage-server did not start (see $log)"
}
stop_livepage() {
  [ -n "$LP_PID" ] || return 0
  kill -TERM "$LP_PID" 2>/dev/null
  for _ in $(seq 1 200); do kill -0 "$LP_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$LP_PID" 2>/dev/null && { echo "   livepage-server $LP_PID did not stop in 20 s: killed" >&2; kill -KILL "$LP_PID"; }
  wait "$LP_PID" 2>/dev/null; echo "$LP_NAME: livepage-server exit status $?" >>"$OUT/server-exits.txt"
  LP_PID=""
}
NGINX_MASTER=""
start_nchan() {   # a fresh nginx + Nchan on $NCHAN_PORT, extra environment in "$@"
  "$HERE/nchan.sh" stop >/dev/null 2>&1
  env "$@" timeout 900 "$HERE/nchan.sh" start "$NCHAN_PORT" >>"$OUT/nchan.log" 2>&1 \
    || die "nchan.sh start failed (see $OUT/nchan.log)"
  NGINX_MASTER=$("$HERE/nchan.sh" pid) || die "nchan.sh started no nginx (see $OUT/nchan.log)"
}
stop_nchan() { timeout 30 "$HERE/nchan.sh" stop >>"$OUT/nchan.log" 2>&1; NGINX_MASTER=""; }
cleanup() { stop_livepage; stop_nchan; }
trap cleanup EXIT
trap 'echo "run-all.sh: interrupted" >&2; exit 130' INT TERM

# ---- one measurement: run NAME COMMAND... (log in $OUT/NAME.log, RESULT line echoed)

RUNIDX=0
SRC=1
next_src() { SRC=$(( 1 + (RUNIDX % 20) * 10 )); RUNIDX=$((RUNIDX + 1)); }
run() {
  local name=$1; shift
  echo "== $name: $*" | tee "$OUT/$name.log"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/$name.log"
  timeout 300 "$@" >>"$OUT/$name.log" 2>&1
  echo "   exit $?: $(grep -E '^RESULT' "$OUT/$name.log" | cut -c1-200)"
  sleep 2   # let TIME_WAIT and close processing settle between runs
}

bench_livepage() {   # NAME ARGS...: livepage-bench starting its own livepage-server
  local name=$1; shift; next_src
  run "$name" "$BENCH" --server "$SERVER" --server-log "$OUT/server-$name.log" --src-base "$SRC" "$@"
}
bench_nchan() {   # NAME ENV ARGS...: livepage-bench against a fresh nginx + Nchan (ENV: e.g. NCHAN_MULTIPART=on, or -)
  local name=$1 environment=$2; shift 2; next_src
  if [ "$environment" = - ]; then start_nchan; else start_nchan "$environment"; fi
  run "$name" "$BENCH" --proto nchan --port "$NCHAN_PORT" --server-pid "$NGINX_MASTER" --src-base "$SRC" "$@"
  stop_nchan
}
lpbench_livepage() {   # NAME ARGS...: the cross-check, lpbench against a fresh livepage-server
  local name=$1; shift; next_src
  start_livepage "$name"
  run "$name" "$LPBENCH" --proto livepage --port "$LP_PORT" --publish-key "$KEY" --server-pid "$LP_PID" \
      --parked-metric livepage_parked_requests --src-base "$SRC" "$@"
  stop_livepage
}
lpbench_nchan() {   # NAME ENV ARGS...: the cross-check, lpbench against a fresh nginx + Nchan
  local name=$1 environment=$2; shift 2; next_src
  if [ "$environment" = - ]; then start_nchan; else start_nchan "$environment"; fi
  run "$name" "$LPBENCH" --proto nchan --port "$NCHAN_PORT" --server-pid "$NGINX_MASTER" --src-base "$SRC" "$@"
  stop_nchan
}
# compare ROW NCHAN-ENV RUN BENCH-ONLY LPBENCH-ONLY ARGS...: the row with livepage-bench
# against LivePage, then against nginx + Nchan (started with NCHAN-ENV, or - for none),
# then, with LPBENCH, both again with lpbench. BENCH-ONLY and LPBENCH-ONLY are the options
# the two spell differently (--publishers, --pub-conns), split into words on purpose.
compare() {
  local row=$1 environment=$2 r=$3 bench_only=$4 lpbench_only=$5; shift 5
  # shellcheck disable=SC2086
  bench_livepage "$row-livepage-r$r" "$@" $bench_only
  # shellcheck disable=SC2086
  bench_nchan    "$row-nchan-r$r" "$environment" "$@" $bench_only
  if [ -n "$LPBENCH" ]; then
    # shellcheck disable=SC2086
    lpbench_livepage "$row-lpbench-livepage-r$r" "$@" $lpbench_only
    # shellcheck disable=SC2086
    lpbench_nchan    "$row-lpbench-nchan-r$r" "$environment" "$@" $lpbench_only
  fi
}

for r in $(seq 1 "$RUNS"); do
  for row in $ROWS; do
    case $row in
      fanout)
        compare fanout - "$r" "" "" --scenario fanout --clients "$FAN" --messages "$MSGS" --rate 2 --timeout 30 ;;
      throughput)
        compare throughput NCHAN_MULTIPART=on "$r" "--publishers 4" "--pub-conns 4" \
          --scenario throughput --clients "$THR" --duration "$SECS" --window 64 ;;
      hold)
        compare hold - "$r" "" "" --scenario hold --clients "$BIG" --duration "$SECS" ;;
      idle)
        bench_livepage "idle-livepage-r$r" --scenario idle --clients "$BIG" --duration "$SECS"
        next_src; start_nchan
        run "idle-nginx-r$r" "$BENCH" --scenario idle --clients "$BIG" --duration "$SECS" \
            --port "$NCHAN_PORT" --server-pid "$NGINX_MASTER" --path /ok --src-base "$SRC"
        stop_nchan ;;
      wrk)
        if [ "$HAVE_WRK" = 0 ]; then echo "== wrk: skipped, wrk is not installed (apt-get install wrk)"; continue; fi
        start_livepage "wrk-r$r"
        run "wrk-livepage-r$r" wrk -t1 -c50 -d"$WRK_SECS" "http://127.0.0.1:$LP_PORT/livepage/health"
        stop_livepage
        start_nchan
        run "wrk-nginx-r$r" wrk -t1 -c50 -d"$WRK_SECS" "http://127.0.0.1:$NCHAN_PORT/ok"
        stop_nchan ;;
      *) die "unknown row '$row' in ROWS" ;;
    esac
  done
done

echo
python3 "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
