"""A scripted stand-in for the LivePage server, to test livepage.js's side of PROTOCOL.md
exactly: repeated seqs, 409, 410, 503 with and without Retry-After, a poll never
answered, events no real server would send. It serves the pages of pages/,
Resources/livepage.js and whatever a test adds with `serve`, at its own origin, and
logs every request with the time it arrived (any other path is a 404, logged too)."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parents[1] / "Resources" / "livepage.js"


class Answer:
    """One scripted answer: a status, a JSON body, headers, and how long to wait first."""

    def __init__(self, status=200, body=None, headers=None, delay=0.0):
        self.status, self.body, self.headers, self.delay = status, body, headers or {}, delay


def events(*seqs, verb="score"):
    """A 200 answer holding a custom event for each seq."""
    return Answer(200, {"events": [{"seq": seq, "verb": verb, "n": seq} for seq in seqs]})


class Request:
    def __init__(self, method, path, query, body):
        self.at = time.monotonic()
        self.method, self.path, self.query, self.body = method, path, query, body

    @property
    def kind(self):
        """`register`, `output`, `online`, `input`, `close`, or the path."""
        if self.path == "/livepage/clients":
            return "register"
        return self.path.rsplit("/", 1)[-1] if self.path.startswith("/livepage/clients/") else self.path

    @property
    def client(self):
        parts = self.path.split("/")
        return parts[3] if len(parts) > 4 else None

    def __repr__(self):
        return f"{self.method} {self.path}?{urllib.parse.urlencode(self.query)}"


class FakeLivePage:
    def __init__(self, refresh=1, idle=0.5):
        self.refresh = refresh
        self.idle = idle
        self.requests = []
        self.scripts = {"output": [], "online": []}
        self.registrations = 0
        self.files = {}
        self._condition = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, kind, *answers):
        """Queues answers for the next `output` or `online` requests, in order."""
        with self._condition:
            self.scripts[kind].extend(answers)

    def page_url(self, query="", page="verbs.html"):
        return f"{self.origin}/{page}?server={self.origin}{query}"

    def serve(self, path, body, kind="text/javascript"):
        """Serves `body` (a string) at `path` from now on."""
        with self._condition:
            self.files[path] = (body.encode(), kind)

    def of_kind(self, kind):
        with self._condition:
            return [request for request in self.requests if request.kind == kind]

    def wait_for(self, condition, message, timeout=60):
        """Waits until `condition(fake)` is truthy, as requests arrive."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                value = condition(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{message}; requests: {self.requests}")
                self._condition.wait(timeout=min(remaining, 0.5))

    def _handle(self, handler, method):
        url = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = Request(method, url.path, query, body)
        with self._condition:
            self.requests.append(request)
            self._condition.notify_all()
        page = HERE / "pages" / url.path.lstrip("/")
        if url.path.endswith(".html") and "/" not in url.path[1:] and page.is_file():
            return self._send(handler, Answer(200), raw=page.read_bytes(), kind="text/html")
        with self._condition:
            served = self.files.get(url.path)
        if served:
            return self._send(handler, Answer(200), raw=served[0], kind=served[1])
        if url.path == "/livepage/livepage.js":
            return self._send(handler, Answer(200), raw=SCRIPT.read_bytes(), kind="text/javascript")
        kind = request.kind
        if kind == "register":
            with self._condition:
                self.registrations += 1
                client = f"c{self.registrations}"
            return self._send(handler, Answer(201, {"client": client, "location": "/verbs", "principal": None,
                                                    "refresh": self.refresh, "protocol": 1, "epoch": "fake"}))
        if kind in ("output", "online"):
            with self._condition:
                answer = self.scripts[kind].pop(0) if self.scripts[kind] else None
            if answer is None:
                answer = Answer(200, {"events": []}, delay=self.idle) if kind == "output" else \
                    Answer(200, {"location": "/verbs", "principals": [], "count": 0, "anonymous": 1})
            return self._send(handler, answer)
        if kind == "close":
            return self._send(handler, Answer(204))
        if kind == "input":
            return self._send(handler, Answer(200, {"delivered": 1}))
        return self._send(handler, Answer(404, {"error": "Not here."}))

    def _send(self, handler, answer, raw=None, kind="application/json"):
        if answer.delay:
            time.sleep(answer.delay)
        payload = raw if raw is not None else (b"" if answer.body is None else json.dumps(answer.body).encode())
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("Cache-Control", "no-store")
            for name, value in answer.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page gave up on this request
