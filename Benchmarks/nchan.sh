#!/usr/bin/env bash
# nchan.sh — a private nginx + Nchan on the loopback interface: the long-poll server
# LivePage is measured against (run-all.sh), loaded by livepage-bench --proto nchan.
#
#   Benchmarks/nchan.sh start [PORT]    install nginx-light + libnginx-mod-nchan from Debian
#                                       if missing, write the configuration, start nginx
#   Benchmarks/nchan.sh stop            stop this instance, found by its own pid file
#   Benchmarks/nchan.sh pid             print its master's pid (its workers are the master's children)
#   Benchmarks/nchan.sh config [PORT]   write the configuration only, and print its path
#
# Environment:
#   NCHAN_DIR=/tmp/livepage-nchan-UID   this instance's folder: nginx.conf, pid file, error
#                                       log, temporary files. Give each instance its own.
#   NCHAN_PORT=8090                     the port, on 127.0.0.1 only (a PORT argument wins)
#   NCHAN_MULTIPART=off                 on: nchan_longpoll_multipart_response, so that an
#                                       answer carries every message a subscriber is behind on
#   NCHAN_WORKERS=1                     worker_processes
#
# nginx runs with its own prefix (-p), configuration (-c) and error log (-e), loads the
# Nchan module by its path, and listens on 127.0.0.1 only: it never reads or writes
# /etc/nginx or the system's nginx service. `stop` signals only the master whose pid its
# own pid file holds, and only if that process is nginx running this configuration.
#
# The configuration: one channel, `bench`. Subscribers long-poll `GET /sub/bench` and
# wait for the next message (`nchan_subscriber_first_message newest`); a publisher posts
# to `/pub/bench`, which keeps up to 20,000 messages for 5 minutes so that a subscriber
# behind by many gets them all. `/nchan_status` reports the subscribers (livepage-bench
# waits for all of them before it measures); `/ok` answers `200 ok` (for wrk and the idle
# scenario). Access logging off, keep-alive connections kept for 10 million requests.
set -euo pipefail

usage() { echo "usage: nchan.sh start [PORT] | stop | pid | config [PORT]" >&2; exit 2; }
die() { echo "nchan.sh: $*" >&2; exit 1; }

COMMAND=${1:-}
case "$COMMAND" in
  start|config) PORT=${2:-${NCHAN_PORT:-8090}} ;;
  stop|pid) [ $# -eq 1 ] || usage ;;
  *) usage ;;
esac
DIR=${NCHAN_DIR:-/tmp/livepage-nchan-$(id -u)}
MULTIPART=${NCHAN_MULTIPART:-off}
WORKERS=${NCHAN_WORKERS:-1}
MODULE=${NCHAN_MODULE:-/usr/lib/nginx/modules/ngx_nchan_module.so}
PIDFILE=$DIR/nginx.pid
CONF=$DIR/nginx.conf

case "$DIR" in /*) ;; *) die "NCHAN_DIR must be an absolute path, not '$DIR'" ;; esac
case "$MULTIPART" in on|off) ;; *) die "NCHAN_MULTIPART must be on or off, not '$MULTIPART'" ;; esac
[[ "$WORKERS" =~ ^([1-9][0-9]?|auto)$ ]] || die "NCHAN_WORKERS must be 1 to 99 or auto, not '$WORKERS'"
if [ "$COMMAND" = start ] || [ "$COMMAND" = config ]; then
  [[ "$PORT" =~ ^[1-9][0-9]{0,4}$ ]] && [ "$PORT" -le 65535 ] || die "the port must be 1 to 65535, not '$PORT'"
fi

nginx_binary() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

# The master's pid if this instance runs: the pid file names a live nginx whose command
# line holds this instance's configuration.
running_master() {
  [ -s "$PIDFILE" ] || return 1
  local master; master=$(tr -dc 0-9 <"$PIDFILE")
  [ -n "$master" ] && [ "$(cat "/proc/$master/comm" 2>/dev/null)" = nginx ] || return 1
  tr '\0' ' ' <"/proc/$master/cmdline" 2>/dev/null | grep -qF -- "$CONF" || return 1
  echo "$master"
}

install_if_missing() {
  if [ -n "$(nginx_binary)" ] && [ -f "$MODULE" ]; then return 0; fi
  local packages=(libnginx-mod-nchan)
  [ -n "$(nginx_binary)" ] || packages=(nginx-light libnginx-mod-nchan)
  [ "$(id -u)" = 0 ] || die "${packages[*]} missing: run 'apt-get install ${packages[*]}' as root"
  echo "nchan.sh: installing ${packages[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -q >/dev/null || die "apt-get update failed"
  timeout 600 apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null \
    || die "apt-get install ${packages[*]} failed"
  [ -n "$(nginx_binary)" ] && [ -f "$MODULE" ] || die "still no nginx or no $MODULE after installing ${packages[*]}"
}

write_configuration() {
  mkdir -p "$DIR"
  chmod 755 "$DIR"    # nginx's workers (user nobody when started as root) create their temp folders here
  local files; files=$(ulimit -Hn)
  [ "$files" = unlimited ] && files=1048576
  cat >"$CONF" <<EOF
# Written by Benchmarks/nchan.sh: a private nginx + Nchan for LivePage's benchmarks.
# Not the system's nginx; every path is under $DIR.
load_module $MODULE;
worker_processes $WORKERS;
worker_rlimit_nofile $files;
pid $PIDFILE;
error_log $DIR/error.log warn;

events {
    worker_connections $(( files > 1024 ? files - 512 : files ));
    multi_accept on;
}

http {
    access_log off;
    client_body_temp_path $DIR/temp-body;
    proxy_temp_path $DIR/temp-proxy;
    fastcgi_temp_path $DIR/temp-fastcgi;
    uwsgi_temp_path $DIR/temp-uwsgi;
    scgi_temp_path $DIR/temp-scgi;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    client_body_buffer_size 64k;
    nchan_shared_memory_size 256M;

    server {
        listen 127.0.0.1:$PORT backlog=4096 reuseport;

        location = /ok {
            default_type text/plain;
            return 200 "ok";
        }

        location = /nchan_status {
            nchan_stub_status;
        }

        location = /sub/bench {
            nchan_subscriber longpoll;
            nchan_channel_id bench;
            nchan_subscriber_first_message newest;
            nchan_longpoll_multipart_response $MULTIPART;
        }

        location = /pub/bench {
            nchan_publisher;
            nchan_channel_id bench;
            nchan_message_buffer_length 20000;
            nchan_message_timeout 5m;
        }
    }
}
EOF
}

case "$COMMAND" in
  config)
    write_configuration
    echo "$CONF" ;;
  start)
    if master=$(running_master); then die "already running in $DIR (master $master); 'nchan.sh stop' first"; fi
    install_if_missing
    NGINX=$(nginx_binary)
    write_configuration
    rm -f "$PIDFILE"
    "$NGINX" -t -q -p "$DIR" -c "$CONF" -e "$DIR/error.log" || die "nginx refused $CONF (see $DIR/error.log)"
    "$NGINX" -p "$DIR" -c "$CONF" -e "$DIR/error.log" || die "nginx did not start (see $DIR/error.log)"
    for _ in $(seq 1 100); do    # at most 10 s for the pid file and the port
      if master=$(running_master) && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        echo "nchan.sh: nginx + Nchan on 127.0.0.1:$PORT, master $master, $WORKERS worker(s), multipart $MULTIPART, $CONF"
        exit 0
      fi
      sleep 0.1
    done
    die "nginx did not listen on 127.0.0.1:$PORT within 10 s (see $DIR/error.log)" ;;
  stop)
    master=$(running_master) || { echo "nchan.sh: not running in $DIR" >&2; rm -f "$PIDFILE"; exit 0; }
    workers=$(ps -o pid= --ppid "$master" | tr -d ' ')
    kill -TERM "$master"    # fast shutdown: parked long-polls are closed, not waited for
    for _ in $(seq 1 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$master" 2>/dev/null; then
      echo "nchan.sh: nginx $master did not stop in 10 s: killed" >&2
      kill -KILL "$master" $workers 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    echo "nchan.sh: stopped nginx $master" ;;
  pid)
    running_master || die "not running in $DIR" ;;
esac
