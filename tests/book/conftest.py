"""Fixtures of the book tests: the book built once per session, its pages, and a local web server for them."""
from __future__ import annotations

import functools
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "_build" / "html"


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
