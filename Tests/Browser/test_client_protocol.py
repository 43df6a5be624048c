"""livepage.js against a scripted server (fake_livepage.py): what it does on each answer
of PROTOCOL.md ("What livepage.js does on each answer"), measured on the server side."""

import json

from fake_livepage import Answer, events

GONE = Answer(410, {"error": "The client was evicted.", "reason": "evicted"})
UNAVAILABLE = Answer(503, {"error": "Busy."})


def open_page(browser, fake, query=""):
    browser.get(fake.page_url(query))
    browser.wait_js("window.LivePage && LivePage.hasClient", "the page never registered")
    return browser


def states(browser):
    return json.loads(browser.execute_script("return sessionStorage.getItem('states') || '[]'"))


def afters(fake, client="c1"):
    return [int(r.query.get("after", -1)) for r in fake.of_kind("output") if r.client == client]


def test_each_seq_is_applied_once_when_answers_repeat(fake, browsers):
    # The second answer repeats 2 and 3, as after a lost response; the third repeats 4.
    fake.script("output", events(1, 2, 3), events(2, 3, 4), events(4, 5))
    page = open_page(browsers(), fake)
    page.wait_js("window.custom.length >= 5", "the events never arrived")
    fake.wait_for(lambda f: len(afters(f)) >= 4, "the page stopped polling")
    assert [event["seq"] for event in page.execute_script("return window.custom")] == [1, 2, 3, 4, 5]
    assert afters(fake)[:4] == [0, 3, 4, 5]
    assert page.execute_script("return LivePage.after") == 5


def test_retry_after_is_honoured(fake, browsers):
    fake.script("output", Answer(503, {"error": "Shutting down."}, {"Retry-After": "2"}))
    page = open_page(browsers(), fake)
    fake.wait_for(lambda f: f.of_kind("online"), "the page never came back")
    refused, back = fake.of_kind("output")[0], fake.of_kind("online")[0]
    assert back.at - refused.at >= 1.9
    page.wait_state("connected")
    retrying = [s for s in states(page) if s["type"] == "livepage:reconnecting"]
    assert retrying[0]["status"] == 503 and retrying[0]["retryIn"] == 2


def test_backoff_grows_with_full_jitter_and_resumes_with_the_same_after(fake, browsers):
    fake.script("output", events(1, 2), UNAVAILABLE)
    fake.script("online", *[UNAVAILABLE] * 5)
    page = open_page(browsers(), fake)
    # The first failure, then five probes refused, then the sixth answered.
    fake.wait_for(lambda f: len(f.of_kind("online")) >= 6, "the page stopped trying", timeout=120)
    refused = fake.of_kind("output")[1]
    tries = [refused.at] + [r.at for r in fake.of_kind("online")[:6]]
    gaps = [b - a for a, b in zip(tries, tries[1:])]
    # Drawn between 0.5 s and ceilings of 0.5, 1, 2, 4, 8, 16 s: never below 0.5 s, and
    # the last three all below 0.8 s only by a chance of 1 in 15,000.
    assert min(gaps) >= 0.45, gaps
    assert max(gaps[3:]) > 0.8, f"the gaps did not grow: {gaps}"
    page.wait_state("connected")
    fake.wait_for(lambda f: len(afters(f)) >= 3, "the page never polled again")
    assert afters(fake)[:3] == [0, 2, 2]  # the same `after`: nothing lost, nothing twice


def test_a_poll_never_answered_is_given_up_and_retried(fake, browsers):
    # refresh 1 s: the page gives a poll 1 s + 5 s, then tries again.
    fake.script("output", Answer(200, {"events": []}, delay=40))
    page = open_page(browsers(), fake)
    fake.wait_for(lambda f: f.of_kind("online"), "the page never gave up its poll")
    silent, probe = fake.of_kind("output")[0], fake.of_kind("online")[0]
    assert probe.at - silent.at >= 5.5
    page.wait_state("connected")
    fake.wait_for(lambda f: len(afters(f)) >= 2, "the page never polled again")
    assert "livepage:reconnecting" in [s["type"] for s in states(page)]


def test_409_registers_afresh(fake, browsers):
    fake.script("output", events(1), Answer(409, {"error": "Another request took over."}))
    page = open_page(browsers(), fake)
    page.execute_script("window.marker = 'kept'")
    fake.wait_for(lambda f: afters(f, "c2"), "the page never polled with a new client")
    assert fake.registrations == 2
    assert afters(fake, "c2")[0] == 0
    assert page.execute_script("return window.marker") == "kept"  # registered, not reloaded


def test_410_reloads_at_most_once_per_30_seconds(fake, browsers):
    fake.script("output", GONE, GONE)
    page = browsers()
    page.get(fake.page_url())
    fake.wait_for(lambda f: len(f.of_kind("output")) == 2, "the page never polled twice")
    page.wait_state("gone")
    gone = [s for s in states(page) if s["type"] == "livepage:gone"]
    assert [(s["status"], s["reason"], s["reloading"]) for s in gone] == [
        (410, "evicted", True),  # the first: reloaded
        (410, "evicted", False),  # the second, within 30 s: the gone state
    ]
    assert fake.registrations == 2
    assert len(fake.of_kind("/verbs.html")) == 2


def test_the_application_can_handle_gone_itself(fake, browsers):
    page = open_page(browsers(), fake)
    page.execute_script("window.marker = 'kept'; window.goneSeen = [];"
                        "document.addEventListener('livepage:gone', (e) => { e.preventDefault(); goneSeen.push(e.detail) });")
    fake.script("output", GONE)
    page.wait_js("window.goneSeen.length === 1", "the page never heard it was gone")
    assert page.state() == "gone"
    assert page.execute_script("return window.marker") == "kept"
    assert len(fake.of_kind("/verbs.html")) == 1


def test_pagehide_closes_the_client_with_a_beacon(fake, browsers):
    page = open_page(browsers(), fake)
    page.get("about:blank")
    fake.wait_for(lambda f: f.of_kind("close"), "the page never sent its close beacon")
    assert fake.of_kind("close")[0].client == "c1"


def test_send_posts_json_and_forms(fake, browsers):
    page = open_page(browsers(), fake)
    answer = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "LivePage.send('append', {id: 'list', html: 'a & b'}).then(done, e => done(String(e)))")
    assert answer == {"delivered": 1}
    page.execute_script("sendEvent('prepend', 'list', 'as a form?')")
    page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "LivePage.send('append', new URLSearchParams({id: 'list', html: 'x y'})).then(done, done)")
    fake.wait_for(lambda f: len(f.of_kind("input")) == 3, "the input never arrived")
    first, second, third = fake.of_kind("input")
    assert json.loads(first.body) == {"id": "list", "html": "a & b", "verb": "append"}
    assert json.loads(second.body) == {"id": "list", "html": "as a form?", "verb": "prepend"}
    assert third.body == b"id=list&html=x+y&verb=append"


def test_a_page_restored_from_the_back_forward_cache_resumes_its_client(fake, browsers):
    page = open_page(browsers(), fake)
    page.execute_script("window.marker = 'kept'")
    fake.script("output", events(1, 2))
    page.wait_js("LivePage.after === 2", "the first events never arrived")
    # What the browser does around a stay in the back/forward cache: pagehide, then
    # pageshow with `persisted`. The page keeps its client meanwhile, shows itself
    # reconnecting, and comes back polling with its old id and after.
    page.execute_script("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    assert page.state() == "reconnecting"
    polls = len(afters(fake, "c1"))
    page.execute_script("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    fake.wait_for(lambda f: len(afters(f, "c1")) > polls, "the page never polled with its old client")
    assert afters(fake, "c1")[polls] == 2
    assert fake.of_kind("close") == []
    assert fake.registrations == 1
    assert page.execute_script("return window.marker") == "kept"


def test_a_page_restored_from_the_back_forward_cache_whose_client_is_gone_reloads(fake, browsers):
    page = open_page(browsers(), fake)
    page.execute_script("window.marker = 'kept'")
    page.execute_script("window.dispatchEvent(new PageTransitionEvent('pagehide', {persisted: true}))")
    fake.script("output", GONE)
    page.execute_script("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    page.wait(lambda p: p.execute_script("return window.marker") is None, "the page never reloaded")
    assert fake.registrations == 2, "the reloaded page registers a new client"
