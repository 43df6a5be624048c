"""Fixtures of the Python package's tests: a real `livepage-server` process and a real
backend (Python's http.server on a free port) that its webhooks call.

The server binary is `$LIVEPAGE_SERVER`, or `.build/debug/livepage-server` under the
repository root. From the repository root:

    swift build --product livepage-server && python3 -m pytest -q python/tests

`swift test` runs them too (Tests/LivePageServerTests/PythonPackageTests.swift).
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

PUBLISH_KEY = "python-tests-publish-key-0001"
WEBHOOK_SECRET = "python-tests-webhook-secret-0123456789abcdef"
TOKEN_SECRET = "python-tests-token-secret-0123456789abcdefgh"
#: Deadlines for conditions: generous, since a busy 2-core machine runs these.
DEADLINE = 30


def wait_until(condition, message, timeout=DEADLINE, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(interval)


class Server:
    """One `livepage-server` process on a free port; its standard error collected."""

    def __init__(self, *arguments):
        binary = os.environ.get("LIVEPAGE_SERVER") or str(ROOT / ".build/debug/livepage-server")
        env = {key: value for key, value in os.environ.items() if not key.startswith("LIVEPAGE_")}
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--no-demo", "--publish-key", PUBLISH_KEY, "--shutdown-grace", "1", *arguments],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        self.lines = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        line = wait_until(lambda: next((l for l in self.lines if "listening on http://" in l), None)
                          or (self.process.poll() is not None and "exited"),
                          lambda: "the server did not start:\n" + "\n".join(self.lines))
        if line == "exited":
            raise AssertionError("the server exited:\n" + "\n".join(self.lines))
        self.port = int(line.split("listening on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._reader.join(timeout=10)

    def log(self):
        return "\n".join(self.lines)

    # -- what a page does ---------------------------------------------------------

    def request(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=DEADLINE) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw)
            except ValueError:
                return error.code, raw

    def register_page(self, location="/chat", principal=None, presence=None):
        body = {"location": location}
        if principal is not None:
            body["principal"] = principal
        if presence is not None:
            body["presence"] = presence
        status, answer = self.request("POST", "/livepage/clients", body)
        assert status == 201, answer
        return answer["client"]

    def send(self, client, verb, **fields):
        return self.request("POST", "/livepage/clients/%s/input" % client, dict(fields, verb=verb))

    def poll(self, client, after=0):
        status, answer = self.request("GET", "/livepage/clients/%s/output?after=%d" % (client, after))
        assert status == 200, answer
        return answer["events"]

    def metric(self, name):
        with urllib.request.urlopen(self.url + "/livepage/metrics", timeout=DEADLINE) as response:
            for line in response.read().decode().splitlines():
                parts = line.split(" ")
                if len(parts) == 2 and parts[0] == name:
                    return int(parts[1])
        return None


class Backend:
    """A backend on Python's http.server, on a free port. `answer(call)` decides each
    answer: a (status, headers, body) tuple, from the verified, parsed call. Every call
    is kept in `calls` as (headers, body bytes)."""

    def __init__(self, answer, secret=WEBHOOK_SECRET):
        from livepage import WebhookError, WebhookVerifier

        self.answer = answer
        self.verifier = WebhookVerifier(secret)
        self.calls = []
        self.verified = []
        self.answered = 0
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # One write per answer, sent at once: no 40 ms Nagle and delayed-ACK stall
            # between its head and its body.
            disable_nagle_algorithm = True
            wbufsize = 1 << 16

            def log_message(self, format, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                backend.calls.append((dict(self.headers), body))
                try:
                    call = backend.verifier.verify(body, self.headers.get("LivePage-Signature"))
                    backend.verified.append(call)
                    status, headers, payload = backend.answer(call)
                except WebhookError as error:
                    status, headers, payload = error.status, {"Content-Type": "application/json"}, json.dumps(
                        {"error": error.sentence}).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 204:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    if status != 204:
                        self.wfile.write(payload)
                    self.wfile.flush()
                except OSError:
                    pass
                backend.answered += 1

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started = []

    def start(*arguments):
        server = Server(*arguments)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        errors = [line for line in server.lines if "internal error" in line or "Fatal error" in line]
        assert not errors, "the server logged internal errors:\n" + "\n".join(errors)


@pytest.fixture
def backends():
    started = []

    def start(answer, **options):
        backend = Backend(answer, **options)
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.close()


def webhook_arguments(backend_url, *extra):
    """The flags of a server whose input goes to `backend_url`. The timeout is generous
    (a busy machine running every suite at once may take seconds), unless `extra` sets
    its own."""
    return ("--input-webhook", backend_url, "--webhook-secret", WEBHOOK_SECRET, "--webhook-timeout", "60", *extra)
