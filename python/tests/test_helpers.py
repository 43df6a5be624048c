"""The package's pure parts: tokens, webhook signatures and replays, page tags."""

import base64
import hashlib
import hmac
import json

import pytest

from livepage import (WebhookError, WebhookVerifier, accept, audience, mint_token, refuse, sign_webhook, start_tags,
                      verify_webhook)

SECRET = "a-webhook-secret-of-at-least-32-bytes!!"


def test_a_token_is_an_hs256_jwt_with_the_claims_the_server_checks():
    token = mint_token("t" * 32, "alice", location="/chat", name="Alice A.", ttl=60, now=1000)
    header, claims, signature = token.split(".")
    pad = lambda part: part + "=" * (-len(part) % 4)
    assert json.loads(base64.urlsafe_b64decode(pad(header))) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(base64.urlsafe_b64decode(pad(claims))) == {
        "sub": "alice", "exp": 1060, "aud": "livepage", "loc": "/chat", "name": "Alice A."}
    expected = hmac.new(b"t" * 32, (header + "." + claims).encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(pad(signature)) == expected
    assert "=" not in token


def test_a_short_token_secret_is_refused_as_the_server_would():
    with pytest.raises(ValueError):
        mint_token("short", "alice")


def test_a_signed_call_verifies_and_parses():
    body = b'{"input":"1","verb":"chat"}'
    call = verify_webhook(body, sign_webhook(body, SECRET, now=5000), SECRET, now=5010)
    assert call == {"input": "1", "verb": "chat"}


@pytest.mark.parametrize("tamper", [
    lambda body, header: (body.replace(b"chat", b"chaT"), header),
    lambda body, header: (body, header.replace("v1=", "v1=0")),
    lambda body, header: (body, header.replace("t=5000", "t=5001")),
    lambda body, header: (body, None),
    lambda body, header: (body, "v1=abc"),
])
def test_a_tampered_call_is_refused(tamper):
    body = b'{"input":"1","verb":"chat"}'
    body, header = tamper(body, sign_webhook(body, SECRET, now=5000))
    with pytest.raises(WebhookError) as refused:
        verify_webhook(body, header, SECRET, now=5000)
    assert refused.value.status == 401


def test_a_call_signed_with_another_secret_is_refused():
    body = b"{}"
    with pytest.raises(WebhookError):
        verify_webhook(body, sign_webhook(body, "another-secret-of-at-least-32-bytes!!"), SECRET)


def test_a_call_older_than_five_minutes_is_refused_as_a_replay():
    body = b'{"input":"1"}'
    header = sign_webhook(body, SECRET, now=1000)
    assert verify_webhook(body, header, SECRET, now=1000 + 299)
    with pytest.raises(WebhookError, match="replay"):
        verify_webhook(body, header, SECRET, now=1000 + 301)


def test_a_call_received_twice_is_refused_as_a_replay():
    verifier = WebhookVerifier(SECRET)
    body = b'{"input":"abc"}'
    header = sign_webhook(body, SECRET)
    assert verifier.verify(body, header)["input"] == "abc"
    with pytest.raises(WebhookError, match="replay"):
        verifier.verify(body, header)


def test_answers_have_the_wire_form():
    status, headers, body = accept([{"verb": "append", "id": "log", "html": "<li>x</li>"}], to={"location": "/a"},
                                   include_input=True)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"events": [{"verb": "append", "id": "log", "html": "<li>x</li>"}],
                                "to": {"location": "/a"}, "input": True}
    assert refuse("No.") == (422, {"Content-Type": "application/json"}, b'{"error": "No."}')
    with pytest.raises(ValueError):
        refuse("Signature", status=401)


def test_start_tags_cannot_be_ended_by_a_value():
    tags = start_tags({"client": "c", "after": 0, "refresh": 25, "location": "</script><b>"})
    assert "</script><b>" not in tags
    assert '\\u003c/script\\u003e' in tags
    assert tags.startswith('<script src="/livepage/livepage.js"></script>')


def test_an_audience_names_exactly_one_target():
    assert audience(location="/a", except_client="x") == {"location": "/a", "except": "x"}
    assert audience(everyone=True) == {"all": True}
    with pytest.raises(ValueError):
        audience(location="/a", principal="b")


def test_the_verifier_forgets_calls_once_their_timestamp_alone_refuses_them():
    verifier = WebhookVerifier(SECRET, tolerance=300)
    first = b'{"input":"1"}'
    verifier.verify(first, sign_webhook(first, SECRET, now=1000), now=1000)
    for second in range(1, 50):
        body = b'{"input":"%d"}' % (second + 1)
        verifier.verify(body, sign_webhook(body, SECRET, now=1000 + second), now=1000 + second)
    later = b'{"input":"late"}'
    verifier.verify(later, sign_webhook(later, SECRET, now=1700), now=1700)
    assert len(verifier._seen) == 1 and len(verifier._order) == 1
