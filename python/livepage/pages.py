"""Writing a registered client into a rendered page."""

import json
from typing import Any, Mapping


def _script_json(value: Any) -> str:
    """JSON that cannot end a <script> element: <, >, & and U+2028/U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def start_options(registration: Mapping[str, Any], prefix: str = "/livepage", **options: Any) -> str:
    """The options of `LivePage.start(...)` for a registered client, as JSON safe to
    write inside a <script> element: `prefix`, `client`, `after`, `refresh`, `location`
    and `options`. For pages that write their own script element (a CSP nonce, a start
    deferred until something else is ready)."""
    start = {"prefix": prefix, "client": registration["client"], "after": int(registration.get("after", 0)),
             "refresh": registration.get("refresh", 25), "location": registration.get("location")}
    start.update(options)
    return _script_json(start)


def start_tags(registration: Mapping[str, Any], prefix: str = "/livepage", **options: Any) -> str:
    """Two <script> elements for the end of a page's <body>: one loading livepage.js
    from `prefix` (as the browser reaches the server), one starting it with the
    registered client and `after`, so the page's first poll gets every event queued
    since the render. `options` are more `LivePage.start` options (`presence="list"`).

    Serve the page with `Cache-Control: no-store, private`: no cached copy or duplicated
    tab may reuse the client id. In Django mark the result safe (`mark_safe`); in Flask
    use `Markup` or `|safe`.
    """
    source = prefix.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;") + "/livepage.js"
    return '<script src="%s"></script>\n<script>LivePage.start(%s);</script>' % (
        source, start_options(registration, prefix, **options))
