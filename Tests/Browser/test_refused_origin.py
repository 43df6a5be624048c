"""A page of an origin the server does not allow (no --allowed-origin for it): it used to
stay "reconnecting" forever, its console full of CORS errors, while the server logged
nothing. Now the page can read the refusal and shows the state "refused", and the server
names the origin and the flag once."""

import time

from test_verbs import states


def test_a_page_of_a_refused_origin_shows_refused_and_the_server_says_why(livepage_server, browsers, static_pages):
    server = livepage_server("--refresh", "2", "--grace", "1")
    page = browsers()
    page.get(f"{static_pages}/verbs.html?server={server.origin}")
    page.wait_state("refused")
    refused = [s for s in states(page) if s["type"] == "livepage:refused"]
    assert len(refused) == 1 and refused[0]["status"] == 403 and refused[0]["reason"] == "origin", states(page)
    assert not page.execute_script("return LivePage.hasClient")

    # It stays refused: no retry, no reload, one log line however long it waits.
    page.execute_script("window.marker = 'kept'")
    time.sleep(2)
    assert page.state() == "refused" and page.execute_script("return window.marker") == "kept"
    lines = [line for line in server.lines if "refused" in line]
    assert len(lines) == 1, server.lines
    assert static_pages in lines[0] and f"--allowed-origin {static_pages}" in lines[0], lines[0]
    assert server.presence("/verbs")["anonymous"] == 0
