"""The server goes away while pages are open: the pages wait with growing, jittered
gaps (never a tight loop), recover, and show every later event exactly once."""

import signal

from conftest import wait_until

#: Records every fetch the page makes: [milliseconds since the page's time origin, url].
RECORD_FETCHES = """
window.tries = [];
const fetch = window.fetch;
window.fetch = function (url, init) {
  window.tries.push([performance.now(), String(url)]);
  return fetch.apply(this, arguments);
};
window.marker = "before";
"""


def open_chat(browser, server, name):
    browser.get(server.url("/?name=" + name))
    browser.wait_state("connected")
    browser.execute_script(RECORD_FETCHES)
    return browser


def tries_since(browser, start):
    """When the page asked whether the server is back (its probes, `GET .../online`),
    since `start`."""
    return [t for t, url in browser.execute_script("return window.tries") if t >= start and url.endswith("/online")]


def test_pages_recover_after_a_crash_without_a_tight_loop(server, browsers):
    alice = open_chat(browsers(), server, "alice")
    bob = open_chat(browsers(), server, "bob")
    alice.wait(lambda p: p.texts("#online li") == ["alice", "bob"], "the list never showed both names")

    killed_at = {page: page.execute_script("return performance.now()") for page in (alice, bob)}
    server.kill()
    for page in (alice, bob):
        page.wait_state("reconnecting")
    # Let alice's page try a few times against the dead port: after the failed poll,
    # probes at jittered gaps of at most 0.5, 1, 2, 4, 8, 16 s: 6 take ~17 s on average.
    alice.wait(lambda p: len(tries_since(p, killed_at[p])) >= 6, "alice's page stopped trying", timeout=120)

    for page in (alice, bob):
        tries = tries_since(page, killed_at[page])
        gaps = [(b - a) / 1000 for a, b in zip(tries, tries[1:])]
        # Never a tight loop: each try at least 0.5 s after the one before (less a little
        # for timer granularity).
        assert min(gaps, default=1) >= 0.45, f"tries too close together: {gaps}"
        # The backoff grows: the tries thin out as the ceiling doubles (0.5, 1, 2, 4, ... s).
        elapsed = (page.execute_script("return performance.now()") - killed_at[page]) / 1000
        assert len(tries) <= 2 + elapsed / 0.45
    tries = tries_since(alice, killed_at[alice])
    gaps = [(b - a) / 1000 for a, b in zip(tries, tries[1:])]
    # Gaps with ceilings 4, 8 and 16 s all below 0.8 s: a chance of 1 in 15,000.
    assert max(gaps[2:5]) > 0.8, f"the gaps did not grow: {gaps}"

    server.start()  # the same port; a new process that knows none of the old clients
    for page in (alice, bob):
        # 410 for the old client: the page reloads once and gets a new one.
        page.wait(lambda p: p.execute_script("return window.marker") is None and p.state() == "connected",
                  "the page never reloaded and reconnected", timeout=60)
    for page in (alice, bob):
        page.wait(lambda p: p.texts("#online li") == ["alice", "bob"], "the list never showed both names again")

    # Every event published after the restart is shown exactly once.
    events = [{"verb": "append", "id": "target", "html": f'<p class="news">news {n}</p>'} for n in range(5)]
    events.append({"verb": "append", "id": "target", "html": '<p class="news last">the end</p>'})
    assert server.publish("/", events) == {"delivered": 12}
    for page in (alice, bob):
        page.wait_js("document.querySelector('.news.last')", "the events never arrived")
        assert page.texts(".news") == [f"news {n}" for n in range(5)] + ["the end"]
        assert page.state() == "connected"


def test_a_stalled_server_loses_nothing(livepage_server, browsers):
    # A grace long enough that the page's client outlives the stall.
    server = livepage_server("--refresh", "2", "--grace", "60")
    page = browsers()
    page.get(server.url("/board"))
    page.wait_state("connected")
    page.execute_script("window.marker = 'kept'")
    assert server.publish("/board", [{"verb": "append", "id": "items", "html": "<li>before</li>"}]) == {"delivered": 1}
    page.wait(lambda p: p.texts("#items li") == ["before"], "the first event never arrived")

    # A stopped process: connections open, nothing answered. The page's poll times out
    # (refresh + a few seconds) and it goes on trying.
    server.signal(signal.SIGSTOP)
    try:
        page.wait_state("reconnecting", timeout=60)
    finally:
        server.signal(signal.SIGCONT)
    # Published while the page is between tries: queued for its client, delivered on the
    # next poll with the page's `after`, once.
    assert server.publish("/board", [
        {"verb": "append", "id": "items", "html": f"<li>after {n}</li>"} for n in range(3)
    ]) == {"delivered": 3}
    page.wait(lambda p: len(p.texts("#items li")) >= 4, "the events never arrived", timeout=60)
    page.wait_state("connected")
    # One more, last: once it is shown, a repeat of the earlier ones would be too.
    assert server.publish("/board", [{"verb": "append", "id": "items", "html": "<li>end</li>"}]) == {"delivered": 1}
    page.wait(lambda p: p.texts("#items li")[-1:] == ["end"], "the last event never arrived")
    assert page.texts("#items li") == ["before", "after 0", "after 1", "after 2", "end"]
    assert page.execute_script("return window.marker") == "kept"  # resumed, not reloaded
    wait_until(lambda: server.presence("/board")["anonymous"] == 1, "the page's client was lost")
