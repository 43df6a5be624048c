"""A Flask app driving LivePage through `python/livepage`: the seed scenarios.

- /chat?user=alice&name=Alice+Liddell: a chat whose messages the backend vets through
  the input webhook (it refuses any message with a banned word, and the sender sees
  its sentence), with who is online shown by display name.
- /items: a list; adding an item (POST /items) is published to every open page.
- /hooks/input and /hooks/presence: the webhooks livepage-server calls, signed.

Sign-in is simulated by the `user` and `name` query parameters: a real app takes them
from its session. Run it beside a server started with this app's webhooks:

    python3 examples/flask_app/app.py --port 5000 &
    livepage-server --port 8080 --publish-key "$LIVEPAGE_PUBLISH_KEY" \\
        --webhook-secret "$LIVEPAGE_WEBHOOK_SECRET" --allowed-origin http://127.0.0.1:5000 \\
        --input-webhook http://127.0.0.1:5000/hooks/input --presence-webhook http://127.0.0.1:5000/hooks/presence

with LIVEPAGE_URL (where the app reaches the server, default http://127.0.0.1:8080),
LIVEPAGE_BROWSER_PREFIX (where pages reach it, default $LIVEPAGE_URL/livepage),
LIVEPAGE_PUBLISH_KEY and LIVEPAGE_WEBHOOK_SECRET in the environment.
"""

import argparse
import html
import os
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

try:
    import livepage
except ImportError:  # run from a clone: the package is in python/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))
    import livepage

from flask import Flask, Response, jsonify, render_template, request
from markupsafe import Markup

LIVEPAGE_URL = os.environ.get("LIVEPAGE_URL", "http://127.0.0.1:8080")
BROWSER_PREFIX = os.environ.get("LIVEPAGE_BROWSER_PREFIX", LIVEPAGE_URL + "/livepage")
BANNED = ("spam",)

app = Flask(__name__)
live = livepage.LivePage(LIVEPAGE_URL, os.environ.get("LIVEPAGE_PUBLISH_KEY"))
verifier = livepage.WebhookVerifier(os.environ.get("LIVEPAGE_WEBHOOK_SECRET", ""))
items = []
presence_log = []
lock = threading.Lock()


def page(template, location, principal=None, name=None, defer=False, **context):
    """Renders `template` with a client registered first, so nothing published between
    the render and the page's first poll is lost; served so no cache reuses the id."""
    meta = {"name": name} if name else None
    registration = live.register(location, principal, meta=meta, presence="list")
    options = Markup(livepage.start_options(registration, BROWSER_PREFIX))
    body = render_template(template, prefix=BROWSER_PREFIX, options=options, defer=defer, **context)
    return Response(body, headers={"Cache-Control": "no-store, private"})


@app.get("/chat")
def chat():
    user = request.args.get("user") or None
    return page("chat.html", "/chat", user, request.args.get("name"), user=user)


@app.get("/items")
def items_page():
    with lock:
        shown = list(items)
    return page("items.html", "/items", defer=request.args.get("defer") == "1", items=shown)


@app.post("/items")
def add_item():
    name = request.form.get("name", "").strip()
    if not name:
        return jsonify(error="An item needs a name."), 400
    with lock:
        items.append(name)
    delivered = live.publish([{"verb": "append", "id": "items", "html": "<li>%s</li>" % html.escape(name)}],
                             location="/items")
    return jsonify(delivered=delivered)


def webhook(handle):
    """Verifies a LivePage webhook call (refusing forgeries and replays with 401) and
    answers with what `handle` returns: (status, headers, body)."""
    try:
        call = verifier.verify(request.get_data(), request.headers.get("LivePage-Signature"))
    except livepage.WebhookError as error:
        return jsonify(error=error.sentence), error.status
    status, headers, body = handle(call)
    return Response(body, status=status, headers=headers)


@app.post("/hooks/input")
def input_hook():
    def vet(call):
        if call["verb"] != "chat":
            return livepage.refuse("This page only sends chat messages.")
        text = str(call["fields"].get("text", "")).strip()
        if not text:
            return livepage.silent()
        if any(word in text.lower() for word in BANNED):
            return livepage.refuse("Your message was not sent: it mentions a banned word.")
        sender = call.get("meta", {}).get("name") or call["principal"] or "someone"
        line = "<li><b>%s</b>: %s</li>" % (html.escape(sender), html.escape(text))
        return livepage.accept([{"verb": "append", "id": "messages", "html": line}])

    return webhook(vet)


@app.post("/hooks/presence")
def presence_hook():
    def note(call):
        with lock:
            presence_log.extend(call["changes"])
        return livepage.silent()

    return webhook(note)


@app.get("/presence-log")
def presence_changes():
    with lock:
        return jsonify(list(presence_log))


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    arguments = parser.parse_args()
    server = make_server(arguments.host, arguments.port, app, server_class=ThreadingServer, handler_class=QuietHandler)
    print("flask app listening on http://%s:%d/" % (arguments.host, server.server_port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
