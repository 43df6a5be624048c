#!/usr/bin/env bash
# run.sh — several LivePage servers behind one address (issue 7, "Scale"), measured with
# livepage-bench (this repository's load generator, Benchmarks/) through nginx: three
# livepage-server nodes sharing one redis-server, against one node alone (no Redis) behind
# the same nginx, in one run, then a table with the ratios.
#
#   swift build -c release --scratch-path .build-scale --product livepage-server   # in the package root
#   Benchmarks/scale/run.sh [OUTDIR]          (about 4 minutes; logs and table in OUTDIR)
#
# Rows, each on freshly started servers, nginx, and Redis:
#   fanout      CLIENTS parked clients at one location, MESSAGES published at RATE/s:
#               latency p50/p99/max and deliveries/s (bounded by the rate)
#   throughput  the same clients, publishing as fast as a window of 16 allows for SECS:
#               deliveries/s
# For the three nodes, Redis's INFO commandstats over each measured phase (reset with
# CONFIG RESETSTAT once every client is parked, read when livepage-bench ends), per message
# published: PUBLISH, and every other command (heartbeats and sweeps, which do not
# depend on publishes).
#
# nginx runs from a folder of its own (OUTDIR/nginx-*), with the configuration
# `livepage-server --print-nginx-config` prints, plus what 10,000 clients need: two workers
# with `worker_rlimit_nofile 20000` and `worker_connections 19500` (each parked poll holds
# a client connection and an upstream connection), `listen ... reuseport backlog=4096`.
# livepage-bench spreads its connections over two source addresses (--src-addrs 2), and
# waits --settle 5 once they are parked (through nginx no one node's metrics count them all).
#
# Environment:
#   SERVER=../../.build-scale/release/livepage-server   a release build
#   CLIENTS=10000  MESSAGES=20  RATE=2  SECS=10  RUNS=1  ROWS="fanout throughput"
#   QUICK=1        1,000 clients, 6 messages, 3 s: checks the script, measures nothing worth quoting
# Needs redis-server, redis-cli, nginx (nginx-light), python3, curl. Loopback only. Every step
# is bounded by timeout(1); everything started here is stopped on exit, even on ^C. It
# reports figures; it never fails on one.
set -uo pipefail
cd "$(dirname "$0")"
OUT=${1:-/tmp/livepage-scale/$(date +%Y%m%d-%H%M%S)}
SERVER=$(realpath -m "${SERVER:-../../.build-scale/release/livepage-server}")
RUNS=${RUNS:-1}
ROWS=${ROWS:-"fanout throughput"}
if [ "${QUICK:-0}" = 1 ]; then
  CLIENTS=${CLIENTS:-1000}; MESSAGES=${MESSAGES:-6}; RATE=${RATE:-2}; SECS=${SECS:-3}
else
  CLIENTS=${CLIENTS:-10000}; MESSAGES=${MESSAGES:-20}; RATE=${RATE:-2}; SECS=${SECS:-10}
fi
KEY=scale-bench-publish-key-$$
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

die() { echo "run.sh: $*" >&2; exit 2; }
[ -x "$SERVER" ] || die "no server at $SERVER: run 'swift build -c release --scratch-path .build-scale --product livepage-server' in the package root (or set SERVER)"
case "$SERVER" in */debug/*) die "$SERVER is a debug build; benchmark a release build" ;; esac
for tool in redis-server redis-cli python3 curl; do command -v $tool >/dev/null || die "$tool is missing"; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || die "nginx is missing (apt-get install nginx-light)"
ulimit -n "$(ulimit -Hn)"    # the servers inherit it: 10,000 connections need it
[ "$(ulimit -n)" -ge 20000 ] || echo "run.sh: warning: only $(ulimit -n) descriptors; 10,000 clients need 20,000" >&2

(cd .. && timeout 1800 swift build -c release --product livepage-bench) >"$OUT/build.log" 2>&1 \
  || die "livepage-bench did not build (see $OUT/build.log)"
BENCH=$(realpath ../.build/release/livepage-bench)

{
  echo "commit: $(git -C ../.. rev-parse HEAD 2>/dev/null) $(git -C ../.. log -1 --format=%s 2>/dev/null | cut -c1-80)"
  echo "server: $SERVER, built $(date -r "$SERVER" '+%Y-%m-%d %H:%M:%S')"
  echo "redis: $(redis-server --version | cut -d' ' -f3), nginx: $("$NGINX" -v 2>&1 | cut -d/ -f2)"
  echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), open files $(ulimit -n)"
  echo "date: $(date '+%Y-%m-%d %H:%M:%S %Z')"
  echo "clients: $CLIENTS, fanout: $MESSAGES messages at $RATE/s, throughput: ${SECS} s, window 16"
} | tee "$OUT/meta.txt"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PIDS=()          # everything started for the current row
NGINX_DIR=""
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  PIDS=()
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

wait_for_port() {   # PORT SECONDS
  for _ in $(seq $(( $2 * 10 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

start_redis() {   # NAME: sets REDIS_PORT
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$OUT" \
    --loglevel warning >"$OUT/redis-$1.log" 2>&1 &
  PIDS+=($!)
  REDIS_PID=$!
  wait_for_port "$REDIS_PORT" 30 || die "redis-server did not start (see $OUT/redis-$1.log)"
}

NODE_PIDS=(); NODE_PORTS=()
start_node() {   # NAME ARGS...: a livepage-server on a free port
  local name=$1; shift
  local port; port=$(free_port)
  "$SERVER" --host 127.0.0.1 --port "$port" --no-demo --publish-key "$KEY" "$@" >"$OUT/server-$name.log" 2>&1 &
  PIDS+=($!); NODE_PIDS+=($!); NODE_PORTS+=("$port")
  for _ in $(seq 300); do grep -q "listening on" "$OUT/server-$name.log" 2>/dev/null && return 0; sleep 0.1; done
  die "livepage-server $name did not start (see $OUT/server-$name.log)"
}

start_nginx() {   # NAME NODE-LIST: nginx with --print-nginx-config NODE-LIST; sets NGINX_PORT
  NGINX_PORT=$(free_port)
  NGINX_DIR=$OUT/nginx-$1
  mkdir -p "$NGINX_DIR"
  "$SERVER" --print-nginx-config "$2" >"$NGINX_DIR/livepage.conf" || die "--print-nginx-config $2 failed"
  cat >"$NGINX_DIR/nginx.conf" <<EOF
daemon off;
worker_processes 2;
worker_rlimit_nofile 20000;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 19500; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $NGINX_DIR/body;
    proxy_temp_path $NGINX_DIR/proxy;
    fastcgi_temp_path $NGINX_DIR/fastcgi;
    uwsgi_temp_path $NGINX_DIR/uwsgi;
    scgi_temp_path $NGINX_DIR/scgi;
$(sed "s/listen 80;/listen 127.0.0.1:$NGINX_PORT reuseport backlog=4096;/" "$NGINX_DIR/livepage.conf")
}
EOF
  "$NGINX" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" >"$NGINX_DIR/stderr.log" 2>&1 &
  PIDS+=($!)
  wait_for_port "$NGINX_PORT" 30 || die "nginx did not start (see $NGINX_DIR)"
}

parked_everywhere() {   # the sum of livepage_parked_requests over the nodes
  local port sum=0 value
  for port in "${NODE_PORTS[@]}"; do
    value=$(curl -s --max-time 5 "http://127.0.0.1:$port/livepage/metrics" | awk '$1 == "livepage_parked_requests" {print $2}')
    sum=$(( sum + ${value:-0} ))
  done
  echo "$sum"
}

# Resets Redis's statistics once all the clients are parked (livepage-bench then settles 5 s
# before it measures), and notes it in $1.
reset_redis_stats_when_parked() {
  for _ in $(seq 1800); do
    if [ "$(parked_everywhere)" -ge "$CLIENTS" ]; then
      redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null && echo reset >"$1"
      return
    fi
    sleep 0.1
  done
}

SRC=1; RUNIDX=0
run_row() {   # ROW SETUP RUN: one livepage-bench run on fresh servers; SETUP is "single" or "cluster"
  local row=$1 setup=$2 r=$3 name="$1-$2-r$3"
  SRC=$(( 1 + (RUNIDX % 20) * 10 )); RUNIDX=$((RUNIDX + 1))
  NODE_PIDS=(); NODE_PORTS=(); REDIS_PORT=""
  if [ "$setup" = single ]; then
    start_node "$name"
    start_nginx "$name" "1=127.0.0.1:${NODE_PORTS[0]}"
    local pids=${NODE_PIDS[0]}
  else
    start_redis "$name"
    for tag in 1 2 3; do start_node "$name-node$tag" --redis "127.0.0.1:$REDIS_PORT" --node-tag "$tag"; done
    start_nginx "$name" "1=127.0.0.1:${NODE_PORTS[0]},2=127.0.0.1:${NODE_PORTS[1]},3=127.0.0.1:${NODE_PORTS[2]}"
    local pids; pids=$(IFS=,; echo "${NODE_PIDS[*]},$REDIS_PID")
  fi
  local args=(--proto livepage --port "$NGINX_PORT" --publish-key "$KEY" --clients "$CLIENTS"
    --server-pid "$pids" --src-addrs 2 --src-base "$SRC" --parked-metric '' --settle 5 --connect-timeout 300 -v)
  if [ "$row" = fanout ]; then
    args+=(--scenario fanout --messages "$MESSAGES" --rate "$RATE" --timeout 60)
  else
    args+=(--scenario throughput --duration "$SECS" --window 16 --timeout 60)
  fi
  rm -f "$OUT/$name.reset"
  local watcher=""
  if [ -n "$REDIS_PORT" ]; then
    reset_redis_stats_when_parked "$OUT/$name.reset" &
    watcher=$!
  fi
  echo "== $name: livepage-bench ${args[*]}" | tee "$OUT/$name.log"
  timeout 900 "$BENCH" "${args[@]}" >>"$OUT/$name.log" 2>"$OUT/$name.stderr"
  echo "exit: $?" >>"$OUT/$name.log"
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
    if [ -f "$OUT/$name.reset" ]; then
      redis-cli -p "$REDIS_PORT" INFO commandstats >"$OUT/$name.commandstats"
    else
      echo "the clients never all parked: no Redis figures" >"$OUT/$name.commandstats"
    fi
  fi
  grep -h -i 'error\|warn' "$NGINX_DIR/error.log" 2>/dev/null | head -3 >"$OUT/$name.nginx-errors"
  stop_all
  grep '^RESULT' "$OUT/$name.log" | tail -1 | cut -c1-200
}

for r in $(seq 1 "$RUNS"); do
  for row in $ROWS; do
    run_row "$row" single "$r"
    run_row "$row" cluster "$r"
  done
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/meta.txt"
python3 - "$OUT" <<'PY'
import glob, json, os, re, sys

out = sys.argv[1]
def result(path):
    lines = [l for l in open(path) if l.startswith("RESULT ")]
    return json.loads(lines[-1][7:]) if lines else None

def redis_ops(path, messages):
    if not os.path.exists(path) or messages <= 0:
        return None
    calls = {}
    for line in open(path):
        m = re.match(r"cmdstat_([a-z|]+):calls=(\d+)", line)
        if m:
            calls[m.group(1)] = int(m.group(2))
    if not calls:
        return None
    publish = calls.pop("publish", 0)
    calls.pop("config|resetstat", None); calls.pop("info", None)
    rest = sum(calls.values())
    detail = ", ".join(f"{k.upper()} {v}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1]))
    return publish / messages, rest / messages, detail

def cpu_per_delivery(res):
    return res.get("server_cpu_s", 0) * 1e6 / res["delivered"] if res.get("delivered") else 0

print()
print(open(os.path.join(out, "meta.txt")).read().strip())
print()
print("| row | setup | run | clients | msgs ok | lost | dup | p50 ms | p99 ms | max ms | deliveries/s | server CPU s | CPU µs / delivery | Redis PUBLISH / msg | other Redis ops / msg |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
rows = {}
for path in sorted(glob.glob(os.path.join(out, "*-r*.log"))):
    name = os.path.basename(path)[:-4]
    m = re.match(r"(\w+)-(single|cluster)-r(\d+)$", name)
    if not m:
        continue
    row, setup, run = m.groups()
    res = result(path)
    if res is None:
        print(f"| {row} | {setup} | {run} | no RESULT (see {path}) |")
        continue
    lat = res.get("latency_ms", {})
    ops = redis_ops(os.path.join(out, name + ".commandstats"), res.get("messages_ok", 0)) if setup == "cluster" else None
    ops_text = (f"{ops[0]:.2f}", f"{ops[1]:.2f} ({ops[2]})") if ops else ("-", "-")
    rows[(row, setup, run)] = res
    print(f"| {row} | {setup} | {run} | {res['clients']} | {res['messages_ok']} | {res['lost']} | {res['duplicated']} | "
          f"{lat.get('p50', 0):.1f} | {lat.get('p99', 0):.1f} | {lat.get('max', 0):.1f} | {res['deliveries_per_s']:.0f} | "
          f"{res.get('server_cpu_s', 0):.2f} | {cpu_per_delivery(res):.1f} | {ops_text[0]} | {ops_text[1]} |")
print()
for (row, setup, run), res in sorted(rows.items()):
    if setup != "cluster" or (row, "single", run) not in rows:
        continue
    one = rows[(row, "single", run)]
    l3, l1 = res.get("latency_ms", {}).get("p99", 0), one.get("latency_ms", {}).get("p99", 0)
    d3, d1 = res["deliveries_per_s"], one["deliveries_per_s"]
    c3, c1 = cpu_per_delivery(res), cpu_per_delivery(one)
    print(f"{row} run {run}: three nodes / one node: p99 latency x{(l3 / l1 if l1 else 0):.2f}, "
          f"deliveries/s x{(d3 / d1 if d1 else 0):.2f}, server CPU per delivery x{(c3 / c1 if c1 else 0):.2f}")
PY
