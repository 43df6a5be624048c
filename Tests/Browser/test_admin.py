"""The admin page at /livepage/admin in Chromium: it refuses a browser without the key,
signs in with it through its form, and shows live, through LivePage itself, the clients
as pages open and close. Its screenshot is the README's (docs/admin.png)."""

from selenium.webdriver.common.by import By

from conftest import PUBLISH_KEY, ROOT


def text(page, element_id):
    return page.execute_script("const e = document.getElementById(arguments[0]); return e && e.textContent",
                               element_id)


def sign_in(page, server, key=PUBLISH_KEY):
    page.get(server.url("/livepage/admin"))
    field = page.find_element(By.NAME, "key")
    field.send_keys(key)
    field.submit()


def open_admin(page, server):
    sign_in(page, server)
    page.wait(lambda p: text(p, "clients") not in (None, "\u2013"), "the admin page never showed its figures")
    page.wait_state("connected")
    return page


def test_the_admin_page_refuses_a_browser_without_the_key(server, browsers):
    page = browsers()
    page.get(server.url("/livepage/admin"))
    assert page.find_elements(By.NAME, "key") != []
    assert page.find_elements(By.ID, "clients") == []
    assert page.execute_script("return typeof window.LivePage") == "undefined"
    # A wrong key gets the form again, saying so.
    sign_in(page, server, key="not-the-key-0123456789")
    page.wait(lambda p: "That key does not open the admin page." in p.page_source, "the wrong key was not refused")
    assert page.find_elements(By.ID, "clients") == []
    assert page.get_cookies() == []
    assert server.presence("/livepage/admin")["anonymous"] == 0


def test_the_admin_page_counts_clients_live_as_pages_open_and_close(server, browsers):
    admin = open_admin(browsers(), server)
    admin.execute_script("window.marker = 'not reloaded'")
    # The admin page is a LivePage page itself: one client.
    admin.wait(lambda p: text(p, "clients") == "1", lambda: f"expected 1 client, the page shows {text(admin, 'clients')}")
    cookie = admin.get_cookie("livepage_admin")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/livepage/admin"

    visitor = browsers()
    visitor.get(server.url("/?name=bob"))
    visitor.wait_state("connected")
    admin.wait(lambda p: text(p, "clients") == "2", lambda: f"the second page never counted: {text(admin, 'clients')}")
    admin.wait(lambda p: "/" in p.texts("#top td.name"), lambda: f"its location is not listed: {admin.texts('#top tr')}")

    # The visitor leaves (pagehide closes its client at once): the count goes back down.
    visitor.get("about:blank")
    admin.wait(lambda p: text(p, "clients") == "1", lambda: f"the page that left is still counted: {text(admin, 'clients')}")
    assert admin.execute_script("return window.marker") == "not reloaded"


def test_the_admin_page_screenshot(server, browsers):
    """The README's docs/admin.png: a few pages open, a backend publishing, and clients
    that do not poll, whose queues grow."""
    for location in ("/orders", "/orders", "/orders", "/reports"):
        server.post_json("/livepage/clients", {"location": location})
    pages = [browsers(), browsers()]
    pages[0].get(server.url("/?name=alice"))
    pages[1].get(server.url("/board"))
    for page in pages:
        page.wait_state("connected")
    admin = open_admin(browsers(), server)

    published = [0]

    def publish_and_check(page):
        """Publishes a burst, more each time, then says whether the charts have a
        quarter of a minute of history."""
        published[0] += 1
        burst = 1 + published[0] % 7
        server.publish("/", [{"verb": "append", "id": "target", "html": f"<p>tick {published[0]}</p>", "limit": 20}] * burst)
        server.publish("/orders", [{"verb": "text", "id": "count", "text": str(published[0])}])
        return page.execute_script("return document.querySelectorAll('#rate-chart polyline, #depth-chart rect').length") \
            and page.execute_script("return document.querySelectorAll('#depth-chart rect').length") >= 15

    admin.wait(publish_and_check, "the charts never filled", timeout=90)
    admin.execute_script("document.activeElement.blur()")
    path = ROOT / "docs" / "admin.png"
    admin.set_window_size(1100, 900)
    admin.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
