"""The built book in a real browser: headless Chromium (Debian's), driven by Playwright (``page``, in conftest.py),
over a local server."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


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
