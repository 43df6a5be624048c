"""The README's embedding example, `examples/swift_app`, run as the program it shows: an
anonymous visitor's vote is refused and the page says why; a named visitor's vote
reaches every open page."""

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from conftest import LivePageServer


class PollApp(LivePageServer):
    """The example program, built beside `livepage-server`: its port from `PORT`, no flags."""

    def __init__(self):
        super().__init__()
        self.binary = str(Path(self.binary).with_name("PollApp"))

    def command(self, port):
        return [self.binary], {"PORT": str(port)}


@pytest.fixture
def poll_app():
    app = PollApp().start()
    yield app
    app.terminate()
    assert app.process.returncode == 0, "\n".join(app.lines)


def open_poll(browser, app, query=""):
    browser.get(app.url("/" + query))
    browser.wait_state("connected")
    return browser


def test_an_anonymous_vote_is_refused_on_the_page_and_a_named_one_reaches_every_page(poll_app, browsers):
    anonymous = open_poll(browsers(), poll_app)
    named = open_poll(browsers(), poll_app, "?name=Zo%C3%AB%20M")
    for page in (anonymous, named):
        page.wait(lambda p: p.texts("[data-livepage-online] li") == ["Zoë M"],
                  lambda: f"who is online never showed Zoë M: {page.texts('[data-livepage-online] li')}")

    anonymous.find_element(By.XPATH, "//button[text()='Tea']").click()
    anonymous.wait(lambda p: p.texts("#refusal") == ["Give your name to vote."],
                   lambda: f"the refusal was never shown: {anonymous.texts('#refusal')}")

    named.find_element(By.XPATH, "//button[text()='Coffee']").click()
    for page in (anonymous, named):
        page.wait(lambda p: p.texts("#votes li") == ["coffee"],
                  lambda: f"the vote never reached every page: {page.texts('#votes li')}")
    assert named.texts("#refusal") == [""]
    assert anonymous.texts("#refusal") == ["Give your name to vote."], "a vote of another visitor clears no refusal"
