"""A backend registers the pages it renders: principal and meta with the publish key,
in open and token mode; the page's first poll gets what was published since."""

import json

import pytest

from conftest import PUBLISH_KEY, TOKEN_SECRET, Server
from livepage import LivePage, LivePageError, mint_token, start_tags


def test_an_event_published_between_render_and_first_poll_reaches_the_page(servers):
    server = servers()
    live = LivePage(server.url, PUBLISH_KEY)
    page = live.register("/board", "alice", meta={"name": "Alice Liddell"})
    assert page.after == 0 and page["principal"] == "alice"
    assert live.publish([{"verb": "append", "id": "items", "html": "<li>new</li>"}], location="/board") == 1
    [event] = server.poll(page.client, after=page.after)
    assert event == {"seq": 1, "verb": "append", "id": "items", "html": "<li>new</li>"}
    tags = start_tags(page, presence="list")
    assert '"client":"%s"' % page.client in tags and '"after":0' in tags


def test_a_backend_may_name_the_principal_in_token_mode(servers):
    server = servers("--token-secret", TOKEN_SECRET)
    live = LivePage(server.url, PUBLISH_KEY)
    assert live.register("/chat", "carol")["principal"] == "carol"
    status, answer = server.request("POST", "/livepage/clients", {"location": "/chat", "principal": "carol"})
    assert status == 400, "a page in token mode still may not name its principal"


@pytest.mark.parametrize("meta, sentence", [
    ({"name": "x" * 2000}, "at most 1024 bytes"),
    ({"name": 7}, "meta.name"),
    ({"name": "a\nb"}, "meta.name"),
])
def test_meta_is_a_small_object_with_a_plain_name(servers, meta, sentence):
    live = LivePage(servers().url, PUBLISH_KEY)
    with pytest.raises(LivePageError) as refused:
        live.register("/chat", "alice", meta=meta)
    assert refused.value.status == 400 and sentence in refused.value.sentence


def test_a_page_may_not_set_meta_and_a_wrong_key_is_refused(servers):
    server = servers()
    status, answer = server.request("POST", "/livepage/clients", {"location": "/chat", "meta": {"name": "Eve"}})
    assert status == 400 and "publish key" in answer["error"]
    with pytest.raises(LivePageError) as refused:
        LivePage(server.url, "not-the-key-0123456789").register("/chat", "alice")
    assert refused.value.status == 401


def test_presence_carries_display_names_from_meta_and_from_a_token_name_claim(servers):
    server = servers("--token-secret", TOKEN_SECRET)
    live = LivePage(server.url, PUBLISH_KEY)
    watcher = live.register("/room", "watcher", presence="list")
    live.register("/room", "alice", meta={"name": "Alice Liddell"})
    token = mint_token(TOKEN_SECRET, "bob", name="Bob Builder")
    status, _ = server.request("POST", "/livepage/clients", {"location": "/room", "token": token})
    assert status == 201
    names = {}
    after = 0
    while set(names) != {"alice", "bob"}:
        for event in server.poll(watcher.client, after=after):
            after = event["seq"]
            names.update(event.get("names", {}))
    assert names == {"alice": "Alice Liddell", "bob": "Bob Builder"}
    late = live.register("/room", "late", presence="list")
    [state] = server.poll(late.client)
    assert state["principals"] == ["alice", "bob", "late", "watcher"]
    assert state["names"] == {"alice": "Alice Liddell", "bob": "Bob Builder"}


def test_publish_retries_keep_one_id_and_errors_carry_the_servers_sentence(servers):
    server = servers()
    live = LivePage(server.url, PUBLISH_KEY)
    assert live.publish([{"verb": "text", "id": "x", "text": "1"}], location="/nobody", id="same") == 0
    with pytest.raises(LivePageError) as refused:
        live.publish([{"verb": "append", "id": "not an id", "html": "x"}], location="/chat")
    assert refused.value.status == 400 and "events[0]" in str(refused.value)
    assert live.presence("/chat") == {"location": "/chat", "principals": [], "count": 0, "anonymous": 0}
    server.register_page(principal="mallory")
    assert live.disconnect(principal="mallory") == 1


def test_an_unreachable_server_is_a_clear_temporary_error():
    live = LivePage("http://127.0.0.1:9", PUBLISH_KEY, retries=1, backoff=0.01)
    with pytest.raises(LivePageError) as failed:
        live.publish([{"verb": "text", "id": "x", "text": "1"}], location="/a")
    assert failed.value.status == 0 and failed.value.is_temporary and "could not be reached" in str(failed.value)
