"""The built book in a real browser: headless Chromium (Debian's), driven by Playwright, over a local server."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
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


def test_every_page_loads_cleanly(page, problems, pages, built_book, server):
    """No console error, no failed or external request, and every image loaded, on every page."""
    for path in pages:
        url = f"{server}/{path.relative_to(built_book).as_posix()}"
        page.goto(url, wait_until="networkidle")
        broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                               ".map(i => i.src)")
        problems += [f"{url}: image not loaded: {src}" for src in broken]
    assert not problems, "\n".join(problems)


# Measured in the page at a 1280-pixel-wide window: what a reader would have to scroll or squint at.
LAYOUT = """() => {
  const article = document.querySelector("article");
  const problems = [];
  if (article === null) return problems;
  for (const pre of article.querySelectorAll("pre")) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const line = pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a), "");
      problems.push(`code wider than the column (${pre.scrollWidth} > ${pre.clientWidth} px): ${line.trim().slice(0, 60)}`);
    }
  }
  for (const img of article.querySelectorAll("img")) {
    if (img.naturalWidth > img.clientWidth + 1) {
      problems.push(`figure drawn ${img.naturalWidth} px wide, shown ${img.clientWidth} px: ${img.src.split("/").pop()}`);
    }
  }
  for (const cell of article.querySelectorAll("td, th")) {
    if (!cell.textContent.trim()) continue;
    const style = getComputedStyle(cell);
    if (parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) < 8) {
      problems.push(`table cell without padding: ${cell.textContent.trim().slice(0, 20)}`);
      break;
    }
  }
  return problems;
}"""


def test_every_page_fits_the_column(page, pages, built_book, server):
    """At a 1280-pixel-wide window no code block scrolls sideways, no figure is shown smaller than drawn (its
    text would shrink), and table cells have room around their numbers."""
    found = []
    for path in pages:
        name = path.relative_to(built_book).as_posix()
        page.goto(f"{server}/{name}", wait_until="networkidle")
        found += [f"{name}: {problem}" for problem in page.evaluate(LAYOUT)]
    assert not found, "\n".join(found)


def test_sidebar_links_lead_to_pages(page, problems, built_book, server):
    page.goto(f"{server}/book/intro.html")
    links = page.eval_on_selector_all("nav.bd-docs-nav a.reference", "links => links.map(a => a.href)")
    assert len(links) >= 15
    for link in sorted(set(links)):
        response = page.request.get(link)
        assert response.ok, f"sidebar link {link}: HTTP {response.status}"
        assert "<article" in response.text(), f"sidebar link {link} is not a page of the book"
    assert not problems, "\n".join(problems)


def test_search_finds_autoencoder(page, problems, server):
    page.goto(f"{server}/search.html?q=autoencoder")
    page.wait_for_selector("#search-results ul.search li", timeout=20_000)
    results = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
    assert any("/book/" in result for result in results), results
    assert not problems, "\n".join(problems)


def test_screenshot_of_step_15(page, problems, server, artifacts):
    page.goto(f"{server}/book/15_reconstruction.html", wait_until="networkidle")
    path = artifacts / "15_reconstruction.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    assert not problems, "\n".join(problems)
