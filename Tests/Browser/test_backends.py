"""The example Django and Flask apps (examples/) driving LivePage through the Python
package, in headless Chromium: the backend vets chat input through the input webhook,
pushes new items to every open page, renders pages that carry their client, and shows
who is online by display name.

Needs Flask and Django (`.ci/run` installs them); skipped without them unless
LIVEPAGE_REQUIRE_TOOLS is set, where their absence fails.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

from conftest import DEADLINE, PUBLISH_KEY, ROOT, LivePageServer, wait_until

WEBHOOK_SECRET = "browser-tests-webhook-secret-0123456789"
APPS = {"flask": "flask", "django": "django"}


def require(module):
    try:
        __import__(module)
    except ImportError:
        if os.environ.get("LIVEPAGE_REQUIRE_TOOLS", "0") not in ("", "0"):
            raise
        pytest.skip("%s not installed: python3 -m pip install %s" % (module, module))


class App:
    """An example app (examples/<kind>_app/app.py) on a free port, beside a LivePage
    server that calls its webhooks."""

    def __init__(self, kind):
        require(APPS[kind])
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            live_port = probe.getsockname()[1]
        env = dict(os.environ, LIVEPAGE_URL="http://127.0.0.1:%d" % live_port, LIVEPAGE_PUBLISH_KEY=PUBLISH_KEY,
                   LIVEPAGE_WEBHOOK_SECRET=WEBHOOK_SECRET, PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "examples" / ("%s_app" % kind) / "app.py"), "--port", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.errors = []
        threading.Thread(target=lambda: self.errors.extend(self.process.stderr), daemon=True).start()
        line = self.process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError("the %s app did not start: %s %s" % (kind, line, "".join(self.errors)))
        self.origin = line.split("listening on ", 1)[1].strip().rstrip("/")
        self.live = LivePageServer(
            "--no-demo", "--allowed-origin", self.origin, "--webhook-secret", WEBHOOK_SECRET,
            "--input-webhook", self.origin + "/hooks/input", "--presence-webhook", self.origin + "/hooks/presence",
            "--webhook-timeout", "60", "--refresh", "2", "--grace", "1")
        self.live.start(port=live_port)

    def url(self, path):
        return self.origin + path

    def add_item(self, name):
        request = urllib.request.Request(self.url("/items"), data=urllib.parse.urlencode({"name": name}).encode())
        with urllib.request.urlopen(request, timeout=DEADLINE) as response:
            return json.load(response)

    def presence_log(self):
        with urllib.request.urlopen(self.url("/presence-log"), timeout=DEADLINE) as response:
            return json.load(response)

    def close(self):
        self.live.kill()
        self.process.kill()
        self.process.wait(timeout=10)
        errors = [line for line in self.live.lines if "internal error" in line]
        assert not errors, "the server logged internal errors:\n" + "\n".join(errors)


@pytest.fixture(params=sorted(APPS))
def app(request):
    started = App(request.param)
    yield started
    started.close()


def open_chat(browsers, app, user, name):
    browser = browsers()
    browser.get(app.url("/chat?" + urllib.parse.urlencode({"user": user, "name": name})))
    browser.wait_state("connected")
    return browser


def say(browser, text):
    field = browser.find_element("id", "text")
    field.clear()
    field.send_keys(text)
    browser.find_element("css selector", "#say button").click()


def test_a_message_the_backend_vetoes_never_appears_and_the_sender_reads_why(browsers, app):
    alice = open_chat(browsers, app, "alice", "Alice Liddell")
    bob = open_chat(browsers, app, "bob", "Bob Builder")
    say(alice, "hello <b>bob</b>")
    for browser in (alice, bob):
        browser.wait(lambda b: "Alice Liddell: hello <b>bob</b>" in b.texts("#messages li"),
                     lambda: "the message never arrived: %s" % browser.texts("#messages li"))
    say(alice, "buy spam now")
    alice.wait(lambda b: b.texts("#error") == ["Your message was not sent: it mentions a banned word."],
               lambda: "the sender never read the refusal: %s" % alice.texts("#error"))
    say(alice, "sorry")
    for browser in (alice, bob):
        browser.wait(lambda b: "Alice Liddell: sorry" in b.texts("#messages li"), "the next message never arrived")
        assert not any("spam" in text for text in browser.texts("#messages li")), "the vetoed message appeared"


def test_a_new_item_published_by_the_backend_appears_on_every_other_open_page(browsers, app):
    first, second = browsers(), browsers()
    for browser in (first, second):
        browser.get(app.url("/items"))
        browser.wait_state("connected")
    first.find_element("id", "name").send_keys("a red bicycle")
    first.find_element("css selector", "#add button").click()
    for browser in (first, second):
        browser.wait(lambda b: b.texts("#items li") == ["a red bicycle"],
                     lambda: "the item never appeared: %s" % browser.texts("#items li"))
    assert app.add_item("a blue kite") == {"delivered": 2}
    second.wait(lambda b: b.texts("#items li") == ["a red bicycle", "a blue kite"], "the second item never appeared")


def test_presence_shows_display_names_and_reaches_the_backend(browsers, app):
    alice = open_chat(browsers, app, "alice", "Alice Liddell")
    open_chat(browsers, app, "bob", "Bob Builder")
    alice.wait(lambda b: b.texts("#online li") == ["Alice Liddell", "Bob Builder"],
               lambda: "presence shows %s" % alice.texts("#online li"))
    principals = alice.driver.execute_script(
        "return Array.from(document.querySelectorAll('#online li'), e => e.getAttribute('data-principal'))")
    assert principals == ["alice", "bob"]
    wait_until(lambda: {name for change in app.presence_log() for name in change["joined"]} >= {"alice", "bob"},
               lambda: "the presence webhook said %s" % app.presence_log())
    names = {}
    for change in app.presence_log():
        names.update(change.get("names", {}))
    assert names == {"alice": "Alice Liddell", "bob": "Bob Builder"}


def test_a_page_rendered_by_the_backend_receives_what_was_published_before_its_first_poll(browsers, app):
    browser = browsers()
    # The page registers its client as it renders, and waits to start polling.
    browser.get(app.url("/items?defer=1"))
    assert browser.execute_script("return typeof window.startLive") == "function"
    assert app.add_item("published before the first poll") == {"delivered": 1}
    browser.execute_script("window.startLive()")
    browser.wait(lambda b: b.texts("#items li") == ["published before the first poll"],
                 lambda: "the item published before the first poll was lost: %s" % browser.texts("#items li"))
