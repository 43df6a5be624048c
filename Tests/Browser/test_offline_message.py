"""What the visitor typed is never lost (First hour): a message sent while the server is
down waits and appears everywhere, once, when it is back; a half-typed draft survives the
page's reload after the restart."""

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys


def open_chat(browser, server, name):
    browser.get(server.url("/?name=" + name))
    browser.wait_state("connected")
    return browser


def set_offline(browser, offline):
    """Cuts the page off the network, or brings it back, as DevTools' offline mode does."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def messages(browser):
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#target p")]


def test_a_message_typed_while_the_server_is_down_arrives_once_when_it_is_back(server, browsers):
    alice = open_chat(browsers(), server, "alice")
    bob = open_chat(browsers(), server, "bob")
    server.kill()
    alice.wait_state("reconnecting")

    field = alice.find_element(By.NAME, "message")
    field.send_keys("sent while down")
    field.send_keys(Keys.ENTER)
    alice.wait(lambda p: "wait" in p.find_element(By.ID, "outbox").text, "the page never said the message waits")
    assert alice.find_element(By.ID, "outbox").is_displayed()
    # A draft half-typed meanwhile.
    alice.find_element(By.NAME, "message").send_keys("half a tho")

    # Alice's page is kept off the network until bob's has its new client: her message
    # goes out as soon as her page is back, and reaches only the pages registered by then.
    set_offline(alice, True)
    bob_before = bob.execute_script("return performance.timeOrigin")
    server.start()  # a new process: the pages' clients are gone, and they reload
    bob.wait(lambda p: p.execute_script("return performance.timeOrigin") != bob_before and p.state() == "connected",
             "bob's page never reloaded and reconnected", timeout=120)
    set_offline(alice, False)
    for page in (alice, bob):
        page.wait(lambda p: "alice: sent while down" in messages(p), "the waiting message never arrived", timeout=120)
    alice.wait(lambda p: not p.find_element(By.ID, "outbox").is_displayed(), "the note stayed")
    assert alice.find_element(By.NAME, "message").get_attribute("value") == "half a tho", "the draft was lost"
    # Once: send another and check the first is still there only once on both pages.
    field = alice.find_element(By.NAME, "message")
    field.clear()
    field.send_keys("after")
    field.send_keys(Keys.ENTER)
    for page in (alice, bob):
        page.wait(lambda p: "alice: after" in messages(p), "the later message never arrived")
        assert messages(page).count("alice: sent while down") == 1, messages(page)
