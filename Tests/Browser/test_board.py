"""The demo's `/board`: updated only from outside, by a backend's publish. The commands
the page shows are run as they are shown."""

import os
import shutil
import subprocess
import sys

import pytest
from selenium.webdriver.common.by import By

from conftest import PUBLISH_KEY


def open_board(browser, server):
    browser.get(server.url("/board"))
    browser.wait_state("connected")
    return browser


def shown_commands(browser):
    """The curl command and the Python program the page shows, as text."""
    return [element.get_attribute("textContent") for element in browser.find_elements(By.TAG_NAME, "pre")]


def test_a_publish_updates_both_pages(server, browsers):
    first = open_board(browsers(), server)
    second = open_board(browsers(), server)
    for page in (first, second):
        page.wait(lambda p: p.find_element(By.CSS_SELECTOR, "[data-livepage-online=total]").text == "2",
                  "the pages never counted each other")

    answer = server.publish("/board", [
        {"verb": "update", "id": "headline", "html": "<em>Release 1.0</em> is out"},
        {"verb": "text", "id": "counter", "text": "7"},
        {"verb": "append", "id": "items", "html": '<li id="build-1">build 1 running</li>'},
        {"verb": "append", "id": "items", "html": '<li id="build-2">build 2 queued</li>'},
        # The same id again: the line is replaced where it stands, not added twice.
        {"verb": "append", "id": "items", "html": '<li id="build-1">build 1 passed</li>'},
    ])
    assert answer == {"delivered": 10}
    for page in (first, second):
        page.wait(lambda p: p.texts("#items li") == ["build 1 passed", "build 2 queued"],
                  lambda: f"the items never arrived: {page.texts('#items li')}")
        assert page.find_element(By.ID, "headline").text == "Release 1.0 is out"
        assert page.find_elements(By.CSS_SELECTOR, "#headline em")
        assert page.find_element(By.ID, "counter").text == "7"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_commands_on_the_page_publish_to_it(server, browsers):
    page = open_board(browsers(), server)
    curl, python = shown_commands(page)
    assert curl.startswith(f"curl {server.origin}/livepage/publish")
    environment = dict(os.environ, LIVEPAGE_PUBLISH_KEY=PUBLISH_KEY)

    done = subprocess.run(["bash", "-c", curl + " --silent --show-error --fail"], env=environment,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout == '{"delivered":3}'
    page.wait(lambda p: p.find_element(By.ID, "counter").text == "42", "curl's publish never arrived")
    assert page.find_element(By.ID, "headline").text == "Deploy finished"
    assert page.texts("#items li") == ["build 7 passed"]

    done = subprocess.run([sys.executable, "-c", python], env=environment, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == '{"delivered":1}'
    page.wait(lambda p: p.find_element(By.ID, "counter").text == "43", "Python's publish never arrived")
