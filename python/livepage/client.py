"""Talking to `livepage-server` with the publish key: publish, register, presence,
disconnect."""

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Dict, List, Mapping, Optional


class LivePageError(Exception):
    """The server refused a request, or could not be reached.

    `status` is the HTTP status (0 when no answer came), `sentence` the server's own
    one-sentence reason (its JSON `error`), `reason` its `reason` field if any.
    `str(error)` is the sentence.
    """

    def __init__(self, status: int, sentence: str, reason: Optional[str] = None):
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence
        self.reason = reason

    @property
    def is_temporary(self) -> bool:
        """Whether trying again later may work (no answer, 429, 502, 503, 504)."""
        return self.status in (0, 429, 502, 503, 504)


class Registration(dict):
    """A client the backend registered for a page it renders: `client` (the id, a
    secret: write it into that page only), `after`, `refresh`, `location`,
    `principal`, `epoch`, as `POST /livepage/clients` answered."""

    @property
    def client(self) -> str:
        return self["client"]

    @property
    def after(self) -> int:
        return int(self.get("after", 0))


def audience(location: Optional[str] = None, principal: Optional[str] = None, client: Optional[str] = None,
             everyone: bool = False, except_client: Optional[str] = None) -> Dict[str, Any]:
    """The `to` object of a publish or disconnect: exactly one of `location`,
    `principal`, `client` or `everyone`, and optionally `except_client`."""
    named = [(key, value) for key, value in (("location", location), ("principal", principal), ("client", client))
             if value is not None]
    if everyone:
        named.append(("all", True))
    if len(named) != 1:
        raise ValueError("name exactly one of location, principal, client or everyone")
    to = dict(named)
    if except_client is not None:
        to["except"] = except_client
    return to


class LivePage:
    """A `livepage-server` as a backend sees it.

    `url` is where the backend reaches the server (`http://127.0.0.1:8080`), `prefix`
    its route prefix. Calls that fail for a temporary reason (no answer, 429, 502, 503,
    504) are tried `retries` more times with exponential backoff from `backoff`
    seconds; a publish keeps one idempotency id over its tries, so it is delivered once.
    """

    def __init__(self, url: str = "http://127.0.0.1:8080", publish_key: Optional[str] = None, *,
                 prefix: str = "/livepage", timeout: float = 10.0, retries: int = 3, backoff: float = 0.25):
        self.url = url.rstrip("/")
        self.prefix = prefix.rstrip("/")
        self.publish_key = publish_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    # -- publishing -----------------------------------------------------------------

    def publish(self, events: List[Mapping[str, Any]], to: Optional[Mapping[str, Any]] = None, *,
                id: Optional[str] = None, **audience_fields: Any) -> int:
        """Sends `events` (dicts with a `verb`) to an audience, trusted (HTML is used as
        given: escape what users wrote with `html.escape`). The audience is `to` or the
        keywords of `audience()`: `publish(events, location="/chat")`.

        Returns `delivered`, the (client, event) pairs queued. A retry sends the same
        `id` (a random one unless given), which the server delivers once within 5 minutes.
        """
        body = {"to": dict(to) if to is not None else audience(**audience_fields), "events": list(events),
                "id": id or uuid.uuid4().hex}
        return int(self._call("POST", "/publish", body)["delivered"])

    def disconnect(self, to: Optional[Mapping[str, Any]] = None, **audience_fields: Any) -> int:
        """Removes every client of the audience (a logged-out user); returns how many."""
        body = {"to": dict(to) if to is not None else audience(**audience_fields)}
        return int(self._call("POST", "/disconnect", body)["disconnected"])

    def presence(self, location: str) -> Dict[str, Any]:
        """Who is online at `location`: `principals` (sorted), `count`, `anonymous`."""
        return self._call("GET", "/presence?location=" + urllib.parse.quote(location, safe=""))

    def register(self, location: str, principal: Optional[str] = None, *, meta: Optional[Mapping[str, Any]] = None,
                 presence: Optional[str] = None) -> Registration:
        """Registers the client of a page about to be rendered, for `principal` (the
        user the backend authenticated; None for anonymous), with optional `meta` (a
        dict of at most 1 KiB of JSON; its `name` is shown in presence lists instead of
        the principal). Write it into the page with `start_tags`.

        Not retried: a page would rather render at once without live updates than wait.
        """
        body: Dict[str, Any] = {"location": location, "principal": principal}
        if meta is not None:
            body["meta"] = dict(meta)
        if presence is not None:
            body["presence"] = presence
        return Registration(self._call("POST", "/clients", body, retries=0))

    # -- the wire -------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Optional[Mapping[str, Any]] = None,
              retries: Optional[int] = None) -> Dict[str, Any]:
        if not self.publish_key:
            raise LivePageError(0, "No publish key: give LivePage(publish_key=...) the server's --publish-key.")
        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                return self._once(method, path, body)
            except LivePageError as error:
                if not error.is_temporary or attempt >= retries:
                    raise
                time.sleep(self.backoff * (2 ** attempt) * random.uniform(0.5, 1.0))
                attempt += 1

    def _once(self, method: str, path: str, body: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": "Bearer " + self.publish_key}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + self.prefix + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise _error_of(error.code, error.read()) from None
        except (urllib.error.URLError, OSError) as error:
            raise LivePageError(0, "LivePage could not be reached at " + self.url + ": " + str(error)) from None


def _error_of(status: int, body: bytes) -> LivePageError:
    try:
        answer = json.loads(body)
        return LivePageError(status, str(answer["error"]), answer.get("reason"))
    except (ValueError, KeyError, TypeError):
        return LivePageError(status, "LivePage answered HTTP %d." % status)
