#!/usr/bin/env python3
"""publish-ids.py: the server's memory under a flood of publishes that carry an `id`.

    Benchmarks/faults/publish-ids.py [--server PATH] [--publishes 150000]

A publish with an `id` is remembered for 5 minutes so that a retry is not delivered twice
(PROTOCOL.md), at most 100,000 ids (PublishDeduplicator). This floods a fresh
livepage-server (--server, or SERVER, default ../../.build/release/livepage-server) with
publishes to a location nobody is at: first 50,000 without an id, then --publishes with a
fresh id each, pipelined 100 at a time on one connection, and prints the server's VmRSS
after each 25,000, so that one sees what one remembered id costs and that the memory
levels off at the capacity. Only the Python standard library is used.
"""

import argparse
import json
import os
import socket
import subprocess
import sys

KEY = "ids-publish-key-0123456789"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get("SERVER", os.path.join(here, "../../.build/release/livepage-server")))
    parser.add_argument("--publishes", type=int, default=150_000)
    args = parser.parse_args()
    if not os.access(args.server, os.X_OK):
        sys.exit("publish-ids.py: no server at %s: run 'swift build -c release', or pass --server" % args.server)

    server = subprocess.Popen([args.server, "--port", "0", "--publish-key", KEY, "--no-demo"], stderr=subprocess.PIPE, text=True)
    port = None
    for line in server.stderr:
        if "listening on http://" in line:
            port = int(line.split("listening on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            break
    if port is None:
        sys.exit("publish-ids.py: the server did not start")

    def resident_kib():
        with open("/proc/%d/status" % server.pid) as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    connection = socket.create_connection(("127.0.0.1", port))
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pending = bytearray()

    def flood(count, tag):
        sent = 0
        while sent < count:
            batch = min(100, count - sent)
            out = bytearray()
            for index in range(sent, sent + batch):
                publish = {"to": {"location": "/nobody"}, "events": [{"verb": "n", "n": index}]}
                if tag:
                    publish["id"] = "%s-%d" % (tag, index)
                body = json.dumps(publish).encode()
                out += (b"POST /livepage/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (KEY.encode(), len(body), body))
            connection.sendall(out)
            answered = 0
            while answered < batch:
                end = pending.find(b"\r\n\r\n")
                if end >= 0:
                    head = bytes(pending[:end]).decode("latin-1")
                    status = int(head.split(" ", 2)[1])
                    length = next(int(line.split(":")[1]) for line in head.split("\r\n") if line.lower().startswith("content-length"))
                    if len(pending) >= end + 4 + length:
                        if status != 200:
                            sys.exit("publish-ids.py: a publish was answered %d" % status)
                        del pending[:end + 4 + length]
                        answered += 1
                        continue
                data = connection.recv(1 << 16)
                if not data:
                    sys.exit("publish-ids.py: the server closed the connection")
                pending.extend(data)
            sent += batch

    print("server %s (pid %d); resident memory (VmRSS):" % (args.server, server.pid), flush=True)
    print("  at start                              %7d KiB" % resident_kib(), flush=True)
    flood(50_000, None)
    baseline = resident_kib()
    print("  after 50,000 publishes without an id  %7d KiB" % baseline, flush=True)
    done = 0
    while done < args.publishes:
        step = min(25_000, args.publishes - done)
        flood(step, "run%d" % done)
        done += step
        kib = resident_kib()
        print("  after %7d publishes with an id     %7d KiB (+%d KiB, %d bytes per id so far)"
              % (done, kib, kib - baseline, (kib - baseline) * 1024 // min(done, 100_000)), flush=True)
    server.terminate()
    print("server exit status %s" % server.wait(timeout=60))


if __name__ == "__main__":
    main()
