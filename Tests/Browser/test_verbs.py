"""Every verb of PROTOCOL.md, published to a page of another origin that registered its
own client (so CORS and the Origin check are exercised too), each seq applied once."""

import json

from selenium.webdriver.common.by import By

from conftest import PUBLISH_KEY


def open_verbs_page(browser, server, static_pages, query=""):
    browser.get(f"{static_pages}/verbs.html?server={server.origin}{query}")
    browser.wait_state("connected")
    browser.wait_js("window.LivePage && LivePage.hasClient", "the page never registered")
    return browser


def states(browser):
    return json.loads(browser.execute_script("return sessionStorage.getItem('states') || '[]'"))


def test_every_verb_is_applied_once(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_verbs_page(browsers(), server, static_pages, "&principal=tester")
    page.wait(lambda p: p.texts("#online li") == ["tester"], "the page never listed itself online")
    assert page.find_element(By.ID, "count").text == "1"
    assert page.find_element(By.ID, "anonymous").text == "0"

    events = [
        # append: new elements last; one whose id exists replaces it where it stands
        {"verb": "append", "id": "list", "html": '<p class="a">A1</p><p id="keep">kept, replaced</p>'},
        {"verb": "prepend", "id": "list", "html": '<p class="first">P</p>'},
        {"verb": "append", "id": "list", "html": '<p class="a">A2</p><script>window.ran = true</script>'},
        {"verb": "update", "id": "upd", "html": "<b>new</b> children"},
        {"verb": "replace", "id": "rep", "html": '<section id="rep2">replaced</section>'},
        {"verb": "remove", "id": "doomed"},
        {"verb": "before", "id": "anchor", "html": '<i id="b4">before</i>'},
        {"verb": "after", "id": "anchor", "html": '<i id="af">after</i>'},
        {"verb": "text", "id": "txt", "text": "<b>not bold</b>"},
        {"verb": "attribute", "id": "attr", "name": "data-x", "value": "1"},
        {"verb": "attribute", "id": "attr", "name": "title", "value": None},
        {"verb": "attribute", "id": "attr", "name": "data-y", "value": ""},
        {"verb": "score", "points": 3, "nested": {"ok": True}},
        {"verb": "update", "id": "no-such-element", "html": "ignored"},
        {"verb": "append", "id": "list", "html": '<p class="last">done</p>'},
    ]
    assert server.publish("/verbs", events) == {"delivered": len(events)}
    page.wait_js("document.querySelector('#list .last')", "the last event never arrived")

    html = lambda selector: page.execute_script(
        "const e = document.querySelector(arguments[0]); return e && e.outerHTML", selector)
    assert page.texts("#list > p") == ["P", "kept, replaced", "A1", "A2", "done"]
    assert page.execute_script("return document.querySelectorAll('#keep').length") == 1
    assert page.execute_script("return window.ran") is None  # HTML's scripts do not run
    assert html("#upd") == '<div id="upd"><b>new</b> children</div>'
    assert html("#rep") is None and html("#rep2") == '<section id="rep2">replaced</section>'
    assert html("#doomed") is None
    assert page.execute_script(
        "const a = document.getElementById('anchor');"
        "return [a.previousElementSibling.id, a.nextElementSibling.id]") == ["b4", "af"]
    assert html("#txt") == '<div id="txt">&lt;b&gt;not bold&lt;/b&gt;</div>'
    assert html("#attr") == '<div id="attr" data-x="1"></div>'
    custom = page.execute_script("return window.custom")
    assert len(custom) == 1
    assert custom[0]["points"] == 3 and custom[0]["nested"] == {"ok": True}
    first_seq = custom[0]["seq"]

    # The page's `after` is the last seq, and a later event is applied once too.
    after = page.execute_script("return LivePage.after")
    assert server.publish("/verbs", [{"verb": "score", "points": 4}]) == {"delivered": 1}
    page.wait_js("window.custom.length === 2", "the second custom event never arrived")
    assert page.execute_script("return window.custom[1].seq") == after + 1
    assert after >= first_seq + 2


def test_input_from_another_origin_and_its_escaping(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    first = open_verbs_page(browsers(), server, static_pages)
    second = open_verbs_page(browsers(), server, static_pages)
    # Both anonymous: counts, no names.
    for page in (first, second):
        page.wait(lambda p: p.find_element(By.ID, "anonymous").text == "2", "both pages never counted")
        assert page.texts("#online li") == []
        assert page.find_element(By.ID, "total").text == "2"

    answer = first.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "LivePage.send('append', {id: 'list', html: '<img src=x onerror=alert(1)>'}).then(done, e => done(String(e)))")
    assert answer == {"delivered": 2}
    # A form works too, and a verb input may not use is refused with the server's sentence.
    answer = second.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const form = new URLSearchParams({id: 'list', html: 'as a form'});"
        "LivePage.send('prepend', form).then(done, e => done(String(e)))")
    assert answer == {"delivered": 2}
    refused = second.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "LivePage.send('update', {id: 'upd', html: 'x'}).then(done, e => done([e.status, e.message]))")
    assert refused[0] == 400 and "update" in refused[1]

    for page in (first, second):
        # Input HTML arrives escaped: text nodes, not elements.
        expected = "as a formkeep<img src=x onerror=alert(1)>"
        page.wait(lambda p: p.texts("#list") == [expected], lambda: f"the input never arrived: {page.texts('#list')}")
        assert page.texts("#list > *") == ["keep"]


def test_connection_state_events(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_verbs_page(browsers(), server, static_pages)
    page.execute_script("window.marker = 'before'")
    assert [s["type"] for s in states(page)] == ["livepage:connecting", "livepage:connected"]

    server.kill()
    page.wait_state("reconnecting")
    server.start()  # same port; the new process knows no client: 410, reload, register
    page.wait(lambda p: p.execute_script("return window.marker") is None and p.state() == "connected",
              "the page never reloaded and reconnected")
    types = [s["type"] for s in states(page)]
    assert types[:3] == ["livepage:connecting", "livepage:connected", "livepage:reconnecting"]
    assert types[-3:] == ["livepage:gone", "livepage:connecting", "livepage:connected"]
    assert set(types[2:-3]) <= {"livepage:reconnecting"}
    gone = [s for s in states(page) if s["type"] == "livepage:gone"]
    assert len(gone) == 1 and gone[0]["status"] == 410 and gone[0]["reason"] == "unknown"


def test_gone_can_be_handled_by_the_application(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_verbs_page(browsers(), server, static_pages)
    page.execute_script("window.marker = 'kept'; window.goneSeen = [];"
                        "LivePage.on('gone', (info) => window.goneSeen.push(info));")
    # A backend disconnects the page's client (a user logged out): its next poll is 410.
    answer = server.post_json("/livepage/disconnect", {"to": {"location": "/verbs"}}, key=PUBLISH_KEY)
    assert answer == {"disconnected": 1}
    page.wait_js("window.goneSeen.length === 1", "the gone handler was never called")
    assert page.execute_script("return window.goneSeen[0]")["reason"] == "closed"
    assert page.state() == "gone"
    assert page.execute_script("return window.marker") == "kept"  # not reloaded

