#!/usr/bin/env python3
"""soak.py: livepage-server under moderate load for 10 minutes; its memory must stay flat.

    Benchmarks/faults/soak.py [--minutes 10] [--clients 2000] [--server PATH]

Starts a livepage-server (a release build: --server, or SERVER, default
../../.build/release/livepage-server), then drives it from one thread with epoll:

- registers --clients clients at 40 locations (principals u0, u1, ..., about two tabs
  each), every one long-polling with `after`;
- publishes every 100 ms: 1 to 3 events to a location; every 10th publish to a principal,
  every 50th to everyone;
- churns every second: 2 clients close (POST close) and 2 new ones register; 2 clients
  vanish (stop polling without a word, so they expire after refresh + grace) and 2 new
  ones register; 4 clients have their connection reset (RST) and poll again;
- samples the server's VmRSS every 5 s from /proc and prints it every 30 s.

It checks what every client receives: seqs one by one, no gap, no repeat; and the events a
client applied are exactly a contiguous run of those addressed to it, starting when it
registered and, for a client still polling at the end, reaching the last one. A sample of
vanished clients must be 410 (expired) at the end, and the server must exit 0 on SIGTERM.

Exit status: 0 when every check held, 1 when one did not, 2 when the run could not start.
Only the Python standard library is used.
"""

import argparse
import heapq
import json
import os
import random
import selectors
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque

KEY = "soak-publish-key-0123456789"
LOCATIONS = 40


def log(text):
    print(text, flush=True)


class Connection:
    """A non-blocking keep-alive HTTP/1.1 connection; one callback per request, in order."""

    def __init__(self, soak, owner=None):
        self.soak = soak
        self.owner = owner
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.connect_ex(("127.0.0.1", soak.port))
        self.connected = False
        self.inbuf = bytearray()
        self.outbuf = bytearray()
        self.callbacks = deque()
        self.closed = False
        self.watching = selectors.EVENT_READ | selectors.EVENT_WRITE
        soak.selector.register(self.sock, self.watching, self)
        soak.connections_opened += 1

    def request(self, data, callback):
        self.outbuf += data
        self.callbacks.append(callback)
        self.flush()

    def flush(self):
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
        if want != self.watching and not self.closed:
            self.watching = want
            self.soak.selector.modify(self.sock, want, self)

    def on_event(self, mask):
        if not self.connected and mask & selectors.EVENT_WRITE:
            if self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                self.fail()
                return
            self.connected = True
        self.flush()
        if self.closed or not mask & selectors.EVENT_READ:
            return
        try:
            data = self.sock.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.fail()
            return
        self.inbuf += data
        while not self.closed:
            end = self.inbuf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.inbuf[:end]).decode("latin-1").split("\r\n")
            status = int(head[0].split(" ")[1])
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self.inbuf) < end + 4 + length:
                return
            body = bytes(self.inbuf[end + 4:end + 4 + length])
            del self.inbuf[:end + 4 + length]
            callback = self.callbacks.popleft()
            callback(status, headers, body)

    def fail(self):
        """The peer closed or the connection broke: each waiting callback gets status 0."""
        if self.closed:
            return
        self.close()
        while self.callbacks:
            self.callbacks.popleft()(0, {}, b"")

    def close(self, reset=False):
        if self.closed:
            return
        self.closed = True
        self.soak.selector.unregister(self.sock)
        if reset:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


class Client:
    def __init__(self, location, principal):
        self.id = None
        self.location = location
        self.principal = principal
        self.connection = None
        self.after = 0
        self.received = []          # event numbers applied, in order
        self.state = "registering"  # registering, polling, closed, vanished
        self.first_possible = 0     # publishes answered when it asked to register
        self.first_certain = 0      # publishes sent when its registration was answered
        self.gone_at = None


class Soak:
    def __init__(self, args, port, pid):
        self.args = args
        self.port = port
        self.pid = pid
        self.selector = selectors.DefaultSelector()
        self.random = random.Random(args.seed)
        self.clients = []
        self.polling = []            # clients polling now (for random picks)
        self.control = None
        self.publisher = None
        self.publishes = []          # (kind, key, numbers)
        self.by_location = {}        # location -> [publish index]
        self.by_principal = {}
        self.to_everyone = []
        self.publish_in_flight = False
        self.publishes_answered = 0
        self.next_event = 0
        self.pairs_delivered = 0
        self.violations = []
        self.samples = []            # (seconds, KiB)
        self.connections_opened = 0
        self.counts = {"polls": 0, "answers": 0, "idle": 0, "events": 0, "conflicts": 0, "resets": 0,
                       "closes": 0, "vanishes": 0, "registrations": 0}

    def violation(self, text):
        if len(self.violations) < 50:
            self.violations.append(text)

    # ---- clients

    def register(self, location=None, principal=None):
        if location is None:
            location = "/soak/%d" % self.random.randrange(LOCATIONS)
            principal = "u%d" % self.random.randrange(self.args.clients // 2)
        client = Client(location, principal)
        client.first_possible = self.publishes_answered
        self.clients.append(client)
        body = json.dumps({"location": location, "principal": principal}).encode()
        self.control_request(b"POST /livepage/clients HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body),
                             lambda status, headers, answer: self.registered(client, status, answer))
        return client

    def registered(self, client, status, body):
        if status != 201:
            self.violation("registration: %d %s" % (status, body[:200]))
            client.state = "closed"
            return
        self.counts["registrations"] += 1
        client.id = json.loads(body)["client"]
        client.first_certain = len(self.publishes)
        client.state = "polling"
        self.polling.append(client)
        self.poll(client)

    def poll(self, client):
        if client.connection is None or client.connection.closed:
            client.connection = Connection(self, client)
        self.counts["polls"] += 1
        connection = client.connection
        connection.request(b"GET /livepage/clients/%s/output?after=%d HTTP/1.1\r\nHost: x\r\n\r\n"
                           % (client.id.encode(), client.after),
                           lambda status, headers, body: self.answered(client, connection, status, body))

    def answered(self, client, connection, status, body):
        if client.state != "polling" or connection is not client.connection:
            return  # a closed or vanished client, or a connection already reset
        if status == 0:
            self.violation("client %s...: the server closed its poll connection" % client.id[:8])
            client.connection = None
            self.poll(client)
            return
        if status == 409:
            self.counts["conflicts"] += 1
            self.poll(client)
            return
        if status != 200:
            self.violation("client %s...: poll answered %d %s" % (client.id[:8], status, body[:200]))
            self.drop(client, "closed")
            return
        self.counts["answers"] += 1
        events = json.loads(body)["events"]
        if not events:
            self.counts["idle"] += 1
        for event in events:
            if event["seq"] != client.after + 1:
                self.violation("client %s...: seq %d after %d" % (client.id[:8], event["seq"], client.after))
            client.after = event["seq"]
            client.received.append(event["n"])
            self.counts["events"] += 1
        self.poll(client)

    def drop(self, client, state):
        client.state = state
        client.gone_at = time.monotonic()
        self.polling.remove(client)
        if client.connection is not None:
            client.connection.close(reset=state == "vanished")
            client.connection = None

    def control_request(self, data, callback):
        if self.control is None or self.control.closed:
            self.control = Connection(self)
        self.control.request(data, callback)

    def churn(self):
        for _ in range(2):
            client = self.random.choice(self.polling)
            self.drop(client, "closed")
            self.counts["closes"] += 1
            self.control_request(b"POST /livepage/clients/%s/close HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
                                 % client.id.encode(), self.closed_answer)
            self.register()
        for _ in range(2):
            client = self.random.choice(self.polling)
            self.drop(client, "vanished")
            self.counts["vanishes"] += 1
            self.register()
        for _ in range(4):
            client = self.random.choice(self.polling)
            if client.connection is not None:
                client.connection.close(reset=True)
                client.connection = None
                self.counts["resets"] += 1
                self.poll(client)

    def closed_answer(self, status, headers, body):
        if status != 204:
            self.violation("close answered %d %s" % (status, body[:200]))

    # ---- publishing

    def publish(self):
        index = len(self.publishes)
        numbers = list(range(self.next_event, self.next_event + 1 + index % 3))
        self.next_event += len(numbers)
        if index % 50 == 49:
            kind, key, audience = "all", None, {"all": True}
            self.to_everyone.append(index)
        elif index % 10 == 9:
            principal = "u%d" % self.random.randrange(self.args.clients // 2)
            kind, key, audience = "principal", principal, {"principal": principal}
            self.by_principal.setdefault(principal, []).append(index)
        else:
            location = "/soak/%d" % self.random.randrange(LOCATIONS)
            kind, key, audience = "location", location, {"location": location}
            self.by_location.setdefault(location, []).append(index)
        self.publishes.append((kind, key, numbers))
        body = json.dumps({"to": audience, "events": [{"verb": "n", "n": n, "text": "soak event %d" % n} for n in numbers]}).encode()
        if self.publisher is None or self.publisher.closed:
            self.publisher = Connection(self)
        self.publish_in_flight = True
        self.publisher.request(b"POST /livepage/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                               b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                               % (KEY.encode(), len(body), body), self.published)

    def published(self, status, headers, body):
        self.publish_in_flight = False
        self.publishes_answered += 1
        if status != 200:
            self.violation("publish answered %d %s" % (status, body[:200]))
            return
        self.pairs_delivered += json.loads(body)["delivered"]

    # ---- the run

    def resident_kib(self):
        try:
            with open("/proc/%d/status" % self.pid) as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.pid) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def metrics(self):
        text = urllib.request.urlopen("http://127.0.0.1:%d/livepage/metrics" % self.port, timeout=30).read().decode()
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = int(value)
        return values

    def pump(self, timeout):
        for key, mask in self.selector.select(timeout):
            key.data.on_event(mask)

    def run(self):
        for index in range(self.args.clients):
            self.register("/soak/%d" % (index % LOCATIONS), "u%d" % (index // 2))
        deadline = time.monotonic() + 120
        while self.counts["registrations"] < self.args.clients:
            if time.monotonic() > deadline:
                raise SystemExit("soak.py: the clients did not register within 120 s")
            self.pump(0.05)
        start = time.monotonic()
        cpu_start = self.cpu_seconds()
        log("%d clients registered and polling; soaking for %g minutes" % (self.args.clients, self.args.minutes))
        next_publish, next_churn, next_sample, next_print = start, start + 1, start, start
        end = start + self.args.minutes * 60
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if now >= next_publish and not self.publish_in_flight:
                self.publish()
                next_publish = max(next_publish + 0.1, now - 1)
            if now >= next_churn:
                self.churn()
                next_churn += 1
            if now >= next_sample:
                self.samples.append((now - start, self.resident_kib()))
                next_sample += 5
                if now >= next_print:
                    metrics = self.metrics()
                    log("t=%4ds  rss %6d KiB  clients %5d  parked %5d  connections %5d  publishes %6d  events applied %8d"
                        % (now - start, self.samples[-1][1], metrics.get("livepage_clients", -1),
                           metrics.get("livepage_parked_requests", -1), metrics.get("livepage_http_connections", -1),
                           len(self.publishes), self.counts["events"]))
                    next_print += 30
            self.pump(0.01)
        cpu_used = self.cpu_seconds() - cpu_start
        # Let the last publish be answered and every polling client catch up.
        catch_up = time.monotonic() + 60
        while time.monotonic() < catch_up:
            until = time.monotonic() + 1
            while time.monotonic() < until:
                self.pump(0.05)
            if not self.publish_in_flight and self.caught_up():
                break
        self.samples.append((time.monotonic() - start, self.resident_kib()))
        self.check_runs(final=True)
        return cpu_used

    def expected(self, client):
        """The (publish index, event number) pairs addressed to client, in order."""
        lists = [self.by_location.get(client.location, []), self.by_principal.get(client.principal, []), self.to_everyone]
        return [(index, number) for index in heapq.merge(*lists) for number in self.publishes[index][2]]

    def caught_up(self):
        for client in self.polling:
            expected = self.expected(client)
            if not expected or (client.received and client.received[-1] == expected[-1][1]):
                continue
            if not client.received and expected[-1][0] < client.first_certain:
                continue
            return False
        return True

    def check_runs(self, final):
        for client in self.clients:
            if client.id is None:
                continue
            expected = self.expected(client)
            numbers = [number for _, number in expected]
            if not client.received:
                missed = [index for index, _ in expected if index >= client.first_certain]
                if client.state == "polling" and missed:
                    self.violation("client %s... received nothing, though publish %d was for it" % (client.id[:8], missed[0]))
                continue
            try:
                position = numbers.index(client.received[0])
            except ValueError:
                self.violation("client %s... received event %d, not addressed to it" % (client.id[:8], client.received[0]))
                continue
            first_index = expected[position][0]
            if first_index < client.first_possible:
                self.violation("client %s... received publish %d, answered before it registered" % (client.id[:8], first_index))
            if position > 0 and expected[position - 1][0] >= client.first_certain:
                self.violation("client %s... missed publish %d, sent after it registered" % (client.id[:8], expected[position - 1][0]))
            if numbers[position:position + len(client.received)] != client.received:
                self.violation("client %s... received a run that is not the events addressed to it" % client.id[:8])
            elif final and client.state == "polling" and position + len(client.received) != len(numbers):
                self.violation("client %s... applied %d events, %d were addressed to it since it registered"
                               % (client.id[:8], len(client.received), len(numbers) - position))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--server", default=os.environ.get("SERVER", os.path.join(here, "../../.build/release/livepage-server")))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    if not os.access(args.server, os.X_OK):
        sys.exit("soak.py: no server at %s: run 'swift build -c release' in the package root, or pass --server" % args.server)
    if "/debug/" in args.server:
        sys.exit("soak.py: %s is a debug build; soak a release build" % args.server)
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    server = subprocess.Popen([args.server, "--host", "127.0.0.1", "--port", "0", "--publish-key", KEY, "--no-demo"],
                              stderr=subprocess.PIPE, text=True)
    server_log = []
    listening = threading.Event()

    def read_log():  # on a thread of its own, so that the server never blocks on a full pipe
        for line in server.stderr:
            server_log.append(line)
            if "listening on http://" in line:
                listening.set()
        listening.set()

    threading.Thread(target=read_log, daemon=True).start()
    listening.wait(30)
    port = next((int(line.split("listening on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
                 for line in server_log if "listening on http://" in line), None)
    if port is None:
        server.kill()
        sys.exit("soak.py: the server did not start: %s" % "".join(server_log))
    log("server %s (pid %d) on port %d, seed %d" % (args.server, server.pid, port, args.seed))
    soak = Soak(args, port, server.pid)
    try:
        cpu_used = soak.run()
        metrics = soak.metrics()
        # Vanished clients older than refresh + grace (35 s) must have expired.
        now = time.monotonic()
        old = [client for client in soak.clients if client.state == "vanished" and now - client.gone_at > 45][:20]
        for client in old:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/livepage/clients/%s/output" % (port, client.id), timeout=30)
                soak.violation("vanished client %s... still polls" % client.id[:8])
            except urllib.error.HTTPError as error:
                reason = json.loads(error.read()).get("reason")
                if error.code != 410 or reason != "expired":
                    soak.violation("vanished client %s...: %d %s, not 410 expired" % (client.id[:8], error.code, reason))
    finally:
        server.terminate()
        try:
            status = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            status = "killed after 60 s"
        time.sleep(0.5)  # the log reader takes the last lines
        rest = "".join(server_log)
    if status != 0:
        soak.violation("the server exited with %s on SIGTERM" % status)
    if "internal error" in rest:
        soak.violation("the server logged an internal error")

    samples = [kib for _, kib in soak.samples if kib]
    warm = [kib for seconds, kib in soak.samples if kib and seconds >= 60] or samples
    at_warm_up = warm[0]
    log("")
    log("resident memory (VmRSS, KiB): start %d, after warm-up (60 s) %d, end %d, max %d (max after warm-up %d)"
        % (samples[0], at_warm_up, samples[-1], max(samples), max(warm)))
    half = soak.samples[-1][0] / 2
    first_half = max([kib for seconds, kib in soak.samples if kib and 60 <= seconds < half] or [at_warm_up])
    log("growth after warm-up: %+d KiB (%+.1f%%), %+d KiB of it in the second half of the run"
        % (samples[-1] - at_warm_up, 100.0 * (samples[-1] - at_warm_up) / at_warm_up, samples[-1] - first_half))
    log("server CPU time: %.1f s over %g minutes" % (cpu_used, args.minutes))
    log("publishes %d (%d events), (client, event) pairs queued %d; applied %d in %d polls (%d idle, %d 409)"
        % (len(soak.publishes), soak.next_event, soak.pairs_delivered, soak.counts["events"], soak.counts["polls"],
           soak.counts["idle"], soak.counts["conflicts"]))
    log("churn: %d registrations, %d closed, %d vanished (%d expired by the server), %d connections reset; %d connections opened"
        % (soak.counts["registrations"], soak.counts["closes"], soak.counts["vanishes"],
           metrics.get("livepage_client_expirations_total", -1), soak.counts["resets"], soak.connections_opened))
    log("server at the end: %d clients, %d parked, %d evictions"
        % (metrics.get("livepage_clients", -1), metrics.get("livepage_parked_requests", -1),
           metrics.get("livepage_queue_evictions_total", -1)))
    if soak.violations:
        log("VIOLATIONS:\n  " + "\n  ".join(soak.violations))
        sys.exit(1)
    log("every check held")


if __name__ == "__main__":
    main()
