#!/usr/bin/env python3
"""per_delivery.py: heap allocations (and syscalls) per delivery on LivePage's fan-out path.

    Benchmarks/alloc/per_delivery.py [--clients 2000] [--messages 50] [--events 1] [--strace]

Starts a release livepage-server (--server, default .build/release/livepage-server of this
repository) with malloc_count.so preloaded (built from malloc_count.c beside this script
with `cc` when missing or older than its source), parks one long-poll of each of
--clients clients at one location on keep-alive connections, warms up with --warmup
publishes, then measures --messages publishes of --events events each: every publish is
sent alone, once the server has gone quiet, and the server's allocation counters are read
when it is quiet again after every client has its events and has polled again. It prints
heap allocations, frees and bytes per delivery, per publish and per poll answered, and,
with --strace, the server's syscalls per delivery by name (`strace -c` over the measured
publishes). The last line is `RESULT {json}`.

Counts, not timings: the machine may be as busy as it likes; a slow run is only slower.
Every phase has a deadline. Exit status: 0 for a clean run; 1 when an event was
duplicated, out of order or never came, a phase ran out of time, or a socket failed; 2 for
a usage error or a failure before anything was measured. Loopback only; only the Python standard library is used.
"""

import argparse
import ctypes
import json
import os
import resource
import select
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
LOCATION = "/alloc"
KEY = "alloc-bench-publish-key-%d" % os.getpid()
FIELDS = ("mallocs", "frees", "bytes", "callocs", "reallocs", "aligned")


class Failure(Exception):
    """A reason to stop, one line for the user; `status` is the exit status."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


# ---- HTTP on keep-alive sockets

def http_request(method, target, body=b"", headers=()):
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method, target)
    for name, value in headers:
        head += "%s: %s\r\n" % (name, value)
    if body or method == "POST":
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return head.encode() + b"\r\n" + body


def take_response(buffer):
    """(status, body) of the first complete response in `buffer`, removed from it, or None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding":
            raise Failure("the server answered with Transfer-Encoding: %s; this script reads Content-Length only" % value.strip())
    if length is None:
        raise Failure("the server answered without Content-Length")
    if len(buffer) < end + 4 + length:
        return None
    body = bytes(buffer[end + 4:end + 4 + length])
    del buffer[:end + 4 + length]
    return status, body


class BlockingConnection:
    """One keep-alive connection for setup and metrics requests, pipelined in batches."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def exchange(self, requests):
        self.sock.sendall(b"".join(requests))
        answers = []
        while len(answers) < len(requests):
            answer = take_response(self.buffer)
            if answer is not None:
                answers.append(answer)
                continue
            data = self.sock.recv(1 << 16)
            if not data:
                raise Failure("the server closed a setup connection")
            self.buffer += data
        return answers

    def close(self):
        self.sock.close()


class Poller:
    """A client's connection: one long-poll outstanding, polled again after every answer."""

    def __init__(self, index, client_id, sock):
        self.index = index
        self.client_id = client_id
        self.sock = sock
        self.after = 0
        self.inbuf = bytearray()
        self.outbuf = b""

    def poll_request(self):
        return http_request("GET", "/livepage/clients/%s/output?after=%d" % (self.client_id, self.after))


class Publisher:
    """The backend: one keep-alive connection, one publish at a time."""

    def __init__(self, sock):
        self.sock = sock
        self.inbuf = bytearray()
        self.outbuf = b""
        self.answers = []


# ---- the counters written by malloc_count.so

class Counters:
    """Reads MALLOC_COUNT_FILE: `mallocs frees bytes callocs reallocs aligned tick`."""

    def __init__(self, path, tick_s):
        self.path = path
        self.tick_s = tick_s

    def read(self):
        """The counts and tick, read twice alike so that no half-written line is taken."""
        while True:
            try:
                with open(self.path, "rb") as f:
                    first = f.read(512)
                with open(self.path, "rb") as f:
                    second = f.read(512)
            except FileNotFoundError:
                raise Failure("%s is gone" % self.path, 1)
            if first == second and first.endswith(b"\n"):
                values = [int(v) for v in first.split()]
                if len(values) == 7:
                    return values
            time.sleep(0.001)

    def fresh(self, deadline):
        """Counts taken after this call began: the writer started two writes since."""
        start = self.read()[6]
        while True:
            values = self.read()
            if values[6] >= start + 2:
                return values
            if time.monotonic() > deadline:
                raise Failure("malloc_count.so stopped writing %s" % self.path, 1)
            time.sleep(self.tick_s / 4)


def thread_states(pid, skip=("malloc_count",)):
    """{tid: state letter} of the process's threads, leaving out the counter's own."""
    states = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name in skip:
            continue
        states[int(tid)] = stat[stat.rindex(")") + 2]
    return states


def quiet_counts(counters, pid, deadline):
    """Counts taken once the server is quiet: every thread asleep, and no allocation or
    free across one whole write interval. (counts, quiet) where quiet is False when the
    deadline came first."""
    previous = None
    while True:
        asleep = all(state == "S" for state in thread_states(pid).values())
        values = counters.fresh(deadline + 5)
        if asleep and previous is not None and values[:2] == previous[:2] \
                and all(state == "S" for state in thread_states(pid).values()):
            return values, True
        if time.monotonic() > deadline:
            return values, False
        previous = values if asleep else None


# ---- the measurement

class Run:
    def __init__(self, args, port, server, counters):
        self.args = args
        self.port = port
        self.server = server
        self.counters = counters
        self.selector = selectors.DefaultSelector()
        self.pollers = []
        self.publisher = None
        self.seq_target = 0          # every client's seq once the publishes so far arrive
        self.reached = 0             # clients whose seq is at seq_target
        self.answers = 0             # output answers with events
        self.idle_answers = 0        # output answers without
        self.events = 0
        self.duplicated = self.out_of_order = 0
        self.message = 0

    # -- sockets

    def want_write(self, conn, data):
        conn.outbuf += data
        self.flush(conn)

    def flush(self, conn):
        while conn.outbuf:
            try:
                sent = conn.sock.send(conn.outbuf)
            except BlockingIOError:
                break
            conn.outbuf = conn.outbuf[sent:]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if conn.outbuf else 0)
        if self.selector.get_key(conn.sock).events != events:
            self.selector.modify(conn.sock, events, conn)

    def pump(self, done, deadline, what):
        """Serves the sockets until done() or the deadline (then Failure, status 1)."""
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("%s did not finish in time" % what, 1)
            for key, mask in self.selector.select(min(remaining, 0.5)):
                conn = key.data
                if mask & selectors.EVENT_WRITE:
                    self.flush(conn)
                if mask & selectors.EVENT_READ:
                    try:
                        data = conn.sock.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not data:
                        raise Failure("the server closed a connection (%s)" % what, 1)
                    conn.inbuf += data
                    while True:
                        answer = take_response(conn.inbuf)
                        if answer is None:
                            break
                        if conn is self.publisher:
                            self.publisher.answers.append(answer)
                        else:
                            self.answered(conn, *answer)

    def answered(self, poller, status, body):
        if status != 200:
            raise Failure("client %d's poll was answered %d: %s" % (poller.index, status, body[:200].decode("utf-8", "replace")), 1)
        events = json.loads(body)["events"]
        if not events:
            self.idle_answers += 1
        else:
            self.answers += 1
        for event in events:
            seq = event["seq"]
            if seq <= poller.after:
                self.duplicated += 1
                continue
            if seq != poller.after + 1:
                self.out_of_order += 1
            poller.after = seq
            self.events += 1
            if seq == self.seq_target:
                self.reached += 1
        self.want_write(poller, poller.poll_request())

    # -- phases

    def register_and_park(self):
        n = self.args.clients
        setup = BlockingConnection(self.port)
        ids = []
        for start in range(0, n, 100):
            requests = []
            for i in range(start, min(n, start + 100)):
                body = json.dumps({"location": LOCATION, "principal": "alloc-%05d" % i}).encode()
                requests.append(http_request("POST", "/livepage/clients", body))
            for status, body in setup.exchange(requests):
                if status != 201:
                    raise Failure("registration was answered %d: %s" % (status, body[:200].decode("utf-8", "replace")))
                ids.append(json.loads(body)["client"])
        setup.close()
        for i, client_id in enumerate(ids):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            poller = Poller(i, client_id, sock)
            self.pollers.append(poller)
            self.selector.register(sock, selectors.EVENT_READ, poller)
            self.want_write(poller, poller.poll_request())
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        self.publisher = Publisher(sock)
        self.selector.register(sock, selectors.EVENT_READ, self.publisher)
        self.metrics = BlockingConnection(self.port)
        self.wait_parked(time.monotonic() + 120, "parking every client")

    def parked(self):
        [(status, body)] = self.metrics.exchange([http_request("GET", "/livepage/metrics")])
        if status != 200:
            raise Failure("GET /livepage/metrics was answered %d" % status)
        for line in body.decode().splitlines():
            if line.startswith("livepage_parked_requests "):
                return int(line.split()[1])
        raise Failure("GET /livepage/metrics has no livepage_parked_requests")

    def wait_parked(self, deadline, what):
        while True:
            count = self.parked()
            if count == self.args.clients:
                return
            if time.monotonic() > deadline:
                raise Failure("%s: %d of %d polls parked" % (what, count, self.args.clients), 1)
            time.sleep(0.05)

    def publish_one(self, deadline):
        """One publish of --events events, served until every client has them and has
        polled again."""
        self.message += 1
        events = [{"verb": "append", "id": "log", "html": "<i>m=%06d.%d</i>" % (self.message, e)}
                  for e in range(self.args.events)]
        body = json.dumps({"to": {"location": LOCATION}, "events": events}).encode()
        self.seq_target += self.args.events
        self.reached = 0
        self.publisher.answers.clear()
        self.want_write(self.publisher, http_request("POST", "/livepage/publish", body, [("Authorization", "Bearer " + KEY)]))
        what = "publish %d" % self.message
        self.pump(lambda: self.reached == len(self.pollers) and self.publisher.answers, deadline, what)
        [(status, answer)] = self.publisher.answers
        if status != 200:
            raise Failure("%s was answered %d: %s" % (what, status, answer[:200].decode("utf-8", "replace")), 1)
        delivered = json.loads(answer)["delivered"]
        if delivered != len(self.pollers) * self.args.events:
            raise Failure("%s: the server queued %d (client, event) pairs, not %d" % (what, delivered, len(self.pollers) * self.args.events), 1)
        # Every answer has polled again (the requests are written, or waiting for room).
        self.pump(lambda: not any(p.outbuf for p in self.pollers), deadline, what)

    def measure(self, count):
        """The counters over `count` publishes, from the server quiet before the first to
        quiet after the last. Each publish waits until the server is quiet after the one
        before, so that every poll is parked again when it comes."""
        answers, events, idle = self.answers, self.events, self.idle_answers
        before, quiet = quiet_counts(self.counters, self.server.pid, time.monotonic() + 5)
        not_quiet = not quiet
        started = time.monotonic()
        for _ in range(count):
            self.publish_one(time.monotonic() + self.args.timeout)
            after, quiet = quiet_counts(self.counters, self.server.pid, time.monotonic() + 5)
            not_quiet += not quiet
        total = [a - b for a, b in zip(after, before)]
        return {
            "publishes": count,
            "answers": self.answers - answers,
            "deliveries": self.events - events,
            "idle_answers": self.idle_answers - idle,
            "not_quiet": not_quiet,
            "seconds": time.monotonic() - started,
            "counts": dict(zip(FIELDS, total)),
        }

    def background(self, seconds):
        """The counters over `seconds` with nothing happening."""
        before = self.counters.fresh(time.monotonic() + 5)
        time.sleep(seconds)
        after = self.counters.fresh(time.monotonic() + 5)
        return dict(zip(FIELDS, (a - b for a, b in zip(after, before))))


# ---- strace

class Strace:
    """`strace -c -f` attached to the server, every thread of it and those it starts, until
    stop(); malloc_count's own calls are taken off the counts."""

    def __init__(self, pid, out_path, counters):
        self.out_path = out_path
        self.counters = counters
        self.seconds = 0
        self.first_tick = counters.read()[6]
        self.process = subprocess.Popen(["strace", "-c", "-f", "-o", out_path, "-p", str(pid)],
                                        stderr=subprocess.PIPE, text=True)
        # strace says "Process PID attached with N threads" on stderr: one line, and a few
        # more when it detaches, so the pipe never fills though it is read no further.
        deadline = time.monotonic() + 30
        messages = []
        readable = select.poll()   # not select.select: the descriptor may be above 1023
        readable.register(self.process.stderr, select.POLLIN)
        while not any("attached" in message for message in messages):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not readable.poll(remaining * 1000):
                self.kill()
                raise Failure("strace did not attach in 30 s")
            line = self.process.stderr.readline()
            if not line:
                self.kill()
                raise Failure("strace stopped: %s (is ptrace allowed here? see /proc/sys/kernel/yama/ptrace_scope)"
                              % " ".join(messages[-3:]))
            messages.append(line.strip())
        self.attached = messages[-1].replace("strace: ", "", 1)
        self.started = time.monotonic()

    def stop(self):
        """{syscall: (calls, errors)} counted since the start, less malloc_count's own: one
        clock_nanosleep and one pwrite64 per write of its counts."""
        self.process.send_signal(signal.SIGINT)
        self.seconds = time.monotonic() - self.started
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise Failure("strace did not stop in 60 s after SIGINT", 1)
        self.own_calls = self.counters.read()[6] - self.first_tick
        counts = {}
        with open(self.out_path) as f:
            for line in f:
                tokens = line.split()
                if len(tokens) in (5, 6) and tokens[0][0].isdigit() and tokens[-1] != "total":
                    calls = int(tokens[3])
                    errors = int(tokens[4]) if len(tokens) == 6 else 0
                    counts[tokens[-1]] = (calls, errors)
        for name in ("clock_nanosleep", "pwrite64"):
            if name in counts:
                calls, errors = counts[name]
                counts[name] = (max(0, calls - self.own_calls), errors)
                if counts[name][0] == 0:
                    del counts[name]
        return counts

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# ---- the command

def build_library(compiler):
    source = os.path.join(HERE, "malloc_count.c")
    library = os.path.join(HERE, ".build", "malloc_count.so")
    if os.path.exists(library) and os.path.getmtime(library) >= os.path.getmtime(source):
        return library
    if not shutil.which(compiler):
        raise Failure("no C compiler '%s' to build malloc_count.so (apt-get install -y gcc, or --cc)" % compiler)
    os.makedirs(os.path.dirname(library), exist_ok=True)
    command = [compiler, "-O2", "-g", "-Wall", "-Wextra", "-shared", "-fPIC", "-o", library, source, "-ldl", "-lpthread"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure("building malloc_count.so failed: %s\n%s" % (" ".join(command), result.stderr))
    return library


def start_server(args, library, workdir):
    log_path = os.path.join(workdir, "server.log")
    counts_path = os.path.join(workdir, "counts")
    environment = dict(os.environ, LD_PRELOAD=library, MALLOC_COUNT_FILE=counts_path,
                       MALLOC_COUNT_INTERVAL_MS=str(args.tick_ms))
    command = [args.server, "--host", "127.0.0.1", "--port", "0", "--publish-key", KEY, "--no-demo",
               "--refresh", str(args.refresh)] + args.server_arg
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                  stdin=subprocess.DEVNULL, preexec_fn=terminate_with_parent)
    deadline = time.monotonic() + 60
    port = None
    while port is None:
        with open(log_path) as log:
            for line in log:
                if "listening on http://127.0.0.1:" in line:
                    port = int(line.split("listening on http://127.0.0.1:", 1)[1].split("/", 1)[0])
        if port is None:
            if server.poll() is not None or time.monotonic() > deadline:
                stop_server(server)
                with open(log_path) as log:
                    raise Failure("livepage-server did not start:\n%s" % log.read()[-2000:])
            time.sleep(0.05)
    if not os.path.exists(counts_path):
        stop_server(server)
        raise Failure("livepage-server runs but malloc_count.so wrote no %s: was it preloaded?" % counts_path)
    return server, port, Counters(counts_path, args.tick_ms / 1000), log_path


def interrupted(signum, frame):
    """SIGTERM ends a run as SIGINT does: the server is stopped, what was measured is told."""
    raise KeyboardInterrupt


def terminate_with_parent():
    """In the child before exec: SIGTERM when this script dies, however it dies."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def stop_attached(process):
    """Stops an --attach command as one stops it by hand (SIGINT), killing it after 120 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stop_server(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            return server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            return "killed after 20 s"
    return server.returncode


def shown_path(path):
    """`path` relative to the repository when inside it, so that output quoted in a
    document names no folder of one machine."""
    relative = os.path.relpath(path, ROOT)
    return path if relative.startswith("..") else relative


def describe_server(path):
    commit = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "Sources", "Package.swift"],
                           capture_output=True, text=True).stdout.strip()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    lines = [
        "server:  %s, built %s" % (shown_path(path), time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.path.getmtime(path)))),
        "commit:  %s%s" % (commit or "unknown", " (Sources or Package.swift changed since)" if dirty else ""),
        "machine: %d cores, load %s, %s" % (os.cpu_count(), load, time.strftime("%Y-%m-%d %H:%M:%S %Z")),
    ]
    return lines, commit.split(" ", 1)[0] if commit else None, load


def ratio(value, per):
    return value / per if per else float("nan")


def report_heap(say, result, measured, idle_rate):
    """Prints the allocation counts of the measured publishes, and adds them to `result`."""
    deliveries, answers, publishes, seconds = measured["deliveries"], measured["answers"], measured["publishes"], measured["seconds"]
    counts = measured["counts"]
    say("  %-10s %15s %14s %12s %13s %19s" % ("heap", "total", "per delivery", "per answer", "per publish",
                                              "idle rate x %.1f s" % seconds))
    for name in FIELDS:
        value = counts[name]
        say("  %-10s %15d %14.3f %12.3f %13.1f %19.0f" % (name, value, ratio(value, deliveries), ratio(value, answers),
                                                       ratio(value, publishes), idle_rate[name] * seconds))
    net = {name: counts[name] - idle_rate[name] * seconds for name in FIELDS}
    say("  less the idle rate over the %.1f s: %.3f mallocs, %.3f frees, %.1f bytes per delivery"
        % (seconds, ratio(net["mallocs"], deliveries), ratio(net["frees"], deliveries), ratio(net["bytes"], deliveries)))
    result["per_delivery"] = {name: round(ratio(counts[name], deliveries), 4) for name in FIELDS}
    result["per_delivery_less_idle"] = {name: round(ratio(net[name], deliveries), 4) for name in FIELDS}
    result["per_publish"] = {name: round(ratio(counts[name], publishes), 2) for name in FIELDS}


def report_syscalls(say, result, measured, syscalls, seconds, own_calls, idle_rate):
    """Prints the syscall counts of the measured publishes, and adds them to `result`."""
    deliveries, publishes = measured["deliveries"], measured["publishes"]
    say("syscalls: strace -c -f over %.1f s, the measured publishes and the quiet waits between them,"
        " less malloc_count's own %d clock_nanosleep and %d pwrite64" % (seconds, own_calls, own_calls))
    say("  %-18s %10s %14s %10s %13s %19s" % ("syscall", "calls", "per delivery", "errors", "per publish",
                                              "idle rate x %.1f s" % seconds))
    total = sum(calls for calls, _ in syscalls.values())
    for name, (calls, errors) in sorted(syscalls.items(), key=lambda item: -item[1][0]):
        say("  %-18s %10d %14.3f %10d %13.1f %19.0f" % (name, calls, ratio(calls, deliveries), errors, ratio(calls, publishes),
                                                      idle_rate.get(name, 0) * seconds))
    idle = sum(idle_rate.values()) * seconds
    say("  %-18s %10d %14.3f %10s %13.1f %19.0f" % ("total", total, ratio(total, deliveries), "", ratio(total, publishes), idle))
    say("  less the idle rate over the %.1f s: %.3f syscalls per delivery" % (seconds, ratio(total - idle, deliveries)))
    result["syscalls_per_delivery"] = {name: round(ratio(calls, deliveries), 4) for name, (calls, _) in syscalls.items()}
    result["syscalls_per_delivery_total"] = round(ratio(total, deliveries), 4)
    result["syscalls_per_delivery_less_idle"] = round(ratio(total - idle, deliveries), 4)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 2)[2],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default=os.path.join(ROOT, ".build", "release", "livepage-server"),
                        help="the livepage-server to measure (default: this repository's .build/release)")
    parser.add_argument("--allow-debug", action="store_true", help="measure a debug build (its counts mean little)")
    parser.add_argument("--clients", type=int, default=2000, help="clients parked at one location (default 2000)")
    parser.add_argument("--messages", type=int, default=50, help="publishes measured (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="publishes before measuring (default 5)")
    parser.add_argument("--events", type=int, default=1, help="events in each publish (default 1)")
    parser.add_argument("--idle", type=float, default=2, help="seconds the idle rate is measured over (default 2)")
    parser.add_argument("--strace", action="store_true", help="also count the server's syscalls with strace -c")
    parser.add_argument("--attach", default="",
                        help="a command run over the measured publishes only, {pid} the server's pid, stopped with SIGINT: "
                             "e.g. 'perf record -e probe_malloc_count:malloc -g -p {pid}' (README)")
    parser.add_argument("--attach-wait", type=float, default=2, help="seconds the --attach command gets to attach (default 2)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds one publish may take to reach every client (default 60)")
    parser.add_argument("--refresh", type=float, default=600,
                        help="the server's --refresh, long enough that no poll ends idle during the run (default 600)")
    parser.add_argument("--tick-ms", type=int, default=20, help="how often malloc_count.so writes its counts (default 20)")
    parser.add_argument("--server-arg", action="append", default=[], help="one more argument for the server (repeatable)")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"), help="the C compiler for malloc_count.so (default cc)")
    parser.add_argument("--json", action="store_true", help="print only the RESULT line")
    args = parser.parse_args()

    try:
        if not (1 <= args.clients <= 15000 and 1 <= args.messages <= 10000 and 0 <= args.warmup <= 1000
                and 1 <= args.events <= 100 and 1 <= args.tick_ms <= 1000 and args.timeout > 0 and 0.1 <= args.idle <= 60):
            raise Failure("--clients 1..15000, --messages 1..10000, --warmup 0..1000, --events 1..100, --tick-ms 1..1000, --idle 0.1..60")
        args.server = os.path.abspath(args.server)
        if not os.access(args.server, os.X_OK):
            raise Failure("no server at %s: run 'swift build -c release --product livepage-server' in %s, or pass --server" % (args.server, ROOT))
        if "/debug/" in os.path.realpath(args.server) and not args.allow_debug:
            raise Failure("%s is a debug build: measure a release build (or pass --allow-debug)" % args.server)
        if args.strace and not shutil.which("strace"):
            raise Failure("--strace needs strace: apt-get install -y strace")
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < args.clients + 100:
            raise Failure("%d clients need %d open files; the hard limit is %d" % (args.clients, args.clients + 100, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))   # the server inherits it
        library = build_library(args.cc)
    except Failure as failure:
        print("per_delivery.py: %s" % failure, file=sys.stderr)
        return failure.status

    signal.signal(signal.SIGTERM, interrupted)
    say = (lambda *a: None) if args.json else (lambda text="": print(text, flush=True))
    workdir = tempfile.mkdtemp(prefix="livepage-alloc-")
    server = strace = attached = None
    result = {"clients": args.clients, "messages": args.messages, "events_per_publish": args.events, "end": "failed"}
    status = 0
    try:
        header, commit, load = describe_server(args.server)
        result.update(commit=commit, load=load)
        for line in header:
            say(line)
        server, port, counters, log_path = start_server(args, library, workdir)
        run = Run(args, port, server, counters)
        say("started: pid %d, port %d, preloaded %s" % (server.pid, port, shown_path(library)))

        started = time.monotonic()
        run.register_and_park()
        say("parked:  %d clients at %s, one long-poll each, in %.1f s" % (args.clients, LOCATION, time.monotonic() - started))
        for _ in range(args.warmup):
            run.publish_one(time.monotonic() + args.timeout)
        run.wait_parked(time.monotonic() + 60, "parking again after the warm-up")
        say("warm-up: %d publishes of %d event(s), every client got each" % (args.warmup, args.events))
        idle = run.background(args.idle)
        idle_rate = {name: value / args.idle for name, value in idle.items()}
        say("idle:    %.1f mallocs, %.1f frees, %.0f bytes a second with every poll parked and nothing published"
            % (idle_rate["mallocs"], idle_rate["frees"], idle_rate["bytes"]))
        result["idle_per_s"] = {name: round(value, 2) for name, value in idle_rate.items()}

        if args.strace:
            strace = Strace(server.pid, os.path.join(workdir, "strace-idle.txt"), counters)
            time.sleep(args.idle)
            idle_syscall_rate = {name: calls / strace.seconds for name, (calls, _) in strace.stop().items()}
            say("idle:    %.1f syscalls a second (%s)" % (sum(idle_syscall_rate.values()), ", ".join(
                "%s %.1f" % item for item in sorted(idle_syscall_rate.items(), key=lambda item: -item[1]))))
            strace = Strace(server.pid, os.path.join(workdir, "strace.txt"), counters)
            say("strace:  %s" % strace.attached)
        if args.attach:
            command = [word.replace("{pid}", str(server.pid)) for word in shlex.split(args.attach)]
            attached = subprocess.Popen(command)
            time.sleep(args.attach_wait)
            if attached.poll() is not None:
                raise Failure("--attach command ended with status %d before the measured publishes" % attached.returncode)
            say("attached: %s" % " ".join(command))
        measured = run.measure(args.messages)
        if attached:
            stop_attached(attached)
            attached = None
        syscalls = strace.stop() if strace else None
        if strace:
            strace_seconds, strace_own = strace.seconds, strace.own_calls
        strace = None
        run.wait_parked(time.monotonic() + 60, "parking after the measured publishes")
        result.update(measured)
        result["duplicated"] = run.duplicated
        result["out_of_order"] = run.out_of_order

        say()
        say("measured: %d publishes of %d event(s) to %d clients in %.1f s: %d deliveries (client, event), "
            "%d poll answers, each polled again; %d idle answers; %d windows not quiet"
            % (measured["publishes"], args.events, args.clients, measured["seconds"], measured["deliveries"],
               measured["answers"], measured["idle_answers"], measured["not_quiet"]))
        say()
        report_heap(say, result, measured, idle_rate)
        if syscalls is not None:
            say()
            report_syscalls(say, result, measured, syscalls, strace_seconds, strace_own, idle_syscall_rate)
            result["idle_syscalls_per_s"] = {name: round(value, 2) for name, value in idle_syscall_rate.items()}
        result["end"] = "completed"
        if run.duplicated or run.out_of_order:
            status = 1
    except Failure as failure:
        print("per_delivery.py: %s" % failure, file=sys.stderr)
        result["error"] = str(failure)
        status = failure.status
    except OSError as error:
        print("per_delivery.py: %s" % error, file=sys.stderr)
        result["error"] = str(error)
        status = 1
    except KeyboardInterrupt:
        print("per_delivery.py: interrupted", file=sys.stderr)
        result["end"] = "interrupted"
        status = 1
    finally:
        if strace:
            strace.kill()
        if attached:
            stop_attached(attached)
        if server:
            exit_status = stop_server(server)
            result["server_exit"] = exit_status
            say("server exit status %s" % exit_status)
            if exit_status != 0 or status != 0:
                print("per_delivery.py: the server's log is %s" % log_path, file=sys.stderr)
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    print("RESULT " + json.dumps(result, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main())
