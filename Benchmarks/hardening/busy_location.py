#!/usr/bin/env python3
"""busy_location.py: what a busy location and a large fan-out cost livepage-server.

    Benchmarks/hardening/busy_location.py [--server PATH] [--principals 50000] [--joins 20000]
                                          [--fan-clients 10000] [--messages 20] [--rate 2]

The two figures of the hardening issue. It starts a livepage-server (--server, default
.build/release/livepage-server; a debug build is refused unless --allow-debug) on a free
loopback port with a publish key, --max-clients 300000, --max-anonymous-clients 300000
(left out when the server's --help does not list it, or with --old-server-compat) and
--no-demo, a fresh one for each phase, and stops it with SIGTERM at the phase's end:

1. joins: registers --principals distinct principals at /busy (`user-N`, pipelined on
   --setup-connections keep-alive connections, at most --window requests in flight on
   each), then a "presence": "list" and a "presence": "count" client there, both
   long-polling. Then --joins more distinct principals join /busy over --join-connections
   connections, every second one with "presence": "count": joins per second, and the
   server's CPU time per join (utime + stime from /proc/PID/stat, before and after).
   The same again at /quiet, a location that starts empty (with its own list and count
   client), for comparison: with presence kept one change at a time the two should cost
   about the same, as no part of a join grows with the location.
2. fanout: registers --fan-clients clients at /fan, parks one long-poll of each on a
   socket of its own (non-blocking, one selectors loop; RLIMIT_NOFILE is raised to its
   hard limit, which the server inherits); each client polls again at once with the
   highest seq it got as `after`. Two processes of their own, so that reading 10,000
   answers in Python delays neither: one publishes --messages events to /fan at --rate
   per second (POST /livepage/publish with the key), the other sends GET
   /livepage/health back to back on one keep-alive connection and times each answer.
   It prints /health's latency and answers per second while everyone is parked before
   the first publish, and while a fan-out is under way: from a publish being written
   until the server answers it, which it does once every client has the event queued;
   and, as a control for a busy machine, between fan-outs (published, none under way).
   Then the time the server took to answer each publish, and the deliveries seen.

--phases joins or --phases fanout runs one. Against a server from before the hardening
(53b47ae; --old-server-compat, or found from its --help) a join at /busy costs tens of
milliseconds, so the joins stop at --step-timeout with what they reached.

It ends with a markdown table of the figures, the command line and the load average, and
a line `RESULT {json}`. Every wait has a deadline (--step-timeout for each registration,
join and parking step, --drain-timeout after the last publish) and every loop a count;
when a step runs out of time it reports what it measured. No figure fails the run: the
exit status is 0 when every phase ran, 1 when a phase failed (the reason is printed),
2 for a usage error. Loopback only; only the Python standard library is used.
"""

import argparse
import array
import bisect
import datetime
import json
import math
import multiprocessing
import os
import resource
import select
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, deque

KEY = "busy-location-publish-key-0123456789"
REGISTER = (b"POST /livepage/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(text):
    print(text, flush=True)


def load_average():
    with open("/proc/loadavg") as file:
        return " ".join(file.read().split()[:3])


def percentile(values, fraction):
    """The nearest-rank percentile of sorted values, or None for none."""
    if not values:
        return None
    return values[min(len(values), max(1, math.ceil(fraction * len(values)))) - 1]


def driver_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class PhaseFailed(Exception):
    """A phase could not go on (the server did not start, or did not answer)."""


# ---- the server

class Server:
    """A livepage-server of our own on a free loopback port; its log is read on a thread."""

    def __init__(self, args):
        command = [args.server, "--host", "127.0.0.1", "--port", "0", "--publish-key", KEY,
                   "--max-clients", "300000", "--no-demo"]
        if args.anonymous_cap_flag:
            command += ["--max-anonymous-clients", "300000"]
        self.command = command
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, errors="replace")
        self.pid = self.process.pid
        self.log_tail = deque(maxlen=200)
        self.internal_errors = 0
        self.port = None
        listening = threading.Event()

        def read_log():  # so that the server never blocks on a full pipe
            for line in self.process.stderr:
                self.log_tail.append(line)
                if "internal error" in line:
                    self.internal_errors += 1
                if self.port is None and "listening on http://" in line:
                    address = line.split("listening on http://", 1)[1].split("/", 1)[0]
                    self.port = int(address.rsplit(":", 1)[1])
                    listening.set()
            listening.set()

        threading.Thread(target=read_log, daemon=True).start()
        listening.wait(30)
        if self.port is None:
            self.stop()
            raise PhaseFailed("the server did not start: %s" % "".join(self.log_tail)[-2000:])

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def metrics(self):
        """The server's /livepage/metrics as {name: value}, or {} when it does not answer in 30 s."""
        try:
            text = urllib.request.urlopen("http://127.0.0.1:%d/livepage/metrics" % self.port, timeout=30).read().decode()
        except OSError:
            return {}
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    values[name] = int(float(value))
                except ValueError:
                    pass
        return values

    def stop(self):
        """SIGTERM, then wait up to 60 s (SIGKILL after that); returns (exit status, seconds)."""
        if self.process.poll() is not None:
            return self.process.returncode, 0.0
        started = time.monotonic()
        self.process.terminate()
        try:
            status = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            status = "killed after 60 s"
        return status, time.monotonic() - started


# ---- non-blocking HTTP/1.1 on one selector

class Loop:
    """One selector for every connection; requests are written once per turn, in one send each."""

    def __init__(self, port):
        self.port = port
        self.selector = selectors.DefaultSelector()
        self.dirty = set()

    def pump(self, timeout):
        for key, mask in self.selector.select(timeout):
            key.data.on_event(mask)
        self.flush()

    def flush(self):
        dirty, self.dirty = self.dirty, set()
        for connection in dirty:
            connection.flush()

    def close(self):
        for key in list(self.selector.get_map().values()):
            key.data.close()
        self.selector.close()


class Connection:
    """A non-blocking keep-alive connection: requests pipelined, one callback per answer, in order."""

    __slots__ = ("loop", "sock", "connected", "closed", "inbuf", "outbuf", "callbacks", "watching")

    def __init__(self, loop):
        self.loop = loop
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.connect_ex(("127.0.0.1", loop.port))
        self.connected = False
        self.closed = False
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.callbacks = deque()
        self.watching = selectors.EVENT_READ | selectors.EVENT_WRITE
        loop.selector.register(self.sock, self.watching, self)

    def request(self, data, callback):
        """Queues data; callback(status, body) gets the answer (status 0: the connection broke)."""
        if self.closed:
            callback(0, b"")
            return
        self.outbuf += data
        self.callbacks.append(callback)
        self.loop.dirty.add(self)

    def flush(self):
        if self.closed:
            return
        if self.connected and self.outbuf:
            try:
                sent = self.sock.send(self.outbuf)
                del self.outbuf[:sent]
            except BlockingIOError:
                pass
            except OSError:
                self.fail()
                return
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outbuf or not self.connected else 0)
        if want != self.watching:
            self.watching = want
            self.loop.selector.modify(self.sock, want, self)

    def on_event(self, mask):
        if not self.connected and mask & selectors.EVENT_WRITE:
            if self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                self.fail()
                return
            self.connected = True
        if mask & selectors.EVENT_WRITE:
            self.flush()
        if self.closed or not mask & selectors.EVENT_READ:
            return
        try:
            data = self.sock.recv(1 << 18)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.fail()
            return
        self.inbuf += data
        while self.callbacks:
            end = self.inbuf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.inbuf[:end]).lower()
            start = head.find(b"\r\ncontent-length:")
            length = 0
            if start >= 0:
                stop = head.find(b"\r\n", start + 2)
                length = int(head[start + 17:stop if stop >= 0 else len(head)])
            if len(self.inbuf) < end + 4 + length:
                return
            body = bytes(self.inbuf[end + 4:end + 4 + length])
            del self.inbuf[:end + 4 + length]
            self.callbacks.popleft()(int(head[9:12]), body)

    def fail(self):
        """The peer closed or the connection broke: each waiting callback gets status 0."""
        self.close()
        while self.callbacks:
            self.callbacks.popleft()(0, b"")

    def close(self):
        if self.closed:
            return
        self.closed = True
        self.loop.selector.unregister(self.sock)
        self.sock.close()


class Registrar:
    """Sends POST /livepage/clients for each body, at most `window` in flight per connection."""

    def __init__(self, loop, bodies, connections, window, keep_ids=False):
        self.loop = loop
        self.bodies = iter(bodies)
        self.connections = [Connection(loop) for _ in range(connections)]
        self.window = window
        self.statuses = Counter()
        self.errors = []
        self.ids = [] if keep_ids else None
        self.sent = 0
        self.answered = 0
        self.exhausted = False
        self.first_sent = None
        self.last_answer = None

    def fill(self):
        for connection in self.connections:
            while not self.exhausted and len(connection.callbacks) < self.window and not connection.closed:
                body = next(self.bodies, None)
                if body is None:
                    self.exhausted = True
                    break
                connection.request(REGISTER % (len(body), body), self.on_answer)
                self.sent += 1
        if self.first_sent is None:
            self.first_sent = time.monotonic()

    def on_answer(self, status, body):
        self.answered += 1
        self.last_answer = time.monotonic()
        self.statuses[status] += 1
        if status == 201:
            if self.ids is not None:
                self.ids.append(json.loads(body)["client"])
        elif len(self.errors) < 5:
            self.errors.append("%d %s" % (status, body[:200].decode("utf-8", "replace")))

    def run(self, timeout, grace=15.0):
        """Registers every body, or stops sending at timeout and waits grace s for those in flight.

        Returns True when every body was sent and answered."""
        deadline = time.monotonic() + timeout
        self.fill()
        self.loop.flush()
        while time.monotonic() < deadline and not (self.exhausted and self.answered == self.sent):
            if all(connection.closed for connection in self.connections):
                break
            self.loop.pump(0.05)
            self.fill()
            self.loop.flush()
        complete = self.exhausted and self.answered == self.sent
        if not complete:
            self.exhausted = True  # send no more; take the answers in flight
            settle = time.monotonic() + grace
            while self.answered < self.sent and time.monotonic() < settle:
                if all(connection.closed for connection in self.connections):
                    break
                self.loop.pump(0.05)
        for connection in self.connections:
            connection.close()
        return complete

    def seconds(self):
        if self.first_sent is None or self.last_answer is None:
            return 0.0
        return self.last_answer - self.first_sent


class Poller:
    """One client's long-poll: polls again at once with the highest seq it got as `after`."""

    __slots__ = ("client_id", "after", "connection", "sink", "seen", "responses", "gone")

    def __init__(self, client_id, sink):
        self.client_id = client_id.encode()
        self.after = 0
        self.connection = None
        self.sink = sink
        self.seen = 0           # bitmap of the fan-out messages received
        self.responses = 0
        self.gone = None        # why it stopped polling

    def start(self, loop):
        self.connection = Connection(loop)
        self.poll()

    def poll(self):
        self.connection.request(b"GET /livepage/clients/%s/output?after=%d HTTP/1.1\r\nHost: x\r\n\r\n"
                                % (self.client_id, self.after), self.on_answer)

    def on_answer(self, status, body):
        self.responses += 1
        if status == 200:
            events = json.loads(body)["events"]
            if events:
                self.after = events[-1]["seq"]
                self.sink(self, events)
            self.poll()
        elif self.gone is None:
            self.gone = status
            self.sink(self, None)


# ---- phase 1: joins at a busy location and at an empty one

def join_bodies(location, prefix, count):
    """Registration bodies for count distinct principals; every second one asks for presence counts."""
    for index in range(count):
        if index % 2:
            yield b'{"location":"%s","principal":"%s-%d","presence":"count"}' % (location, prefix, index)
        else:
            yield b'{"location":"%s","principal":"%s-%d"}' % (location, prefix, index)


class Observers:
    """A presence "list" and a "count" client at a location, long-polling; counts what they get."""

    def __init__(self, loop, location, timeout):
        self.presence_events = Counter()
        self.lost = []
        registrar = Registrar(loop, [b'{"location":"%s","principal":"observer-%s","presence":"%s"}'
                                     % (location, mode, mode) for mode in (b"list", b"count")], 1, 2, keep_ids=True)
        registrar.run(timeout)
        if len(registrar.ids) != 2:
            raise PhaseFailed("the presence observers at %s did not register: %s" % (location.decode(), registrar.errors))
        self.pollers = [Poller(client_id, self.on_events) for client_id in registrar.ids]
        for poller in self.pollers:
            poller.start(loop)
        loop.flush()

    def on_events(self, poller, events):
        if events is None:
            self.lost.append(poller.gone)
            return
        mode = "list" if poller is self.pollers[0] else "count"
        self.presence_events[mode] += sum(1 for event in events if event.get("verb") == "presence")


def measure_joins(server, args, location, prefix, results, key):
    """Registers args.joins principals at location; stores joins/s and CPU per join in results[key]."""
    loop = Loop(server.port)
    try:
        observers = Observers(loop, location, args.step_timeout)
        for _ in range(10):  # the observers' first presence state
            loop.pump(0.02)
        registrar = Registrar(loop, join_bodies(location, prefix, args.joins), args.join_connections, args.window)
        cpu_before, driver_before = server.cpu_seconds(), driver_cpu()
        complete = registrar.run(args.step_timeout)
        cpu = server.cpu_seconds() - cpu_before
        driver = driver_cpu() - driver_before
        settle = time.monotonic() + 0.3  # the last presence flush (every 100 ms) reaches the observers
        while time.monotonic() < settle:
            loop.pump(0.02)
    finally:
        loop.close()
    joined = registrar.statuses[201]
    seconds = registrar.seconds()
    figures = {
        "joins": joined, "asked": args.joins, "complete": complete, "seconds": round(seconds, 3),
        "joins_per_s": round(joined / seconds, 1) if seconds > 0 else None,
        "server_cpu_s": round(cpu, 2), "server_cpu_us_per_join": round(cpu * 1e6 / joined, 1) if joined else None,
        "driver_cpu_s": round(driver, 2), "statuses": dict(registrar.statuses), "errors": registrar.errors,
        "presence_events": dict(observers.presence_events), "observers_lost": observers.lost,
    }
    results[key] = figures
    log("  %s: %d joins in %.2f s (%s joins/s%s), server CPU %.2f s (%s µs per join), driver CPU %.2f s; "
        "presence events to the list/count observer %d/%d%s"
        % (location.decode(), joined, seconds, figures["joins_per_s"], "" if complete else ", stopped at the step timeout",
           cpu, figures["server_cpu_us_per_join"], driver, observers.presence_events["list"],
           observers.presence_events["count"], "" if not registrar.errors else "; errors: %s" % registrar.errors))


def phase_joins(args, results):
    log("phase joins: %d principals at /busy, then %d joins there and %d at /quiet" % (args.principals, args.joins, args.joins))
    results["load_before_joins"] = load_average()
    server = Server(args)
    log("  server pid %d on port %d: %s" % (server.pid, server.port, " ".join(server.command)))
    try:
        loop = Loop(server.port)
        bodies = (b'{"location":"/busy","principal":"user-%d"}' % index for index in range(args.principals))
        registrar = Registrar(loop, bodies, args.setup_connections, args.window)
        cpu_before = server.cpu_seconds()
        complete = registrar.run(args.step_timeout)
        cpu = server.cpu_seconds() - cpu_before
        loop.close()
        registered = registrar.statuses[201]
        setup = {"registered": registered, "asked": args.principals, "complete": complete,
                 "seconds": round(registrar.seconds(), 2), "server_cpu_s": round(cpu, 2),
                 "per_s": round(registered / registrar.seconds(), 1) if registrar.seconds() > 0 else None,
                 "statuses": dict(registrar.statuses), "errors": registrar.errors}
        results["setup"] = setup
        log("  /busy: %d principals registered in %.2f s (%s/s), server CPU %.2f s%s"
            % (registered, registrar.seconds(), setup["per_s"], cpu, "" if complete else ", stopped at the step timeout"))
        measure_joins(server, args, b"/busy", b"busy-join", results, "busy")
        measure_joins(server, args, b"/quiet", b"quiet-join", results, "quiet")
        busy, quiet = results["busy"], results["quiet"]
        if busy["joins_per_s"] and quiet["joins_per_s"] and busy["server_cpu_us_per_join"] and quiet["server_cpu_us_per_join"]:
            results["busy_over_quiet"] = {
                "joins_per_s": round(busy["joins_per_s"] / quiet["joins_per_s"], 2),
                "server_cpu_per_join": round(busy["server_cpu_us_per_join"] / quiet["server_cpu_us_per_join"], 2)}
        metrics = server.metrics()
        results["joins_server"] = {key: metrics.get("livepage_" + key, -1)
                                   for key in ("clients", "client_expirations_total", "queue_evictions_total")}
    finally:
        status, seconds = server.stop()
        results["joins_server"] = dict(results.get("joins_server", {}), exit=status, internal_errors=server.internal_errors)
        log("  server at the end: %s; exit %s after SIGTERM (%.1f s)" % (results["joins_server"], status, seconds))


# ---- phase 2: /health while 10,000 clients get a fan-out

def probe_health(port, stop, sender, max_seconds, max_requests):
    """In a process of its own: GET /livepage/health back to back; sends (starts, latencies, failures)."""
    starts, latencies = array.array("d"), array.array("d")
    failures = 0
    request = b"GET /livepage/health HTTP/1.1\r\nHost: x\r\n\r\n"
    sock = None
    end = time.monotonic() + max_seconds
    for attempt in range(max_requests):
        if time.monotonic() >= end or (attempt % 8 == 0 and stop.is_set()):
            break
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            started = time.monotonic()
            sock.sendall(request)
            data = b""
            while True:  # the answer is "ok" with its Content-Length
                chunk = sock.recv(4096)
                if not chunk:
                    raise OSError("closed")
                data += chunk
                end_of_head = data.find(b"\r\n\r\n")
                if end_of_head >= 0:
                    head = data[:end_of_head].lower()
                    at = head.find(b"content-length:")
                    length = int(head[at + 15:].split(b"\r\n", 1)[0]) if at >= 0 else 0
                    if len(data) >= end_of_head + 4 + length:
                        break
            starts.append(started)
            latencies.append(time.monotonic() - started)
        except OSError:
            failures += 1
            if sock is not None:
                sock.close()
            sock = None
            if failures > 100:
                break
            time.sleep(0.01)
    sender.send((starts.tobytes(), latencies.tobytes(), failures))
    sender.close()


def publish_on_schedule(port, channel, messages, rate, timeout):
    """In a process of its own: publishes messages to /fan at rate per second, on time whatever
    the clients' load; sends back [(written, answered or None, status, delivered)] per message.

    Each event carries its message number and the monotonic time it was written (the
    clock is the system's, so the clients' process can subtract it)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    channel.send("ready")
    first = channel.recv()
    written, answers = [], []
    inbuf = bytearray()
    deadline = first + messages / rate + timeout
    while len(answers) < messages and time.monotonic() < deadline:
        while len(written) < messages and time.monotonic() >= first + len(written) / rate:
            stamp = time.monotonic_ns()
            body = json.dumps({"to": {"location": "/fan"}, "events": [
                {"verb": "append", "id": "log", "html": "<i>m=%d t=%d</i>" % (len(written), stamp)}]}).encode()
            sock.sendall(b"POST /livepage/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                         b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (KEY.encode(), len(body), body))
            written.append(stamp / 1e9)
        wait = first + len(written) / rate - time.monotonic() if len(written) < messages else 0.1
        readable, _, _ = select.select([sock], [], [], max(0.0, min(wait, 0.1)))
        if not readable:
            continue
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        inbuf += chunk
        now = time.monotonic()
        while True:
            end = inbuf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = bytes(inbuf[:end]).lower()
            at = head.find(b"content-length:")
            length = int(head[at + 15:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(inbuf) < end + 4 + length:
                break
            status, body = int(head[9:12]), bytes(inbuf[end + 4:end + 4 + length])
            del inbuf[:end + 4 + length]
            answers.append((now, status, json.loads(body).get("delivered") if status == 200 else None))
    sock.close()
    unanswered = [(None, None, None)] * (len(written) - len(answers))
    channel.send([(at,) + answer for at, answer in zip(written, answers + unanswered)])


class FanOut:
    """The delivery ledger of the fan-out clients."""

    def __init__(self, clients, messages):
        self.clients = clients
        self.messages = messages
        self.delivered = [0] * messages            # (client, message) pairs seen, per message
        self.last_delivery = [None] * messages
        self.latencies = array.array("d")          # receive time - publish time, s
        self.duplicates = 0
        self.foreign = 0
        self.gone = Counter()

    def on_events(self, poller, events):
        if events is None:
            self.gone[poller.gone] += 1
            return
        now = time.monotonic()
        for event in events:
            html = event.get("html", "")
            if not html.startswith("<i>m=") or " t=" not in html:
                self.foreign += 1
                continue
            message, stamp = html[5:-4].split(" t=")
            message = int(message)
            if message >= self.messages:
                self.foreign += 1
                continue
            bit = 1 << message
            if poller.seen & bit:
                self.duplicates += 1
                continue
            poller.seen |= bit
            self.delivered[message] += 1
            self.last_delivery[message] = now
            self.latencies.append(now - int(stamp) / 1e9)

    def total_delivered(self):
        return sum(self.delivered)


def merged_windows(windows):
    """The union of (since, to) intervals, as disjoint intervals in order."""
    merged = []
    for since, to in sorted(windows):
        if merged and since <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], to))
        else:
            merged.append((since, to))
    return merged


def summarize(values_ms):
    values = sorted(values_ms)
    return {"count": len(values), "p50": round(percentile(values, 0.50), 2) if values else None,
            "p99": round(percentile(values, 0.99), 2) if values else None,
            "max": round(values[-1], 2) if values else None}


def park(loop, server, pollers, timeout):
    """Starts every poller's long-poll, at most 500 connections being set up at once; returns
    the server's count of parked polls once it reaches len(pollers), or at timeout."""
    deadline = time.monotonic() + timeout
    started = 0
    while started < len(pollers) and time.monotonic() < deadline:
        batch = pollers[started:started + 500]
        for poller in batch:
            poller.start(loop)
        started += len(batch)
        loop.flush()
        until = min(deadline, time.monotonic() + 5)
        while time.monotonic() < until and any(not p.connection.connected or p.connection.outbuf for p in batch):
            loop.pump(0.01)
    parked = -1
    while time.monotonic() < deadline:
        loop.pump(0.05)
        parked = server.metrics().get("livepage_parked_requests", -1)
        if parked >= len(pollers):
            break
    return parked


def phase_fanout(args, results):
    log("phase fanout: %d clients at /fan, %d publishes at %g/s, /health back to back"
        % (args.fan_clients, args.messages, args.rate))
    results["load_before_fanout"] = load_average()
    server = Server(args)
    log("  server pid %d on port %d" % (server.pid, server.port))
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: none of our sockets or threads
    stop = context.Event()
    health_results, health_sender = context.Pipe(duplex=False)
    publisher_channel, publisher_end = context.Pipe()
    prober = publisher = None
    loop = Loop(server.port)
    figures = {"clients": args.fan_clients, "messages": args.messages, "rate": args.rate}
    results["fanout"] = figures
    try:
        bodies = (b'{"location":"/fan","principal":"fan-%d"}' % index for index in range(args.fan_clients))
        registrar = Registrar(loop, bodies, args.setup_connections, args.window, keep_ids=True)
        registrar.run(args.step_timeout)
        figures["registered"] = len(registrar.ids)
        log("  %d clients registered in %.2f s%s" % (len(registrar.ids), registrar.seconds(),
                                                   "" if not registrar.errors else "; errors: %s" % registrar.errors))
        if not registrar.ids:
            raise PhaseFailed("no client registered at /fan")
        fan = FanOut(len(registrar.ids), args.messages)
        pollers = [Poller(client_id, fan.on_events) for client_id in registrar.ids]
        figures["parked"] = park(loop, server, pollers, args.step_timeout)
        log("  %d polls parked (the server's livepage_parked_requests)" % figures["parked"])

        publish_seconds = args.messages / args.rate
        prober = context.Process(target=probe_health, daemon=True, args=(
            server.port, stop, health_sender, publish_seconds + args.drain_timeout + 60, 5_000_000))
        publisher = context.Process(target=publish_on_schedule, daemon=True, args=(
            server.port, publisher_end, args.messages, args.rate, args.drain_timeout))
        prober.start()
        publisher.start()
        if not publisher_channel.poll(30):
            raise PhaseFailed("the publisher process did not start within 30 s")
        publisher_channel.recv()
        baseline_until = time.monotonic() + 2.0  # /health while everyone is parked and nothing is published
        while time.monotonic() < baseline_until:
            loop.pump(0.05)

        cpu_before, driver_before = server.cpu_seconds(), driver_cpu()
        first = time.monotonic() + 0.05
        publisher_channel.send(first)
        expected = fan.clients * args.messages
        publishes = None
        deadline = first + publish_seconds + 2 * args.drain_timeout
        while time.monotonic() < deadline:
            loop.pump(0.01)
            if publishes is None and publisher_channel.poll():
                publishes = publisher_channel.recv()
                deadline = min(deadline, time.monotonic() + args.drain_timeout)
            if publishes is not None and fan.total_delivered() >= expected:
                break
        end = time.monotonic()
        cpu = server.cpu_seconds() - cpu_before
        driver = driver_cpu() - driver_before
        stop.set()
        if publishes is None:
            publishes = publisher_channel.recv() if publisher_channel.poll(10) else []
        samples = health_results.recv() if health_results.poll(60) else (b"", b"", -1)
        starts, latencies = array.array("d"), array.array("d")
        starts.frombytes(samples[0])
        latencies.frombytes(samples[1])

        # A fan-out is under way from its publish being written until the server answers it,
        # which it does once every client has the event queued (the server's time, not ours).
        windows = merged_windows([(written, answered or end) for written, answered, _, _ in publishes])
        window_starts = [since for since, _ in windows]
        before, during, between = [], [], []  # between: after the first publish, no fan-out under way (a control)
        for started_at, latency in zip(starts, latencies):
            if started_at + latency < first:
                before.append(latency * 1e3)
                continue
            # The last window starting before this request's answer: does it end after the request started?
            index = bisect.bisect_left(window_starts, started_at + latency) - 1
            if index >= 0 and windows[index][1] > started_at:
                during.append(latency * 1e3)
            elif started_at < end:
                between.append(latency * 1e3)
        delivered = fan.total_delivered()
        answered = [publish for publish in publishes if publish[1] is not None]
        figures.update({
            "health_parked_ms": summarize(before), "health_fanout_ms": summarize(during),
            "health_between_ms": summarize(between),
            "health_parked_s": round(first - starts[0], 2) if starts and starts[0] < first else 0.0,
            "health_requests": len(starts), "health_failures": samples[2],
            "expected": expected, "delivered": delivered, "duplicates": fan.duplicates,
            "foreign": fan.foreign, "gone": dict(fan.gone),
            "publishes": len(publishes), "publish_statuses": dict(Counter(publish[2] for publish in answered)),
            "publish_delivered": sum(publish[3] or 0 for publish in answered),
            "publish_answer_ms": summarize([(publish[1] - publish[0]) * 1e3 for publish in answered]),
            "fanout_under_way_s": round(sum(to - since for since, to in windows), 2),
            "between_fanouts_s": round(max(0.0, end - first - sum(to - since for since, to in windows)), 2),
            "delivery_latency_ms": summarize([latency * 1e3 for latency in fan.latencies]),
            "span_s": round(end - first, 2), "server_cpu_s": round(cpu, 2), "driver_cpu_s": round(driver, 2)})
        log("  /health while parked: %s ms; during the fan-outs: %s ms; between them: %s ms (%d requests, %d failed)"
            % (figures["health_parked_ms"], figures["health_fanout_ms"], figures["health_between_ms"], len(starts),
               samples[2]))
        log("  publishes answered %d of %d (%s), in %s ms; fan-outs under way %.2f s of %.2f s"
            % (len(answered), args.messages, figures["publish_statuses"], figures["publish_answer_ms"],
               figures["fanout_under_way_s"], end - first))
        log("  deliveries seen %d of %d (duplicates %d, foreign %d, clients gone %s), latency to this script %s ms; "
            "server CPU %.2f s (deliveries and /health), this script's CPU %.2f s"
            % (delivered, expected, fan.duplicates, fan.foreign, dict(fan.gone), figures["delivery_latency_ms"],
               cpu, driver))
    finally:
        stop.set()
        for process in (prober, publisher):
            if process is not None:
                process.join(5)
                if process.is_alive():
                    process.terminate()
                    process.join(5)
        loop.close()
        status, seconds = server.stop()
        figures["server_exit"] = status
        figures["server_internal_errors"] = server.internal_errors
        log("  server exit %s after SIGTERM (%.1f s)" % (status, seconds))


# ---- the report

def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return "{:,.{}f}".format(value, digits)
    if isinstance(value, int):
        return "{:,}".format(value)
    return str(value)


def report(args, results):
    lines = ["", "## busy_location.py, %s UTC" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
             "", "    " + " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]), "",
             "server: `%s` (%s)%s; load average %s at the start, %s before the joins, %s before the fan-out, "
             "%s at the end" % (args.server, results.get("server_version", "?"), "" if args.anonymous_cap_flag else
                                ", without --max-anonymous-clients", results.get("load_start"),
                                results.get("load_before_joins", "-"), results.get("load_before_fanout", "-"),
                                results.get("load_end")), "",
             "| figure | value |", "|---|---|"]
    setup = results.get("setup")
    if setup:
        lines.append("| %s principals registered at /busy | %s in %s s (%s/s), server CPU %s s%s |"
                     % (fmt(args.principals), fmt(setup["registered"]), fmt(setup["seconds"], 2), fmt(setup["per_s"], 0),
                        fmt(setup["server_cpu_s"], 2), "" if setup["complete"] else ", **stopped at the step timeout**"))
    for key, name in (("busy", "/busy (%s principals)" % fmt(args.principals)), ("quiet", "/quiet (starts empty)")):
        joins = results.get(key)
        if joins:
            note = "" if joins["complete"] else ", **stopped at the step timeout**"
            lines.append("| joins at %s: joins/s | %s (%s joins in %s s%s) |"
                         % (name, fmt(joins["joins_per_s"], 0), fmt(joins["joins"]), fmt(joins["seconds"], 2), note))
            lines.append("| joins at %s: server CPU µs per join | %s |" % (name, fmt(joins["server_cpu_us_per_join"])))
    ratio = results.get("busy_over_quiet")
    if ratio:
        lines.append("| /busy ÷ /quiet: joins/s; CPU per join | %s; %s |"
                     % (fmt(ratio["joins_per_s"], 2), fmt(ratio["server_cpu_per_join"], 2)))
    fan = results.get("fanout")
    if fan and "health_fanout_ms" in fan:
        for key, name, seconds in (("health_parked_ms", "while parked, before publishing", fan["health_parked_s"]),
                                   ("health_fanout_ms", "while a fan-out was under way", fan["fanout_under_way_s"]),
                                   ("health_between_ms", "between fan-outs", fan["between_fanouts_s"])):
            h = fan[key]
            lines.append("| /health %s: latency ms p50 / p99 / max; answers (per s) | %s / %s / %s; %s (%s) |"
                         % (name, fmt(h["p50"], 2), fmt(h["p99"], 2), fmt(h["max"], 2), fmt(h["count"]),
                            fmt(h["count"] / seconds, 0) if seconds else "-"))
        p = fan["publish_answer_ms"]
        lines.append("| fan-out of one publish to %s clients (publish written to answered), ms: p50 / max | %s / %s |"
                     % (fmt(fan["registered"]), fmt(p["p50"]), fmt(p["max"])))
        lines.append("| %s publishes at %s/s: deliveries seen (duplicates) | %s of %s (%s) |"
                     % (fmt(args.messages), fmt(args.rate, 0), fmt(fan["delivered"]), fmt(fan["expected"]),
                        fmt(fan["duplicates"])))
        lines.append("| server CPU s from the first publish to the last delivery (deliveries and /health) | %s |"
                     % fmt(fan["server_cpu_s"], 2))
    for line in lines:
        log(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--server", default=".build/release/livepage-server", help="the livepage-server to start")
    parser.add_argument("--allow-debug", action="store_true", help="measure a debug build anyway")
    parser.add_argument("--old-server-compat", action="store_true",
                        help="never pass --max-anonymous-clients (servers before 9f4194c have no such flag)")
    parser.add_argument("--phases", default="joins,fanout", help="which phases to run, comma-separated")
    parser.add_argument("--principals", type=int, default=50_000, help="principals registered at /busy first")
    parser.add_argument("--joins", type=int, default=20_000, help="joins measured at /busy and at /quiet")
    parser.add_argument("--setup-connections", type=int, default=4, help="connections for registering in bulk")
    parser.add_argument("--join-connections", type=int, default=2, help="connections for the measured joins")
    parser.add_argument("--window", type=int, default=64, help="registrations in flight per connection")
    parser.add_argument("--fan-clients", type=int, default=10_000, help="clients parked at /fan")
    parser.add_argument("--messages", type=int, default=20, help="publishes to /fan")
    parser.add_argument("--rate", type=float, default=2.0, help="publishes per second")
    parser.add_argument("--step-timeout", type=float, default=40.0, help="seconds for each registration, join or parking step")
    parser.add_argument("--drain-timeout", type=float, default=30.0, help="seconds after the last publish for the deliveries")
    args = parser.parse_args()
    phases = [phase for phase in args.phases.split(",") if phase]
    if not phases or any(phase not in ("joins", "fanout") for phase in phases):
        parser.error("--phases takes joins, fanout or both")
    if min(args.principals, args.joins, args.setup_connections, args.join_connections, args.window, args.fan_clients,
           args.messages) < 1 or args.rate <= 0 or args.messages > 1000:
        parser.error("counts must be at least 1 (--messages at most 1000) and --rate above 0")
    if not os.access(args.server, os.X_OK):
        parser.exit(2, "busy_location.py: no server at %s: run 'swift build -c release --product livepage-server' "
                       "in the package root, or pass --server\n" % args.server)
    if any("/debug/" in path for path in (os.path.abspath(args.server), os.path.realpath(args.server))) \
            and not args.allow_debug:
        parser.exit(2, "busy_location.py: %s is a debug build; measure a release build (or pass --allow-debug)\n"
                    % args.server)

    def server_says(flag):
        """What the server prints for flag, when it exits 0 within 10 s; else ""."""
        try:
            answer = subprocess.run([args.server, flag], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return answer.stdout + answer.stderr if answer.returncode == 0 else ""

    args.anonymous_cap_flag = not args.old_server_compat and "--max-anonymous-clients" in server_says("--help")
    results = {"server": args.server, "load_start": load_average()}
    results["server_version"] = (server_says("--version").strip().splitlines() or ["no --version"])[0]

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if "fanout" in phases and limit != resource.RLIM_INFINITY and args.fan_clients + 64 > limit:
        args.fan_clients = max(1, limit - 64)
        log("RLIMIT_NOFILE is %d: --fan-clients lowered to %d" % (limit, args.fan_clients))
    def interrupted(signal_number, frame):  # SIGTERM ends the run as Ctrl-C does: servers stopped, figures printed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    log("busy_location.py: %s (%s), load average %s" % (args.server, results["server_version"], results["load_start"]))

    failed = []
    for phase in phases:
        try:
            (phase_joins if phase == "joins" else phase_fanout)(args, results)
        except PhaseFailed as error:
            failed.append("%s: %s" % (phase, error))
            log("phase %s failed: %s" % (phase, error))
        except KeyboardInterrupt:
            failed.append("%s: interrupted" % phase)
            log("interrupted")
            break
    results["load_end"] = load_average()
    results["failed"] = failed
    report(args, results)
    log("")
    log("RESULT " + json.dumps(results, sort_keys=True))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
