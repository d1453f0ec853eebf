"""Fixtures of the book tests: the book built once per session, its pages, a local web server for them, and a tab
of headless Chromium (Debian's, driven by Playwright) that may reach that server only."""
from __future__ import annotations

import functools
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The HTML folder of the book, built with the README's command (incremental: unchanged pages are reused)."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "-W", "-n", "--keep-going", "."]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=3000)
    if result.returncode != 0:
        log = (result.stdout + result.stderr).splitlines()
        pytest.fail(f"`{' '.join(command[1:])}` failed (exit {result.returncode}); the end of its output:\n"
                    + "\n".join(log[-40:]), pytrace=False)
    return HTML


@pytest.fixture(scope="session")
def pages(built_book) -> list[Path]:
    """Every HTML page of the built book (not the files under ``_static``)."""
    return sorted(page for page in built_book.rglob("*.html") if page.relative_to(built_book).parts[0] != "_static")


@pytest.fixture(scope="session")
def server(built_book) -> str:
    """The base URL of a web server on 127.0.0.1, on a free port, serving the built book."""
    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(built_book)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for the files a test run leaves to look at (screenshots): ``_build/artifacts``."""
    folder = REPO / "_build" / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get update && apt-get install -y chromium "
                    "chromium-driver` (.ci/run does)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def problems() -> list[str]:
    """What went wrong in the browser tab of the test: console errors, page errors, failed or external requests."""
    return []


@pytest.fixture
def page(browser, problems):
    """A browser tab that records its problems in ``problems`` and may only reach 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()

    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status}: {response.url}")

    def local_only(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"external request: {route.request.url}")
            route.abort()

    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} ({request.failure})"))
    tab.on("response", on_response)
    context.route("**/*", local_only)
    yield tab
    context.close()
