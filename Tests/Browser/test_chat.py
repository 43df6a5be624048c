"""The demo at `/`: two visitors chatting, and who is online."""

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ROOT

XSS = "<img src=x onerror=alert(1)>"


def open_chat(browser, server, name):
    browser.get(server.url("/?name=" + name))
    browser.wait_state("connected")
    browser.wait_js(f"document.querySelector('#online li[data-principal=\"{name}\"]')",
                    f"{name} never saw themselves online")
    # Any alert() the page would run is recorded, not shown.
    browser.execute_script("window.alerts = []; window.alert = (m) => window.alerts.push(String(m));")
    return browser


def say(browser, text):
    field = browser.find_element(By.NAME, "message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def online(browser):
    return browser.texts("#online li")


def test_typed_text_reaches_both_pages_as_text(server, browsers):
    alice = open_chat(browsers(), server, "alice")
    bob = open_chat(browsers(), server, "bob")

    say(alice, "hello from alice")
    say(bob, XSS)
    for page in (alice, bob):
        page.wait(lambda p: len(p.texts("#target p")) == 2, "both messages never arrived")
        assert page.texts("#target p") == ["alice: hello from alice", "bob: " + XSS]
        # The typed HTML is text: no image, no alert, on either page.
        assert page.find_elements(By.CSS_SELECTOR, "#target img") == []
        assert page.execute_script("return window.alerts") == []
        try:
            page.switch_to.alert
            raise AssertionError("an alert is open")
        except NoAlertPresentException:
            pass
        # The name, in bold, comes from the demo's input handler.
        assert page.texts("#target p b") == ["alice", "bob"]

    # The screenshot in the README: two visitors chatting, seen by alice.
    say(bob, "Hi alice! Try typing some HTML, it stays text.")
    say(alice, "Nice, and I see you online on the right.")
    alice.wait(lambda p: len(p.texts("#target p")) == 4, "the last messages never arrived")
    alice.execute_script("document.activeElement.blur()")
    path = ROOT / "docs" / "demo.png"
    path.parent.mkdir(exist_ok=True)
    alice.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_who_is_online_shows_both_and_drops_a_closed_page_at_once(livepage_server, browsers):
    # Long timings: a drop within seconds can only come from the page's close beacon.
    server = livepage_server("--refresh", "30", "--grace", "30")
    alice = open_chat(browsers(), server, "alice")
    bob = open_chat(browsers(), server, "bob")
    for page in (alice, bob):
        page.wait(lambda p: online(p) == ["alice", "bob"], "the list never showed both names")
        assert page.find_element(By.CSS_SELECTOR, "[data-livepage-online=count]").text == "2"

    # Bob closes his tab; his browser lives on, so the beacon is sent.
    bob_tab = bob.current_window_handle
    bob.switch_to.new_window("tab")
    other = bob.current_window_handle
    bob.switch_to.window(bob_tab)
    bob.close()
    bob.switch_to.window(other)

    # Well before refresh + grace (60 s): only the beacon can have done it.
    alice.wait(lambda p: online(p) == ["alice"], "bob never left alice's list", timeout=25)
    assert alice.find_element(By.CSS_SELECTOR, "[data-livepage-online=count]").text == "1"
    assert server.presence("/")["principals"] == ["alice"]


def test_who_is_online_drops_a_killed_browser_after_refresh_and_grace(server, browsers):
    alice = open_chat(browsers(), server, "alice")
    bob = open_chat(browsers(), server, "bob")
    alice.wait(lambda p: online(p) == ["alice", "bob"], "the list never showed both names")

    bob.kill()  # no pagehide, no beacon: the server notices only by expiry (2 s + 1 s)
    alice.wait(lambda p: online(p) == ["alice"], "bob never left after refresh + grace")
    assert alice.state() == "connected"
