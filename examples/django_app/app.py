"""A Django app driving LivePage through `python/livepage`: the seed scenarios, in one
file (settings, URLs and views) with its templates beside it.

- /chat?user=alice&name=Alice+Liddell: a chat whose messages the backend vets through
  the input webhook (it refuses any message with a banned word, and the sender sees
  its sentence), with who is online shown by display name.
- /items: a list; adding an item (POST /items) is published to every open page.
- /hooks/input and /hooks/presence: the webhooks livepage-server calls, signed.

Sign-in is simulated by the `user` and `name` query parameters: a real app takes them
from `request.user`. Run it as the Flask example is run (examples/flask_app/app.py),
with the same environment: LIVEPAGE_URL, LIVEPAGE_BROWSER_PREFIX, LIVEPAGE_PUBLISH_KEY,
LIVEPAGE_WEBHOOK_SECRET.

    python3 examples/django_app/app.py --port 8000
"""

import argparse
import html
import os
import sys
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

HERE = Path(__file__).resolve().parent
settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret"),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(HERE / "templates")]}],
)
django.setup()

from django.http import HttpResponse, JsonResponse  # noqa: E402  (after settings)
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

try:
    import livepage
except ImportError:  # run from a clone: the package is in python/
    sys.path.insert(0, str(HERE.parents[1] / "python"))
    import livepage

LIVEPAGE_URL = os.environ.get("LIVEPAGE_URL", "http://127.0.0.1:8080")
BROWSER_PREFIX = os.environ.get("LIVEPAGE_BROWSER_PREFIX", LIVEPAGE_URL + "/livepage")
BANNED = ("spam",)

live = livepage.LivePage(LIVEPAGE_URL, os.environ.get("LIVEPAGE_PUBLISH_KEY"))
verifier = livepage.WebhookVerifier(os.environ.get("LIVEPAGE_WEBHOOK_SECRET", ""))
items = []
presence_log = []
lock = threading.Lock()


def live_page(request, template, location, principal=None, name=None, **context):
    """Renders `template` with a client registered first, so nothing published between
    the render and the page's first poll is lost; served so no cache reuses the id."""
    registration = live.register(location, principal, meta={"name": name} if name else None, presence="list")
    context.update(prefix=BROWSER_PREFIX, options=mark_safe(livepage.start_options(registration, BROWSER_PREFIX)))
    response = render(request, template, context)
    response["Cache-Control"] = "no-store, private"
    return response


def chat(request):
    user = request.GET.get("user") or None
    return live_page(request, "chat.html", "/chat", user, request.GET.get("name"), user=user)


@csrf_exempt  # an example without sessions; a real app keeps CSRF protection on
def items_view(request):
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            return JsonResponse({"error": "An item needs a name."}, status=400)
        with lock:
            items.append(name)
        delivered = live.publish([{"verb": "append", "id": "items", "html": "<li>%s</li>" % html.escape(name)}],
                                 location="/items")
        return JsonResponse({"delivered": delivered})
    with lock:
        shown = list(items)
    return live_page(request, "items.html", "/items", items=shown, defer=request.GET.get("defer") == "1")


def webhook(request, handle):
    """Verifies a LivePage webhook call (refusing forgeries and replays with 401) and
    answers with what `handle` returns: (status, headers, body)."""
    try:
        call = verifier.verify(request.body, request.headers.get("LivePage-Signature"))
    except livepage.WebhookError as error:
        return JsonResponse({"error": error.sentence}, status=error.status)
    status, headers, body = handle(call)
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt  # LivePage signs its calls; the signature is the check
@require_POST
def input_hook(request):
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

    return webhook(request, vet)


@csrf_exempt
@require_POST
def presence_hook(request):
    def note(call):
        with lock:
            presence_log.extend(call["changes"])
        return livepage.silent()

    return webhook(request, note)


def presence_changes(request):
    with lock:
        return JsonResponse(list(presence_log), safe=False)


urlpatterns = [
    path("chat", chat),
    path("items", items_view),
    path("hooks/input", input_hook),
    path("hooks/presence", presence_hook),
    path("presence-log", presence_changes),
]


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    from django.core.wsgi import get_wsgi_application

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args()
    server = make_server(arguments.host, arguments.port, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    print("django app listening on http://%s:%d/" % (arguments.host, server.server_port), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
