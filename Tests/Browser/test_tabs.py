"""Many tabs of one browser share one long-poll (PROTOCOL.md, "One poll for several
tabs"); pages that lose the network, or sit in the back/forward cache, catch up
without reloading."""

import json
import threading
import urllib.request
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import wait_until

#: How many times each event's text is on the page, from the page's own view: the
#: messages of the chat demo are `<p>`s in `#target`.
COUNT_TEXTS = """
const counts = {};
for (const p of document.querySelectorAll('#target p')) counts[p.textContent] = (counts[p.textContent] || 0) + 1;
return counts;
"""


def metric(server, name):
    with urllib.request.urlopen(server.url("/livepage/metrics"), timeout=10) as response:
        for line in response.read().decode().splitlines():
            parts = line.split(" ")
            if len(parts) == 2 and parts[0] == name:
                return int(parts[1])
    return None


def open_tabs(browser, server, count):
    """Opens the chat demo in `count` tabs of one browser; returns their window handles."""
    handles = []
    for index in range(count):
        if index:
            browser.switch_to.new_window("tab")
        browser.get(server.url(f"/?name=tab{index}"))
        browser.wait_state("connected")
        browser.execute_script("window.marker = 'kept'")
        handles.append(browser.current_window_handle)
    return handles


def each_tab(browser, handles):
    for handle in handles:
        browser.switch_to.window(handle)
        yield handle


def say(browser, text):
    field = browser.find_element(By.NAME, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def expect_each_once(browser, handles, texts):
    """Every tab shows each of `texts` exactly once, and none reloaded."""
    for _ in each_tab(browser, handles):
        browser.wait(lambda b: all(t in b.execute_script(COUNT_TEXTS) for t in texts),
                     lambda: f"a tab never showed all of {texts}: {browser.execute_script(COUNT_TEXTS)}", timeout=60)
    for _ in each_tab(browser, handles):
        counts = browser.execute_script(COUNT_TEXTS)
        assert all(counts[t] == 1 for t in texts), f"shown twice: {counts}"
        assert browser.execute_script("return window.marker") == "kept", "the tab reloaded"


def test_ten_tabs_share_one_poll_and_a_plain_request_goes_through(livepage_server, browsers):
    # A refresh long enough that a request starved of connections would wait for it.
    server = livepage_server("--refresh", "20", "--grace", "5")
    browser = browsers()
    handles = open_tabs(browser, server, 10)
    for _ in each_tab(browser, handles):
        browser.wait_state("connected")
    roles = [browser.execute_script("return LivePage.sharing") for _ in each_tab(browser, handles)]
    assert sorted(roles) == ["follower"] * 9 + ["leader"], roles
    wait_until(lambda: metric(server, "livepage_parked_requests") == 1, "the tabs never shared one parked poll")
    assert metric(server, "livepage_clients") == 10

    # A plain request of the page's origin goes through at once, not after a long-poll.
    browser.switch_to.window(handles[4])
    status = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 8000);
        fetch('/livepage/health', {cache: 'no-store', signal: controller.signal})
          .then((r) => done(r.status), (e) => done(String(e)));
    """)
    assert status == 200, f"a plain request did not go through within 8 s: {status}"

    say(browser, "typed in tab 4")
    expect_each_once(browser, handles, ["tab4: typed in tab 4"])

    # The leader closes: another tab takes over, and nothing is lost or doubled.
    roles = {h: browser.execute_script("return LivePage.sharing") for h in each_tab(browser, handles)}
    assert sorted(roles.values()) == ["follower"] * 9 + ["leader"], roles
    leader = next(h for h, role in roles.items() if role == "leader")
    browser.switch_to.window(leader)
    browser.close()
    handles.remove(leader)
    browser.switch_to.window(handles[0])
    events = [{"verb": "append", "id": "target", "html": f"<p>news {n}</p>"} for n in range(5)]
    assert server.publish("/", events) == {"delivered": 45}
    browser.switch_to.window(handles[-1])
    say(browser, "after the leader left")
    expect_each_once(browser, handles, [f"news {n}" for n in range(5)] + ["tab9: after the leader left"])
    roles = [browser.execute_script("return LivePage.sharing") for _ in each_tab(browser, handles)]
    assert sorted(roles) == ["follower"] * 8 + ["leader"], roles


def set_offline(browser, handles, offline):
    for _ in each_tab(browser, handles):
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def test_tabs_cut_off_the_network_past_refresh_and_grace_catch_up_without_reloading(livepage_server, browsers):
    # Refresh 2 s and grace 1 s: two minutes offline are, to the server, 40 refreshes; the
    # cut lasts well past refresh + grace, so every client leaves who is online.
    server = livepage_server("--refresh", "2", "--grace", "1", "--resume-window", "120")
    browser = browsers()
    handles = open_tabs(browser, server, 3)
    set_offline(browser, handles, True)
    for _ in each_tab(browser, handles):
        browser.wait_state("reconnecting", timeout=60)
    wait_until(lambda: metric(server, "livepage_clients_away") == 3, "the clients never went away", timeout=60)
    assert server.presence("/")["count"] == 0
    events = [{"verb": "append", "id": "target", "html": f"<p>while away {n}</p>"} for n in range(6)]
    for event in events:
        assert server.publish("/", [event]) == {"delivered": 3}
    set_offline(browser, handles, False)
    expect_each_once(browser, handles, [f"while away {n}" for n in range(6)])
    for _ in each_tab(browser, handles):
        browser.wait_state("connected")
    wait_until(lambda: server.presence("/")["count"] == 3, "the tabs never came back online")
    assert metric(server, "livepage_client_resumes_total") == 3
    assert metric(server, "livepage_client_expirations_total") == 0


class CacheablePage(BaseHTTPRequestHandler):
    """A page of another origin that the back/forward cache may keep (no `no-store`),
    which registers its own client with the LivePage server at `livepage`."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/away"):
            body = "<!doctype html><title>away</title><p>elsewhere</p>"
        else:
            body = f"""<!doctype html><title>cached</title>
<ul id="items"></ul>
<script src="{self.server.livepage}/livepage/livepage.js"></script>
<script>
  window.log = [];
  addEventListener("pageshow", (e) => log.push(["pageshow", e.persisted]));
  document.addEventListener("livepage:connected",
    () => log.push(["connected", document.querySelectorAll("#items li").length]));
  LivePage.start({{prefix: "{self.server.livepage}/livepage", location: "/cached"}});
</script>"""
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_a_page_back_from_the_back_forward_cache_catches_up_before_it_shows_connected(livepage_server, browsers):
    pages = ThreadingHTTPServer(("127.0.0.1", 0), CacheablePage)
    threading.Thread(target=pages.serve_forever, daemon=True).start()
    try:
        origin = f"http://127.0.0.1:{pages.server_address[1]}"
        server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", origin)
        pages.livepage = server.origin
        page = browsers()
        page.get(origin + "/")
        page.wait_state("connected")
        page.execute_script("window.marker = 'kept'")
        assert server.publish("/cached", [{"verb": "append", "id": "items", "html": "<li>before</li>"}]) == {"delivered": 1}
        page.wait(lambda p: p.texts("#items li") == ["before"], "the first event never arrived")

        page.get(origin + "/away")
        # Away past refresh + grace: the client leaves who is online but is kept.
        wait_until(lambda: metric(server, "livepage_clients_away") == 1, "the cached page's client never went away")
        assert server.publish("/cached", [
            {"verb": "append", "id": "items", "html": f"<li>while cached {n}</li>"} for n in range(3)
        ]) == {"delivered": 3}
        page.back()
        page.wait(lambda p: p.execute_script("return document.readyState") == "complete", "the page never came back")
        restored = page.execute_script("return window.marker") == "kept"
        if restored:
            page.wait_state("connected")
            page.wait(lambda p: len(p.texts("#items li")) == 4, "the restored page never caught up")
            assert page.texts("#items li") == ["before"] + [f"while cached {n}" for n in range(3)]
            log = page.execute_script("return window.log")
            assert ["pageshow", True] in log
            # Every time it showed itself connected, after the restore included, it had
            # what was published before: never a stale page shown as live.
            after_restore = log[log.index(["pageshow", True]):]
            assert all(entry[1] >= 4 for entry in after_restore if entry[0] == "connected"), log
            assert metric(server, "livepage_client_resumes_total") == 1
        else:
            # Not kept by the cache (this browser would not): a fresh page, live.
            page.wait_state("connected")
        assert restored, "headless Chromium did not keep the page in the back/forward cache"
    finally:
        pages.shutdown()
        pages.server_close()


def test_a_frozen_leader_is_replaced_and_catches_up_when_thawed(server, browsers):
    browser = browsers()
    handles = open_tabs(browser, server, 3)
    roles = {h: browser.execute_script("return LivePage.sharing") for h in each_tab(browser, handles)}
    assert sorted(roles.values()) == ["follower", "follower", "leader"], roles
    leader = next(h for h, role in roles.items() if role == "leader")
    others = [h for h in handles if h != leader]
    browser.switch_to.window(leader)
    browser.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "frozen"})
    try:
        assert server.publish("/", [{"verb": "append", "id": "target", "html": "<p>while frozen</p>"}]) == {"delivered": 3}
        expect_each_once(browser, others, ["while frozen"])
        for _ in each_tab(browser, others):
            browser.wait_state("connected")
        roles = [browser.execute_script("return LivePage.sharing") for _ in each_tab(browser, others)]
        assert sorted(roles) == ["follower", "leader"], roles
    finally:
        browser.switch_to.window(leader)
        browser.execute_cdp_cmd("Page.setWebLifecycleState", {"state": "active"})
    # Thawed, the old leader has lost the lead and polls through the new one.
    browser.wait_js("LivePage.sharing === 'follower'", "the thawed tab never followed the new leader")
    assert server.publish("/", [{"verb": "append", "id": "target", "html": "<p>after the thaw</p>"}]) == {"delivered": 3}
    expect_each_once(browser, handles, ["while frozen", "after the thaw"])
