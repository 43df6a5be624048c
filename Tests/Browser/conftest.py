"""Fixtures of the browser tests: the real `livepage-server` process, headless Chromium
driven by Selenium, a static file server for test pages of another origin, and helpers
to publish and to wait for conditions.

The server binary is `$LIVEPAGE_SERVER`, or `.build/debug/livepage-server` under the
package root; the README's example program, `PollApp`, is the one beside it. Chromium
and its driver are Debian's (`chromium`, `chromium-driver`); Selenium and pytest come
from PyPI. From the package root:

    swift build && python3 -m pytest -q Tests/Browser

`swift test` runs them too (Tests/LivePageServerTests/BrowserTests.swift), in shards
that run side by side: `LIVEPAGE_BROWSER_SHARD=2/3` runs the second of three.
"""

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PUBLISH_KEY = "browser-tests-publish-key-0001"

#: Deadlines for conditions: generous, since a busy 2-core machine runs these.
DEADLINE = 30


# Seconds each file took alone on a 2-core machine, to balance the shards: the suite mostly
# waits (for a server to restart, for a backoff to grow), so shards side by side finish in
# a third of the time. A file missing here counts as 5 s; every file runs in some shard.
FILE_SECONDS = {
    "test_client_protocol.py": 40, "test_restart.py": 32, "test_admin.py": 25, "test_tabs.py": 21,
    "test_backends.py": 16, "test_input_containment.py": 15, "test_page_verbs.py": 10, "test_chat.py": 9,
    "test_verbs.py": 6, "test_attack.py": 6,
}


def pytest_collection_modifyitems(config, items):
    """With `LIVEPAGE_BROWSER_SHARD=I/N`, keeps the tests of shard I of N: whole files,
    each given to the shard with the fewest seconds so far, heaviest first. Every shard
    computes the same split from the same collection."""
    shard = os.environ.get("LIVEPAGE_BROWSER_SHARD")
    if not shard:
        return
    index, count = (int(part) for part in shard.split("/"))
    if not 1 <= index <= count:
        raise pytest.UsageError(f"LIVEPAGE_BROWSER_SHARD={shard}: the shard must be 1 to {count}")
    files = sorted({item.path.name for item in items}, key=lambda name: (-FILE_SECONDS.get(name, 5), name))
    totals = [0] * count
    owner = {}
    for name in files:
        lightest = totals.index(min(totals))
        owner[name] = lightest + 1
        totals[lightest] += FILE_SECONDS.get(name, 5)
    kept = [item for item in items if owner[item.path.name] == index]
    config.hook.pytest_deselected(items=[item for item in items if owner[item.path.name] != index])
    items[:] = kept


class LivePageServer:
    """One `livepage-server` process, started on a free port (or a given one), whose
    standard error is collected line by line."""

    def __init__(self, *arguments):
        self.binary = os.environ.get("LIVEPAGE_SERVER") or str(ROOT / ".build/debug/livepage-server")
        self.arguments = list(arguments)
        self.port = 0
        self.process = None
        self.lines = []
        self._condition = threading.Condition()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path="/"):
        return self.origin + path

    def start(self, port=None):
        """Starts the process and waits for its `listening on` line; a port still held
        by the previous process is tried again."""
        port = self.port if port is None else port
        deadline = time.monotonic() + DEADLINE
        while True:
            mark = len(self.lines)
            self._spawn(port)
            origin = self._wait_for_listening(mark, deadline)
            if origin:
                self.port = int(origin.rsplit(":", 1)[1])
                return self
            code = self.process.wait(timeout=10)
            self._join_reader()
            if time.monotonic() > deadline:
                raise RuntimeError(f"livepage-server did not start (exit {code}):\n" + "\n".join(self.lines))
            time.sleep(0.5)

    def command(self, port):
        """The command line that starts the server on `port`, and variables to set for it."""
        return [self.binary, "--host", "127.0.0.1", "--port", str(port), "--publish-key", PUBLISH_KEY,
                "--shutdown-grace", "1", *self.arguments], {}

    def _spawn(self, port):
        command, variables = self.command(port)
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, env={**os.environ, **variables})
        self._reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self._reader.start()

    def _read(self, process):
        for line in process.stderr:
            with self._condition:
                self.lines.append(line.rstrip("\n"))
                self._condition.notify_all()
        with self._condition:
            self.lines.append(f"(exited {process.wait()})")
            self._condition.notify_all()

    def _wait_for_listening(self, seen, deadline):
        """The origin from `listening on http://HOST:PORT/...` among the lines after
        `seen`, or None if the process exits."""
        with self._condition:
            while time.monotonic() < deadline:
                for line in self.lines[seen:]:
                    if "listening on http://" in line:
                        address = line.split("listening on ", 1)[1].split()[0]
                        return address.split("/", 3)[0] + "//" + address.split("/", 3)[2]
                    if line.startswith("(exited"):
                        return None
                seen = len(self.lines)
                self._condition.wait(timeout=1)
        raise RuntimeError("livepage-server said nothing of listening:\n" + "\n".join(self.lines))

    def kill(self):
        """SIGKILL: the server vanishes without a word, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._join_reader()

    def _join_reader(self):
        """Waits until every line of the stopped process is read, so that its exit line
        is never taken for the next process's."""
        if self.process and self.process.poll() is not None:
            self._reader.join(timeout=10)

    def signal(self, number):
        self.process.send_signal(number)

    def terminate(self):
        """SIGTERM: a graceful shutdown (503 with Retry-After to every poll)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._join_reader()

    def publish(self, location, events, **extra):
        """Publishes `events` to every client at `location`; returns the JSON answer."""
        body = {"to": {"location": location}, "events": events, **extra}
        return self.post_json("/livepage/publish", body, key=PUBLISH_KEY)

    def presence(self, location):
        request = urllib.request.Request(
            self.url("/livepage/presence?location=" + urllib.request.quote(location, safe="")),
            headers={"Authorization": "Bearer " + PUBLISH_KEY})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def post_json(self, path, body, key=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = "Bearer " + key
        request = urllib.request.Request(self.url(path), data=json.dumps(body).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)


@pytest.fixture
def livepage_server():
    """A factory of started servers, each stopped at the end of the test:
    `livepage_server("--refresh", "2", "--grace", "1")`."""
    servers = []

    def start(*arguments):
        server = LivePageServer(*arguments).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.kill()
    for server in servers:
        errors = [line for line in server.lines if "internal error" in line]
        assert not errors, "the server logged internal errors:\n" + "\n".join(errors)


@pytest.fixture
def server(livepage_server):
    """A server with short timings: refresh 2 s, grace 1 s."""
    return livepage_server("--refresh", "2", "--grace", "1")


def chromium_options():
    options = Options()
    for path in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.path.exists(path):
            options.binary_location = path
            break
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1000,720", "--hide-scrollbars", "--no-first-run",
                     "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                     "--disable-backgrounding-occluded-windows", "--disable-extensions",
                     "--lang=en-US", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    # Report unexpected alerts instead of accepting them silently.
    options.unhandled_prompt_behavior = "ignore"
    return options


class Browser:
    """A headless Chromium with its chromedriver, and helpers for LivePage pages."""

    def __init__(self):
        driver_path = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None
        service = Service(executable_path=driver_path) if driver_path else Service()
        self.service = service
        self.driver = webdriver.Chrome(options=chromium_options(), service=service)
        self.driver.set_script_timeout(DEADLINE)
        self.killed = False

    def __getattr__(self, name):
        return getattr(self.driver, name)

    def wait(self, condition, message, timeout=DEADLINE):
        """Waits until `condition(browser)` is truthy, returning its value; fails with
        `message` (a string, or a function giving one, called at the deadline)."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda _: condition(self))
        except TimeoutException:
            raise AssertionError(message() if callable(message) else message) from None

    def wait_js(self, expression, message, timeout=DEADLINE):
        """Waits until the JavaScript `expression` is truthy, returning its value."""
        return self.wait(lambda b: b.driver.execute_script("return " + expression), message, timeout)

    def state(self):
        return self.driver.execute_script("return document.documentElement.getAttribute('data-livepage-state')")

    def wait_state(self, state, timeout=DEADLINE):
        self.wait(lambda b: b.state() == state, f"the page never reached the state {state!r} (last: {self.state()!r})",
                  timeout)

    def texts(self, selector):
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent)", selector)

    def kill(self):
        """Kills the browser and everything it started, as a crash would: no pagehide,
        no beacon; only the kernel closes its connections."""
        for pid in reversed(descendants(self.service.process.pid)):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.killed = True

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            if self.service.process and self.service.process.poll() is None:
                self.service.process.kill()


def descendants(pid):
    """The ids of every process below `pid`, parents before children."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError):
            continue
    result, queue = [], [pid]
    while queue:
        for child in children.get(queue.pop(0), []):
            result.append(child)
            queue.append(child)
    return result


@pytest.fixture
def browsers():
    """A factory of headless Chromium browsers, each quit at the end of the test.
    Keep to two or three at once: Chromium is heavy on a 2-core machine."""
    opened = []

    def open_browser():
        browser = Browser()
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.quit()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@pytest.fixture
def static_pages():
    """Tests/Browser/pages served by Python's http.server on a free port: pages of
    another origin than the LivePage server's. Yields the origin."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(HERE / "pages")))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def wait_until(condition, message, timeout=DEADLINE, interval=0.1):
    """Waits, outside a browser, until `condition()` is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(interval)


@pytest.fixture
def fake():
    """A scripted stand-in for the server (fake_livepage.FakeLivePage), refresh 1 s."""
    from fake_livepage import FakeLivePage

    server = FakeLivePage(refresh=1)
    yield server
    server.close()
