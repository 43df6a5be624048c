"""Tokens for pages that register themselves, in token mode (`--token-secret`)."""

import base64
import hashlib
import hmac
import json
import time
from typing import Optional, Union


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(secret: Union[str, bytes], principal: str, *, location: Optional[str] = None,
               name: Optional[str] = None, ttl: int = 300, now: Optional[int] = None) -> str:
    """An HS256 JWT that lets a page register as `principal`, for `ttl` seconds
    (minutes at most: it is needed only to register), at `location` only when given.
    `name` is the display name presence shows instead of the principal."""
    key = secret.encode() if isinstance(secret, str) else secret
    if len(key) < 32:
        raise ValueError("the token secret must be at least 32 bytes, as the server requires")
    claims = {"sub": principal, "exp": int(now if now is not None else time.time()) + int(ttl), "aud": "livepage"}
    if location is not None:
        claims["loc"] = location
    if name is not None:
        claims["name"] = name
    signing_input = _b64(b'{"alg":"HS256","typ":"JWT"}') + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)
