"""Hostile input in a real browser: HTML and script typed by one visitor, a visitor whose
name is markup, and verbs input may not use, against the real server. Nothing runs
(`window.__pwned` stays undefined) and the text is shown as typed. A trusted publish of
the same kind of markup is the control: it does run, so the check would see it if the
hostile input had become markup too."""

import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

PWN = "window.__pwned = (window.__pwned || 0) + 1"
PAYLOADS = [
    f'<img src=x onerror="{PWN}">',
    f"<script>{PWN}</script>",
    f'<svg onload="{PWN}"></svg>',
    f'<iframe srcdoc="<script>parent.__pwned = 1</script>"></iframe>',
    f'<a href="javascript:{PWN}" id="trap">click</a>',
]
HOSTILE_NAME = f'<img src=x onerror="{PWN}">'
CONTROL = '<img class="control" src="x" onerror="window.__control = 1">'


def quoted(text):
    return urllib.parse.quote(text, safe="")


def expect_nothing_ran(page, containers):
    """No element was made of hostile input inside the `containers` (CSS selectors), no
    handler ran, and the control (a trusted publish) did run, so handlers do run here."""
    page.wait_js("window.__control === 1", "the control image's onerror never ran")
    for container in containers:
        elements = page.execute_script(
            "const c = arguments[0];"
            "return Array.from(document.querySelectorAll("
            "  [c + ' img:not(.control)', c + ' script', c + ' svg', c + ' iframe', c + ' a'].join(', ')),"
            "  e => e.outerHTML)", container)
        assert elements == [], f"hostile input became elements in {container}: {elements}"
    assert page.execute_script("return typeof window.__pwned") == "undefined"


def send(page, verb, fields, as_form=False):
    """LivePage.send from the page: the server's answer, or [status, message] when refused."""
    argument = "new URLSearchParams(arguments[1])" if as_form else "arguments[1]"
    return page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        f"LivePage.send(arguments[0], {argument}).then(done, e => done([e.status, e.message]))",
        verb, fields)


def test_typed_html_and_a_hostile_name_stay_text_in_the_chat(server, browsers):
    alice = browsers()
    alice.get(server.url("/?name=alice"))
    alice.wait_state("connected")
    mallory = browsers()
    mallory.get(server.url("/?name=" + quoted(HOSTILE_NAME)))
    mallory.wait_state("connected")

    # The name is text wherever the page shows it: in its header and in both lists.
    assert mallory.execute_script("return document.querySelector('.me b').textContent") == HOSTILE_NAME
    assert mallory.execute_script("return document.body.getAttribute('data-me')") == HOSTILE_NAME
    for page in (alice, mallory):
        page.wait(lambda p: p.texts("#online li") == [HOSTILE_NAME, "alice"],
                  lambda: f"both names never listed: {page.texts('#online li')}")
        assert page.execute_script(
            "return Array.from(document.querySelectorAll('#online li'), e => e.getAttribute('data-principal'))"
        ) == [HOSTILE_NAME, "alice"]

    # Typed in the form (each awaited, so they arrive in order), and sent as JSON and as
    # a form by script.
    field = mallory.find_element(By.NAME, "message")
    for count, payload in enumerate(PAYLOADS[:2], start=1):
        field.send_keys(payload)
        field.send_keys(Keys.ENTER)
        alice.wait(lambda p: len(p.texts("#target p")) == count, "a typed message never arrived")
    for payload in PAYLOADS[2:]:
        assert send(mallory, "append", {"id": "target", "html": payload}) == {"delivered": 2}
    assert send(mallory, "append", {"id": "target", "html": PAYLOADS[0]}, as_form=True) == {"delivered": 2}

    expected = [f"{HOSTILE_NAME}: {payload}" for payload in PAYLOADS + PAYLOADS[:1]]
    for page in (alice, mallory):
        page.wait(lambda p: p.texts("#target p") == expected,
                  lambda: f"the messages never arrived as text: {page.texts('#target p')}")
        assert page.texts("#target p b") == [HOSTILE_NAME] * len(expected)

    assert server.publish("/", [{"verb": "append", "id": "target", "html": CONTROL}]) == {"delivered": 2}
    for page in (alice, mallory):
        expect_nothing_ran(page, ["#target", "#online", "header"])
        page.execute_script("document.querySelectorAll('#target p').forEach(p => p.click())")
        assert page.execute_script("return typeof window.__pwned") == "undefined"


def test_verbs_input_may_not_use_are_refused_and_allowed_ones_stay_text(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = browsers()
    page.get(f"{static_pages}/verbs.html?server={server.origin}&principal={quoted(HOSTILE_NAME)}")
    page.wait_state("connected")
    page.wait_js("window.LivePage && LivePage.hasClient", "the page never registered")
    page.wait(lambda p: p.texts("#online li") == [HOSTILE_NAME], lambda: f"never listed: {page.texts('#online li')}")

    refused = [
        ("attribute", {"id": "attr", "name": "onclick", "value": PWN}),
        ("attribute", {"id": "attr", "name": "href", "value": "javascript:" + PWN}),
        ("attribute", {"id": "attr", "name": "style", "value": "background: url(javascript:x)"}),
        ("update", {"id": "upd", "html": PAYLOADS[0]}),
        ("replace", {"id": "rep", "html": PAYLOADS[1]}),
        ("after", {"id": "anchor", "html": PAYLOADS[0]}),
        ("text", {"id": "txt", "text": "forged"}),
        ("remove", {"id": "doomed"}),
        ("score", {"points": 1000}),
        ("presence", {"location": "/verbs", "principals": ["admin"], "count": 1, "anonymous": 0}),
    ]
    for verb, fields in refused:
        for as_form in (False, True):
            if as_form and not all(isinstance(value, str) for value in fields.values()):
                continue
            answer = send(page, verb, fields, as_form)
            assert isinstance(answer, list) and answer[0] == 400, f"{verb} {fields} was not refused: {answer}"
            assert verb in answer[1], answer

    for payload in PAYLOADS:
        assert send(page, "append", {"id": "list", "html": payload}) == {"delivered": 1}
    assert send(page, "append", {"id": "list", "html": PAYLOADS[0], "onclick": PWN}, as_form=True) == {"delivered": 1}
    page.wait(lambda p: p.texts("#list") == ["keep" + "".join(PAYLOADS) + PAYLOADS[0]],
              lambda: f"the input never arrived as text: {page.texts('#list')}")
    assert page.texts("#list > *") == ["keep"]

    assert server.publish("/verbs", [{"verb": "append", "id": "list", "html": CONTROL}]) == {"delivered": 1}
    expect_nothing_ran(page, ["#list", "#online", "#attr", "#upd", "#rep"])
    attributes = page.execute_script(
        "const a = document.getElementById('attr'); return Array.from(a.attributes, x => x.name).sort()")
    assert attributes == ["data-y", "id", "title"], attributes
    page.execute_script("document.getElementById('attr').click()")
    assert page.find_element(By.ID, "upd").text == "old"
    assert page.find_element(By.ID, "txt").text == "t"
    assert page.find_elements(By.ID, "doomed") != []
    assert page.execute_script("return window.custom") == [], "input reached the page's own handler"
    assert page.execute_script("return typeof window.__pwned") == "undefined"
