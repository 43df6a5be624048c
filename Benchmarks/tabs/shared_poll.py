#!/usr/bin/env python3
"""Server cost per delivered event: tabs that share one long-poll per browser
(`POST /livepage/poll`) against the same tabs each polling alone
(`GET /livepage/clients/{id}/output`).

Starts `livepage-server` (a release build by default) on a free loopback port, then, for
each way of polling: registers BROWSERS x TABS clients at one location, parks their polls
(one connection per browser, or one per tab), publishes EVENTS events to the location one
at a time, each only once every client has received the one before (so every answer
carries one event: the worst case for the number of answers), and reads the server's CPU
time from /proc before and after. Prints the server's CPU time per delivered (client,
event) pair, and the answers it wrote. A benchmark, not a test: it prints figures and
fails only if an event is lost or repeated.

    swift build -c release --product livepage-server
    python3 Benchmarks/tabs/shared_poll.py --browsers 20 --tabs 10 --events 300

Standard library only; every connection goes to 127.0.0.1; the run ends by itself.
"""

import argparse
import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """The user and system CPU time of process `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(self, method, path, body=None, headers=()):
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for name, value in headers:
            head += f"{name}: {value}\r\n"
        data = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length) if length else b""
        return status, payload

    def close(self):
        self.writer.close()


class Tabs:
    """Every client of one run: what each has received, and who waits for what."""

    def __init__(self, clients):
        self.clients = clients
        self.after = {client: 0 for client in clients}
        self.seen = {client: [] for client in clients}
        self.answers = 0
        self.changed = asyncio.Event()

    def take(self, client, events):
        for event in events:
            if event["seq"] > self.after[client]:
                self.after[client] = event["seq"]
                if event.get("verb") == "append":
                    self.seen[client].append(event["html"])
        self.changed.set()

    async def until(self, condition, timeout=60):
        deadline = time.monotonic() + timeout
        while not condition():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("timed out")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


async def poll_alone(port, tabs, client, stop):
    connection = await Connection.open(port)
    try:
        while not stop.is_set():
            status, payload = await connection.request("GET", f"/livepage/clients/{client}/output?after={tabs.after[client]}")
            tabs.answers += 1
            if status != 200:
                raise RuntimeError(f"output answered {status}")
            tabs.take(client, json.loads(payload)["events"])
    finally:
        connection.close()


async def poll_shared(port, tabs, clients, stop):
    connection = await Connection.open(port)
    try:
        while not stop.is_set():
            body = {"clients": [{"client": client, "after": tabs.after[client]} for client in clients]}
            status, payload = await connection.request("POST", "/livepage/poll", body)
            tabs.answers += 1
            if status != 200:
                raise RuntimeError(f"poll answered {status}")
            for client, result in zip(clients, json.loads(payload)["results"]):
                if "events" not in result:
                    raise RuntimeError(f"a client was refused: {result}")
                tabs.take(client, result["events"])
    finally:
        connection.close()


async def metric(port, name):
    connection = await Connection.open(port)
    try:
        _, payload = await connection.request("GET", "/livepage/metrics")
    finally:
        connection.close()
    match = re.search(rf"^{name} (\d+)$", payload.decode(), re.M)
    return int(match.group(1)) if match else None


async def run(mode, port, pid, key, browsers, per_browser, events):
    location = f"/tabs-{mode}"
    control = await Connection.open(port)
    clients = []
    for _ in range(browsers * per_browser):
        status, payload = await control.request("POST", "/livepage/clients", {"location": location})
        assert status == 201, payload
        clients.append(json.loads(payload)["client"])
    tabs = Tabs(clients)
    stop = asyncio.Event()
    if mode == "shared":
        groups = [clients[i:i + per_browser] for i in range(0, len(clients), per_browser)]
        pollers = [asyncio.create_task(poll_shared(port, tabs, group, stop)) for group in groups]
        parked = len(groups)
    else:
        pollers = [asyncio.create_task(poll_alone(port, tabs, client, stop)) for client in clients]
        parked = len(clients)
    deadline = time.monotonic() + 60
    while await metric(port, "livepage_parked_requests") != parked:
        if time.monotonic() > deadline:
            raise RuntimeError("the polls never all parked")
        await asyncio.sleep(0.05)
    tabs.answers = 0
    started, cpu_before = time.monotonic(), cpu_seconds(pid)
    auth = [("Authorization", f"Bearer {key}")]
    for n in range(events):
        html = f"<i>{n}</i>"
        status, payload = await control.request(
            "POST", "/livepage/publish", {"to": {"location": location}, "events": [{"verb": "append", "id": "log", "html": html}]}, auth)
        assert status == 200, payload
        await tabs.until(lambda: all(seen and seen[-1] == html for seen in tabs.seen.values()))
    cpu = cpu_seconds(pid) - cpu_before
    elapsed = time.monotonic() - started
    answers = tabs.answers
    stop.set()
    for poller in pollers:
        poller.cancel()
    await asyncio.gather(*pollers, return_exceptions=True)
    expected = [f"<i>{n}</i>" for n in range(events)]
    broken = sum(1 for seen in tabs.seen.values() if seen != expected)
    for client in clients:
        await control.request("POST", f"/livepage/clients/{client}/close", {})
    control.close()
    delivered = len(clients) * events
    return {"mode": mode, "connections": parked, "delivered": delivered, "answers": answers, "cpu_s": cpu,
            "us_per_event": cpu / delivered * 1e6, "elapsed_s": elapsed, "broken": broken}


def start_server(binary, key):
    process = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", "0", "--publish-key", key, "--no-demo", "--refresh", "25",
         "--max-clients", "100000"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    for line in process.stderr:
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match:
            return process, int(match.group(1))
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError("livepage-server did not start")


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=str(ROOT / ".build/release/livepage-server"))
    parser.add_argument("--browsers", type=int, default=20, help="browsers, each with --tabs tabs (default 20)")
    parser.add_argument("--tabs", type=int, default=10, help="tabs per browser, at most 32 (default 10)")
    parser.add_argument("--events", type=int, default=300, help="events published, one at a time (default 300)")
    options = parser.parse_args()
    key = secrets.token_hex(16)
    process, port = start_server(options.server, key)
    try:
        results = []
        for mode in ("separate", "shared", "separate", "shared"):
            results.append(await run(mode, port, process.pid, key, options.browsers, options.tabs, options.events))
    finally:
        process.terminate()
        process.wait(timeout=20)
    print(f"{options.browsers} browsers x {options.tabs} tabs, {options.events} events, server {options.server}")
    print(f"{'mode':<9} {'conns':>6} {'delivered':>10} {'answers':>8} {'server cpu s':>13} {'us/event':>9} {'broken':>7}")
    for r in results:
        print(f"{r['mode']:<9} {r['connections']:>6} {r['delivered']:>10} {r['answers']:>8} {r['cpu_s']:>13.2f} "
              f"{r['us_per_event']:>9.2f} {r['broken']:>7}")
    return 1 if any(r["broken"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
