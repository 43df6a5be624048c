"""LivePage for Python backends (Django, Flask, anything with the standard library).

A backend runs `livepage-server` beside it and, with this package:

- publishes events to pages (`LivePage.publish`), safely retried with an idempotency id;
- registers the client of each page it renders (`LivePage.register`) and writes it into
  the page (`start_tags`), so no event published between render and first poll is lost;
- mints tokens for pages that register themselves (`mint_token`, HS256 JWT);
- asks who is online (`LivePage.presence`) and disconnects users (`LivePage.disconnect`);
- verifies the signed webhook calls of `--input-webhook` and `--presence-webhook`
  (`WebhookVerifier`, `verify_webhook`) and answers them (`accept`, `refuse`, `silent`).

Python 3.9 or later, standard library only. The wire contract is docs/PROTOCOL.md.
"""

from .client import LivePage, LivePageError, Registration, audience
from .pages import start_options, start_tags
from .tokens import mint_token
from .webhooks import (
    WebhookError,
    WebhookVerifier,
    accept,
    refuse,
    sign_webhook,
    silent,
    verify_webhook,
)

__all__ = [
    "LivePage",
    "LivePageError",
    "Registration",
    "WebhookError",
    "WebhookVerifier",
    "accept",
    "audience",
    "mint_token",
    "refuse",
    "sign_webhook",
    "silent",
    "start_options",
    "start_tags",
    "verify_webhook",
]
