"""The signed calls of `--input-webhook` and `--presence-webhook`, verified, and the
answers an input webhook gives.

Every call carries `LivePage-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">` under the `--webhook-secret`. Verify it over the exact bytes received,
before parsing them.
"""

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, List, Mapping, Optional, Tuple, Union

#: Calls older (or newer) than this, in seconds, are refused: a recorded call cannot be
#: replayed later.
TOLERANCE = 300


class WebhookError(Exception):
    """A webhook call that must be refused: `status` is what to answer (401: not signed
    by LivePage, or too old; 400: not JSON), `sentence` why."""

    def __init__(self, status: int, sentence: str):
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence


def _key(secret: Union[str, bytes]) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def sign_webhook(body: bytes, secret: Union[str, bytes], now: Optional[int] = None) -> str:
    """The `LivePage-Signature` value LivePage sends with `body` at `now`."""
    timestamp = int(now if now is not None else time.time())
    code = hmac.new(_key(secret), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (timestamp, code)


def verify_webhook(body: bytes, signature: Optional[str], secret: Union[str, bytes], *,
                   now: Optional[float] = None, tolerance: int = TOLERANCE) -> Dict[str, Any]:
    """Checks a call's `LivePage-Signature` header over its exact `body` bytes and
    returns the parsed JSON.

    Raises `WebhookError` (401) for a missing or malformed header, a signature that does
    not match (compared in constant time; any `v1` may match, for secret rotation), or a
    timestamp more than `tolerance` seconds away from now; (400) for a body that is not
    a JSON object.
    """
    if not signature:
        raise WebhookError(401, "The call carries no LivePage-Signature header.")
    timestamp = None
    codes = []
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            codes.append(value)
    if timestamp is None or not codes:
        raise WebhookError(401, "The LivePage-Signature header is not t=<seconds>,v1=<hex>.")
    expected = hmac.new(_key(secret), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    matched = False
    for code in codes:
        matched |= hmac.compare_digest(expected.encode(), code.encode())
    if not matched:
        raise WebhookError(401, "The signature does not match: the call was not signed with this secret.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookError(401, "The call is more than %d seconds old (or from the future): refused as a replay." % tolerance)
    try:
        value = json.loads(body)
    except ValueError:
        raise WebhookError(400, "The body is not JSON.") from None
    if not isinstance(value, dict):
        raise WebhookError(400, "The body is not a JSON object.")
    return value


class WebhookVerifier:
    """`verify_webhook` that also refuses a call it has received already, within the
    tolerance: a replay of a fresh call is refused too. A retry of a presence call is
    not a replay: it is signed anew (and carries its `attempt`); its `presence` id stays
    the same, for a backend that wants to apply each call once. Thread-safe."""

    def __init__(self, secret: Union[str, bytes], tolerance: int = TOLERANCE):
        self.secret = secret
        self.tolerance = tolerance
        self._seen: Dict[str, float] = {}
        # Signatures in the order received, so forgetting old ones costs O(1) each.
        self._order: Deque[Tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def verify(self, body: bytes, signature: Optional[str], now: Optional[float] = None) -> Dict[str, Any]:
        call = verify_webhook(body, signature, self.secret, now=now, tolerance=self.tolerance)
        current = time.time() if now is None else now
        # The signature covers the timestamp and every byte: the same one twice is the
        # same call received twice. Past 2 x tolerance its timestamp alone refuses it.
        key = (signature or "").replace(" ", "")
        with self._lock:
            while self._order and current - self._order[0][0] > 2 * self.tolerance:
                _, old = self._order.popleft()
                self._seen.pop(old, None)
            if key in self._seen:
                raise WebhookError(401, "This call was received already: refused as a replay.")
            self._seen[key] = current
            self._order.append((current, key))
        return call


def accept(events: List[Mapping[str, Any]], to: Optional[Mapping[str, Any]] = None,
           include_input: bool = False) -> Tuple[int, Dict[str, str], bytes]:
    """The answer that delivers `events` (trusted: escape what users wrote) to `to` (an
    audience; the sender's location when None), after the page's own input event when
    `include_input`. Returns (status, headers, body)."""
    answer: Dict[str, Any] = {"events": list(events)}
    if to is not None:
        answer["to"] = dict(to)
    if include_input:
        answer["input"] = True
    return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()


def silent() -> Tuple[int, Dict[str, str], bytes]:
    """The answer that accepts the input and delivers nothing (204)."""
    return 204, {}, b""


def refuse(sentence: str, status: int = 422) -> Tuple[int, Dict[str, str], bytes]:
    """The answer that refuses the input: the page's `LivePage.send` rejects with
    `sentence` (shown to the sender as text). `status` is any 4xx but 401."""
    if not 400 <= status < 500 or status == 401:
        raise ValueError("a refusal is a 4xx other than 401 (which says the signature was refused)")
    return status, {"Content-Type": "application/json"}, json.dumps({"error": sentence}).encode()
