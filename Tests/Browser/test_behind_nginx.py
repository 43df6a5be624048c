"""The README's nginx block, run by a real nginx in front of the real server: the demo's
pages load through it and stay live in Chromium, as a newcomer following the README sees
them (before, the block proxied only /livepage/, so / and /board answered 404)."""

import os
import shutil
import socket
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import wait_until

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme_block():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        text = readme.read()
    after = text[text.index("<!-- nginx-config"):]
    start = after.index("```nginx\n") + len("```nginx\n")
    return after[start:after.index("```", start)]


def nginx_executable():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("LIVEPAGE_REQUIRE_TOOLS"):
        pytest.fail("nginx is not installed: apt-get install nginx-light")
    pytest.skip("nginx is not installed: apt-get install nginx-light")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(server):
    executable = nginx_executable()
    folder = tempfile.mkdtemp(prefix="livepage-readme-nginx-")
    port = free_port()
    block = readme_block()
    assert "listen 80;" in block and "server 127.0.0.1:8080;" in block
    block = block.replace("listen 80;", f"listen 127.0.0.1:{port};")
    block = block.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{server.port};")
    temp = " ".join(f"{name}_temp_path {folder}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    configuration = (f"daemon off; master_process off; pid {folder}/nginx.pid; error_log {folder}/error.log warn;\n"
                     f"events {{ worker_connections 256; }}\nhttp {{ access_log off; {temp}\n{block}\n}}\n")
    with open(os.path.join(folder, "nginx.conf"), "w", encoding="utf-8") as file:
        file.write(configuration)
    process = subprocess.Popen([executable, "-p", folder, "-c", os.path.join(folder, "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def listening():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            return False

    wait_until(listening, "nginx did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)


def test_the_demo_pages_load_and_stay_live_through_the_readmes_nginx(nginx, server, browsers):
    first, second = browsers(), browsers()
    for browser, name in ((first, "ada"), (second, "bob")):
        browser.get(f"{nginx}/?name={name}")
        browser.wait_state("connected")
    field = first.find_element(By.NAME, "message")
    field.send_keys("hello through nginx")
    field.send_keys(Keys.ENTER)
    second.wait(lambda page: "hello through nginx" in page.find_element(By.TAG_NAME, "body").text,
                "the message never reached the other page through nginx")

    board = browsers()
    board.get(f"{nginx}/board")
    board.wait_state("connected")
    answer = server.publish("/board", [{"verb": "text", "id": "counter", "text": "42"}])
    assert answer["delivered"] >= 1
    board.wait(lambda page: page.find_element(By.ID, "counter").text == "42", "the board never showed the publish")
