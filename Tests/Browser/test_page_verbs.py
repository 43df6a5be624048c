"""The verbs of issue 15 in a page: `morph` keeps what the visitor is doing, `limit` keeps
a list short, the class verbs change `classList` and nothing else, `refresh` reloads once
and not in a loop, and none of them lets page input do more than it may.

The real server publishes to pages/page_verbs.html on another origin (as test_verbs.py
does); the scripted server (fake_livepage.py) sends input events that only a server whose
application allowed these verbs, or a faulty one, would send."""

import json
import urllib.error

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from fake_livepage import Answer

LOCATION = "/page-verbs"


def open_page(browser, page_origin, server_origin):
    browser.get(f"{page_origin}/page_verbs.html?server={server_origin}")
    browser.wait_js("window.LivePage && LivePage.hasClient", "the page never registered")
    browser.wait_state("connected")
    return browser


def start(livepage_server, static_pages):
    return livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)


def publish(server, events):
    assert server.publish(LOCATION, events) == {"delivered": len(events)}


def wait_for_log(page, text):
    """Waits until `text` was appended to #log: every event before it was applied."""
    page.wait(lambda p: text in p.execute_script("return document.getElementById('log').textContent"),
              lambda: f"{text!r} never arrived in #log; warnings: {page.execute_script('return window.warnings')}")


def js(page, expression, *arguments):
    return page.execute_script("return " + expression, *arguments)


def test_morph_keeps_what_the_visitor_is_typing(livepage_server, browsers, static_pages):
    server = start(livepage_server, static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    # Nodes are marked, and every change inside #same recorded, to tell kept nodes from new ones.
    page.execute_script("""
        document.getElementById('name').kept = 'name';
        document.getElementById('same').kept = 'same';
        window.sameChanges = [];
        new MutationObserver((records) => window.sameChanges.push(...records.map((r) => r.type)))
          .observe(document.getElementById('same'), {attributes: true, childList: true, subtree: true, characterData: true});
    """)
    # The visitor opens the details, scrolls the list, fills in the city, then types in
    # the name field and moves the caret back three characters.
    page.find_element(By.CSS_SELECTOR, "#more summary").click()
    page.execute_script("document.getElementById('scroller').scrollTop = 45")
    page.find_element(By.NAME, "city").send_keys("Berlin")
    name = page.find_element(By.ID, "name")
    name.click()
    name.send_keys("hello wor")
    name.send_keys(Keys.ARROW_LEFT * 3)
    assert js(page, "[document.activeElement.id, document.activeElement.selectionStart]") == ["name", 6]

    # The server re-renders the form while the visitor is in the middle of typing.
    publish(server, [{"verb": "morph", "id": "form", "html": """
        <label id="name-label" for="name">Full name</label>
        <input id="name" name="name" placeholder="first and last name" class="wide">
        <input name="city" placeholder="town">
        <input name="email" type="email" placeholder="email">
        <details id="more"><summary>More</summary><p>changed text</p></details>
        <div id="scroller"><p>1</p><p>2</p><p>3</p><p>4</p><p>5</p><p>6</p><p>7</p></div>
        <span id="same">unchanged <b>text</b></span>
        <p class="note">second note</p>"""}])
    page.wait_js("document.querySelector('#form [name=email]')", "the morph never arrived")

    # What the visitor was doing survived: the same field, focused, its value and caret.
    field = js(page, """(() => { const e = document.activeElement;
        return {kept: e.kept, id: e.id, value: e.value, start: e.selectionStart, end: e.selectionEnd,
                placeholder: e.placeholder, className: e.className}; })()""")
    assert field == {"kept": "name", "id": "name", "value": "hello wor", "start": 6, "end": 6,
                     "placeholder": "first and last name", "className": "wide"}
    assert js(page, "document.querySelector('[name=city]').value") == "Berlin"
    assert js(page, "document.querySelector('[name=city]').placeholder") == "town"
    assert js(page, "document.getElementById('more').open") is True
    assert js(page, "document.getElementById('scroller').scrollTop") == 45
    # The node whose content did not change is the same node, untouched.
    assert js(page, "document.getElementById('same').kept") == "same"
    assert js(page, "window.sameChanges") == []
    # Everything else changed.
    assert page.texts("#name-label") == ["Full name"]
    assert page.texts("#more p") == ["changed text"]
    assert page.texts("#form .note") == ["second note"]
    assert len(page.texts("#scroller p")) == 7
    assert page.texts("#form > *") == ["Full name", "", "", "", "Morechanged text", "1234567", "unchanged text",
                                       "second note"]
    # And the visitor types on where the caret was.
    name.send_keys("X")
    assert js(page, "document.getElementById('name').value") == "hello Xwor"
    assert js(page, "window.errors") == []


def test_a_limited_list_keeps_its_newest_children(livepage_server, browsers, static_pages):
    server = start(livepage_server, static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    for first in range(1, 501, 100):
        publish(server, [{"verb": "append", "id": "chat", "html": f"<p>m{n}</p>", "limit": 50}
                         for n in range(first, first + 100)])
    page.wait_js("document.querySelector('#chat > p:last-child')?.textContent === 'm500'",
                 "the 500th message never arrived")
    messages = page.texts("#chat > p")
    assert len(messages) == 50
    assert messages == [f"m{n}" for n in range(451, 501)]

    # prepend drops from the other end: the newest stay first.
    publish(server, [{"verb": "prepend", "id": "feed", "html": f"<li>f{n}</li>", "limit": 5} for n in range(1, 21)])
    page.wait_js("document.querySelector('#feed > li')?.textContent === 'f20'", "the prepends never arrived")
    assert page.texts("#feed > li") == ["f20", "f19", "f18", "f17", "f16"]


def test_the_demo_chat_keeps_its_last_100_messages(server, browsers):
    page = browsers()
    page.get(server.url("/?name=alice"))
    page.wait_state("connected")
    sent = page.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          for (let n = 1; n <= 105; n++) await LivePage.send('append', {id: 'target', html: 'message ' + n});
        })().then(() => done('sent'), (error) => done(String(error)));
    """)
    assert sent == "sent"
    page.wait_js("document.querySelector('#target > p:last-child')?.textContent === 'alice: message 105'",
                 "the last message never arrived")
    messages = page.texts("#target > p")
    assert len(messages) == 100
    assert messages[0] == "alice: message 6"


def test_class_verbs_change_the_class_list_only(livepage_server, browsers, static_pages):
    server = start(livepage_server, static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    page.execute_script("""
        window.boxChild = document.querySelector('#box span');
        window.boxChanges = [];
        new MutationObserver((records) => window.boxChanges.push(...records.map((r) => [r.type, r.attributeName])))
          .observe(document.getElementById('box'),
                   {attributes: true, childList: true, subtree: true, characterData: true});
    """)
    publish(server, [
        {"verb": "addClass", "id": "box", "class": "c d"},
        {"verb": "removeClass", "id": "box", "class": "a"},
        {"verb": "toggleClass", "id": "box", "class": "b  e"},
        {"verb": "append", "id": "log", "html": "<p>done</p>"},
    ])
    wait_for_log(page, "done")

    assert js(page, "Array.from(document.getElementById('box').classList)") == ["c", "d", "e"]
    changes = js(page, "window.boxChanges")
    assert changes and all(change == ["attributes", "class"] for change in changes), changes
    assert js(page, "document.getElementById('box').outerHTML") == \
        '<div id="box" class="c d e" title="t" data-x="1"><span>child</span></div>'
    assert js(page, "document.querySelector('#box span') === window.boxChild") is True
    assert js(page, "window.errors") == []


def test_refresh_reloads_once_and_not_in_a_loop(livepage_server, browsers, static_pages):
    server = start(livepage_server, static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    assert js(page, "sessionStorage.getItem('loads')") == "1"
    page.execute_script("window.marker = 'before the deploy'")

    publish(server, [{"verb": "refresh"}])
    page.wait(lambda p: js(p, "window.marker") == "loaded" and js(p, "sessionStorage.getItem('loads')") == "2",
              "the page never reloaded")
    page.wait_js("window.LivePage && LivePage.hasClient", "the reloaded page never registered")
    page.wait_state("connected")

    # A second refresh within 30 s is skipped, with a warning: no reload loop.
    page.execute_script("window.marker = 'reloaded'")
    publish(server, [{"verb": "refresh"}, {"verb": "append", "id": "log", "html": "<p>after</p>"}])
    wait_for_log(page, "after")
    assert js(page, "window.marker") == "reloaded"
    assert js(page, "sessionStorage.getItem('loads')") == "2"
    assert any("refresh" in warning for warning in js(page, "window.warnings"))


def test_input_may_not_use_the_new_verbs_by_default(server):
    client = server.post_json("/livepage/clients", {"location": LOCATION})["client"]
    refused = [
        ({"verb": "morph", "id": "form", "html": "<b>x</b>"}, "morph"),
        ({"verb": "addClass", "id": "box", "class": "x"}, "addClass"),
        ({"verb": "removeClass", "id": "box", "class": "a"}, "removeClass"),
        ({"verb": "toggleClass", "id": "box", "class": "a"}, "toggleClass"),
        ({"verb": "refresh"}, "refresh"),
        ({"verb": "append", "id": "chat", "html": "x", "limit": 1}, "limit"),
    ]
    for fields, named in refused:
        try:
            server.post_json(f"/livepage/clients/{client}/input", fields)
            raise AssertionError(f"{fields} was accepted")
        except urllib.error.HTTPError as error:
            body = json.load(error)
            assert error.code == 400, (fields, body)
            assert f"'{named}'" in body["error"] and "registered" not in body["error"], (fields, body)


def events(*items):
    """One answer holding `items`, numbered from seq 1."""
    return Answer(200, {"events": [{"seq": seq, **item} for seq, item in enumerate(items, start=1)]})


def test_hostile_class_names_and_html_from_input_stay_inert(fake, browsers):
    page = open_page(browsers(), fake.origin, fake.origin)
    hostile = 'x" onmouseover="window.__pwned = 1'
    sent = [
        # Class names that are not names: refused whole, nothing of them applied.
        {"verb": "addClass", "id": "box", "class": hostile, "from": "mallory"},
        {"verb": "addClass", "id": "box", "class": "ok <img>", "from": "mallory"},
        {"verb": "toggleClass", "id": "box", "class": " ".join(f"c{n}" for n in range(17)), "from": "mallory"},
        {"verb": "removeClass", "id": "box", "class": ["a"], "from": "mallory"},
        # A valid one, which the application allowed, is applied.
        {"verb": "addClass", "id": "box", "class": "fine", "from": "mallory"},
        # Escaped HTML morphs into text.
        {"verb": "morph", "id": "plain", "html": "&lt;img src=x onerror=&quot;window.__pwned = 1&quot;&gt;",
         "from": "mallory"},
        # A morph that would rewrite a textarea's parent, or the textarea itself.
        {"verb": "morph", "id": "holder", "html": "gone", "from": "mallory"},
        {"verb": "morph", "id": "notes", "html": "x", "from": "mallory"},
        # Input never reloads the page.
        {"verb": "refresh", "from": "mallory"},
        # A limit from input never removes an element input may not remove.
        {"verb": "append", "id": "guarded", "html": "<p>four</p>", "limit": 1, "from": None},
        {"verb": "append", "id": "log", "html": "done", "from": "mallory"},
    ]
    fake.script("output", events(*sent))
    wait_for_log(page, "done")

    assert js(page, "document.getElementById('box').className") == "a b fine"
    assert js(page, "document.getElementById('box').getAttribute('onmouseover')") is None
    assert js(page, "document.getElementById('plain').textContent") == '<img src=x onerror="window.__pwned = 1">'
    assert js(page, "document.querySelectorAll('#plain *').length") == 0
    assert js(page, "document.getElementById('holder').textContent") == "notesbeside"
    assert js(page, "document.getElementById('notes').value") == "notes"
    assert js(page, "document.getElementById('keepme') && document.getElementById('keepme').parentNode.id") == "guarded"
    assert page.texts("#guarded p") == ["four"]
    assert js(page, "window.marker") == "loaded" and js(page, "sessionStorage.getItem('loads')") == "1"
    assert js(page, "typeof window.__pwned") == "undefined"
    assert js(page, "LivePage.after") == len(sent), "a refused event's seq was not counted"
    warnings = js(page, "window.warnings")
    for name in ("#box", "#holder", "#notes", "refresh"):
        assert any(name in w and "refused" in w for w in warnings), (name, warnings)
    assert sum("#box" in w and "refused" in w for w in warnings) == 4, warnings
    assert js(page, "window.errors") == []
    assert page.state() == "connected"
