#!/usr/bin/env python3
"""The input webhook under load: inputs a second through LivePage to a backend and
back, the latency LivePage adds to the backend's own answer time, and the server's CPU
per input. A benchmark, not a test: it prints figures and fails on nothing but lost
inputs.

    swift build -c release --product livepage-server
    python3 Benchmarks/webhook/webhook_bench.py --server .build/release/livepage-server

It starts three things on loopback: `livepage-server` with `--input-webhook`; a backend
(Python's http.server, in a process of its own, keep-alive) that verifies each call's
signature with python/livepage and answers one event for the sender; and, here, page
clients (one thread and one keep-alive connection each) that send input at a fixed
total rate. For each input, the backend notes how long it took to answer (from the
call's first byte read to its answer written); the page notes the whole round trip.
What LivePage adds is the difference, input by input.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

SECRET = "webhook-benchmark-secret-0123456789abcdef"
KEY = "webhook-benchmark-publish-key-0001"


def backend_main(port_file):
    """The backend: verifies, answers one event to the sender, notes its own time."""
    import livepage

    durations = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per answer, sent at once: no 40 ms Nagle and delayed-ACK stall
        # between its head and its body.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, *args):
            pass

        def do_POST(self):
            started = time.perf_counter()
            body = self.rfile.read(int(self.headers["Content-Length"]))
            call = livepage.verify_webhook(body, self.headers.get("LivePage-Signature"), SECRET)
            _, headers, answer = livepage.accept(
                [{"verb": "text", "id": "n", "text": str(call["fields"]["n"])}], to={"client": call["client"]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
            self.wfile.flush()
            durations[call["fields"]["n"]] = time.perf_counter() - started

        def do_GET(self):
            data = json.dumps(durations).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description="the input webhook under load")
    parser.add_argument("--server", default=str(ROOT / ".build/release/livepage-server"))
    parser.add_argument("--rate", type=int, default=1000, help="inputs a second, in all (default 1000)")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load (default 10)")
    parser.add_argument("--pages", type=int, default=32, help="page clients sending at once (default 32)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load not counted (default 2)")
    arguments = parser.parse_args()

    port_file = "/tmp/livepage-webhook-bench-%d" % os.getpid()
    backend = subprocess.Popen([sys.executable, __file__, "--backend", port_file])
    while not os.path.exists(port_file) or not Path(port_file).read_text():
        time.sleep(0.05)
    backend_port = int(Path(port_file).read_text())
    os.unlink(port_file)
    env = {key: value for key, value in os.environ.items() if not key.startswith("LIVEPAGE_")}
    server = subprocess.Popen(
        [arguments.server, "--port", "0", "--no-demo", "--publish-key", KEY, "--webhook-secret", SECRET,
         "--input-webhook", "http://127.0.0.1:%d/input" % backend_port],
        stderr=subprocess.PIPE, text=True, env=env)
    port = None
    for line in server.stderr:
        if "listening on http://" in line:
            port = int(line.split("listening on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            break
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
    print("livepage-server pid %d on port %d, backend on port %d" % (server.pid, port, backend_port), flush=True)

    def request(connection, method, path, body=None):
        connection.request(method, path, body=None if body is None else json.dumps(body),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")

    clients = []
    for _ in range(arguments.pages):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        status, answer = request(connection, "POST", "/livepage/clients", {"location": "/bench"})
        clients.append((connection, answer["client"]))

    total_seconds = arguments.warmup + arguments.duration
    interval = arguments.pages / arguments.rate
    results = []  # (n, round trip, counted)
    failures = []
    start = time.perf_counter() + 0.2
    lock = threading.Lock()

    def page(index):
        connection, client = clients[index]
        slot = 0
        while True:
            due = start + index * interval / arguments.pages + slot * interval
            if due - start > total_seconds:
                return
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            n = index * 1_000_000 + slot
            sent = time.perf_counter()
            status, answer = request(connection, "POST", "/livepage/clients/%s/input" % client, {"verb": "tick", "n": n})
            took = time.perf_counter() - sent
            with lock:
                if status != 200 or answer != {"delivered": 1}:
                    failures.append((status, answer))
                else:
                    results.append((n, took, sent - start >= arguments.warmup))
            slot += 1

    cpu_before = None

    def measure_cpu():
        nonlocal cpu_before
        time.sleep(max(0, start + arguments.warmup - time.perf_counter()))
        cpu_before = (cpu_seconds(server.pid), time.perf_counter())

    meter = threading.Thread(target=measure_cpu)
    meter.start()
    threads = [threading.Thread(target=page, args=(index,)) for index in range(arguments.pages)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    meter.join()
    cpu_after = (cpu_seconds(server.pid), time.perf_counter())

    backend_connection = http.client.HTTPConnection("127.0.0.1", backend_port)
    backend_connection.request("GET", "/")
    durations = json.loads(backend_connection.getresponse().read())
    server.terminate()
    server.wait(timeout=20)
    backend.terminate()
    backend.wait(timeout=10)

    counted = [(n, took) for n, took, counts in results if counts]
    round_trips = [took for _, took in counted]
    backend_times = [durations[str(n)] for n, _ in counted]
    added = [took - durations[str(n)] for n, took in counted]
    elapsed = cpu_after[1] - cpu_before[1]
    cpu = cpu_after[0] - cpu_before[0]
    inputs_in_window = len(counted)
    ms = lambda seconds: "%.2f ms" % (seconds * 1000)
    print("inputs: %d sent, %d answered {\"delivered\": 1}, %d failed" % (len(results) + len(failures), len(results), len(failures)))
    print("measured: %d inputs in %.1f s = %.0f inputs/s (target %d), %d pages" % (
        inputs_in_window, elapsed, inputs_in_window / elapsed, arguments.rate, arguments.pages))
    print("round trip at the page:   p50 %s  p99 %s  max %s" % (
        ms(statistics.median(round_trips)), ms(percentile(round_trips, 0.99)), ms(max(round_trips))))
    print("backend's own answer:     p50 %s  p99 %s" % (ms(statistics.median(backend_times)), ms(percentile(backend_times, 0.99))))
    print("added by LivePage:        p50 %s  p99 %s  (round trip minus the backend's own time, input by input)" % (
        ms(statistics.median(added)), ms(percentile(added, 0.99))))
    print("server CPU: %.2f s in %.1f s = %.0f%% of a core, %.1f µs per input" % (
        cpu, elapsed, 100 * cpu / elapsed, 1e6 * cpu / max(1, inputs_in_window)))
    if failures:
        print("failures (first 5):", failures[:5])
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--backend":
        backend_main(sys.argv[2])
    else:
        main()
