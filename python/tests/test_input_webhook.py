"""The input webhook against a real livepage-server and a real backend: every outcome
of PROTOCOL.md, "The input webhook"."""

import html
import json
import threading
import urllib.request

from conftest import DEADLINE, WEBHOOK_SECRET, wait_until, webhook_arguments
from livepage import accept, refuse, silent


def vetting_backend(call):
    """The seed scenario: chat messages pass unless they hold a banned word."""
    text = call["fields"].get("text", "")
    if "spam" in text.lower():
        return refuse("Messages may not mention spam.")
    who = call["principal"] or "someone"
    return accept([{"verb": "append", "id": "messages",
                    "html": "<li><b>%s</b>: %s</li>" % (html.escape(who), html.escape(text))}])


def test_the_backend_transforms_input_into_trusted_events_for_the_senders_location(servers, backends):
    backend = backends(vetting_backend)
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page(principal="alice")
    bob = server.register_page(principal="bob")
    status, answer = server.send(alice, "chat", text="hi <there>")
    assert (status, answer) == (200, {"delivered": 2})
    for client in (alice, bob):
        [event] = server.poll(client)
        assert event["html"] == "<li><b>alice</b>: hi &lt;there&gt;</li>"
        assert "from" not in event, "the backend's events are trusted, as a publisher's"
    headers, body = backend.calls[0]
    call = json.loads(body)
    assert call["client"] == alice and call["principal"] == "alice" and call["location"] == "/chat"
    assert call["verb"] == "chat" and call["fields"] == {"text": "hi <there>"}
    assert len(call["input"]) == 32 and headers["Content-Type"] == "application/json"
    assert server.metric('livepage_input_webhook_calls_total{outcome="delivered"}') == 1


def test_a_refusal_reaches_the_sender_as_422_with_the_backends_sentence_and_nothing_is_delivered(servers, backends):
    backend = backends(vetting_backend)
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page(principal="alice")
    bob = server.register_page(principal="bob")
    assert server.send(alice, "chat", text="buy SPAM") == (422, {"error": "Messages may not mention spam."})
    server.send(alice, "chat", text="fine")
    for client in (alice, bob):
        [event] = server.poll(client)
        assert "fine" in event["html"], "the refused message was delivered"


def test_a_silent_acceptance_delivers_nothing(servers, backends):
    backend = backends(lambda call: silent())
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page()
    assert server.send(alice, "typing") == (200, {"delivered": 0})
    assert len(backend.calls) == 1
    assert server.metric("livepage_events_queued_total") == 0


def test_the_answer_may_name_an_audience_and_include_the_input_itself(servers, backends):
    backend = backends(lambda call: accept([{"verb": "confetti", "size": 3}], to={"principal": "bob"},
                                           include_input=True))
    server = servers(*webhook_arguments(backend.url, "--input-verb", "wave"))
    alice = server.register_page(principal="alice")
    bob = server.register_page(location="/elsewhere", principal="bob")
    assert server.send(alice, "wave", hand="left") == (200, {"delivered": 2})
    wave, confetti = server.poll(bob)
    assert wave["verb"] == "wave" and wave["from"] == "alice" and wave["hand"] == "left"
    assert confetti == {"seq": 2, "verb": "confetti", "size": 3}


def test_input_the_server_refuses_is_refused_even_when_the_backend_asks_for_it(servers, backends):
    backend = backends(lambda call: accept([], include_input=True))
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page()
    status, answer = server.send(alice, "update", id="x", html="<b>")
    assert status == 400 and "update" in answer["error"]


def test_a_slow_backend_gives_the_page_504_and_nothing_is_delivered_later(servers, backends):
    release = threading.Event()

    def slow(call):
        release.wait(DEADLINE)
        return accept([{"verb": "append", "id": "messages", "html": "<li>late</li>"}])

    backend = backends(slow)
    server = servers(*webhook_arguments(backend.url, "--webhook-timeout", "0.3"))
    alice = server.register_page()
    status, answer = server.send(alice, "chat", text="hello")
    assert status == 504 and "in time" in answer["error"]
    release.set()
    wait_until(lambda: "--webhook-timeout" in server.log(), lambda: "no log line for the timeout:\n" + server.log())
    # The backend's late answer (if the call reached it in time to be answered at all),
    # written to a connection closed at the deadline, is lost.
    wait_until(lambda: backend.answered == len(backend.calls), "the backend never answered")
    assert server.metric("livepage_events_queued_total") == 0


def test_a_backend_that_is_down_gives_the_page_502_and_a_log_line(servers, backends):
    backend = backends(vetting_backend)
    url = backend.url
    backend.close()
    server = servers(*webhook_arguments(url))
    alice = server.register_page()
    status, answer = server.send(alice, "chat", text="hello")
    assert status == 502 and answer["error"] == "The application could not be reached; nothing was delivered."
    wait_until(lambda: "could not be made" in server.log(), lambda: "no log line:\n" + server.log())


def test_garbage_from_the_backend_gives_the_page_502_and_nothing_is_half_delivered(servers, backends):
    answers = iter([
        (200, {"Content-Type": "application/json"}, b"not json"),
        (200, {"Content-Type": "application/json"}, b'{"no": "events"}'),
        (200, {"Content-Type": "application/json"},
         b'{"events": [{"verb": "append", "id": "m", "html": "x"}, {"verb": "append", "id": "no spaces"}]}'),
        (200, {"Content-Type": "application/json"}, b'{"events": [], "to": {"nobody": true}}'),
        (500, {"Content-Type": "text/plain"}, b"Traceback ..."),
        (302, {"Location": "/login"}, b""),
    ])
    backend = backends(lambda call: next(answers))
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page()
    for _ in range(6):
        status, answer = server.send(alice, "chat", text="x")
        assert status == 502, answer
        assert answer["error"] == "The application did not answer this input usably; nothing was delivered."
    assert server.metric("livepage_events_queued_total") == 0
    assert server.metric('livepage_input_webhook_calls_total{outcome="failed"}') == 6
    assert "input webhook" in server.log()


def test_a_backend_that_refuses_the_signature_is_a_502_and_the_log_names_the_secret(servers, backends):
    backend = backends(vetting_backend, secret="a-different-secret-0123456789abcdef")
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page()
    status, _ = server.send(alice, "chat", text="hello")
    assert status == 502
    wait_until(lambda: "--webhook-secret" in server.log(), lambda: server.log())


def test_the_servers_signature_verifies_with_the_helper_and_a_tampered_copy_does_not(servers, backends):
    from livepage import WebhookError, verify_webhook

    backend = backends(lambda call: silent())
    server = servers(*webhook_arguments(backend.url))
    server.send(server.register_page(), "chat", text="x")
    headers, body = backend.calls[0]
    assert verify_webhook(body, headers["LivePage-Signature"], WEBHOOK_SECRET)["verb"] == "chat"
    try:
        verify_webhook(body.replace(b"chat", b"chaT"), headers["LivePage-Signature"], WEBHOOK_SECRET)
        raise AssertionError("a tampered body verified")
    except WebhookError as error:
        assert error.status == 401


def test_a_full_queue_answers_503_at_once(servers, backends):
    release = threading.Event()
    entered = threading.Event()

    def slow(call):
        entered.set()
        release.wait(DEADLINE)
        return silent()

    backend = backends(slow)
    server = servers(*webhook_arguments(backend.url, "--webhook-concurrency", "1", "--webhook-queue", "0"))
    alice = server.register_page()
    first = threading.Thread(target=server.send, args=(alice, "chat"), kwargs={"text": "1"})
    first.start()
    assert entered.wait(DEADLINE)
    status, answer = server.send(alice, "chat", text="2")
    assert status == 503 and "busy" in answer["error"]
    release.set()
    first.join(DEADLINE)


def test_a_verb_that_cannot_be_one_never_reaches_the_backend(servers, backends):
    backend = backends(lambda call: silent())
    server = servers(*webhook_arguments(backend.url))
    alice = server.register_page()
    assert server.send(alice, "presence")[0] == 400
    assert server.send(alice, "no spaces allowed")[0] == 400
    assert backend.calls == []


def test_a_backend_that_hangs_stalls_nothing_else(servers, backends):
    """While every connection to the backend waits on it, and more calls wait for a
    connection, the server still answers polls, publishes and registrations at once."""
    from conftest import PUBLISH_KEY
    from livepage import LivePage

    release = threading.Event()
    entered = threading.Semaphore(0)

    def hang(call):
        entered.release()
        release.wait(DEADLINE)
        return silent()

    backend = backends(hang)
    server = servers(*webhook_arguments(backend.url, "--webhook-concurrency", "2", "--webhook-timeout", "60"))
    alice = server.register_page()
    senders = [threading.Thread(target=server.send, args=(alice, "chat"), kwargs={"text": str(n)}) for n in range(6)]
    for sender in senders:
        sender.start()
    assert entered.acquire(timeout=DEADLINE) and entered.acquire(timeout=DEADLINE)
    try:
        live = LivePage(server.url, PUBLISH_KEY)
        bob = server.register_page()
        assert live.publish([{"verb": "text", "id": "x", "text": "still here"}], client=bob) == 1
        assert server.poll(bob)[0]["text"] == "still here"
        with urllib.request.urlopen(server.url + "/livepage/health", timeout=DEADLINE) as health:
            assert health.read() == b"ok"
        assert len(backend.calls) == 2, "more calls than connections reached the backend"
    finally:
        release.set()
    for sender in senders:
        sender.join(DEADLINE)
    wait_until(lambda: server.metric('livepage_input_webhook_calls_total{outcome="accepted"}') == 6, "not every input was answered")
