"""The built book's HTML: the step pages in order, executed, with their figures, without errors."""
from __future__ import annotations

import pkgutil
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

import ae

pytestmark = pytest.mark.slow
# The step pages in the order of the book, with their titles.
STEPS = [
    ("01_imports", "Imports and dependencies"),
    ("02_loading_mnist", "Loading MNIST"),
    ("03_looking_at_the_data", "Looking at the data"),
    ("04_dataloaders", "DataLoaders"),
    ("05_inspecting_a_batch", "Inspecting a batch"),
    ("06_demo_hyperparameters", "Demonstration hyperparameters"),
    ("07_architecture", "The autoencoder architecture"),
    ("08_forward_pass", "A forward-pass sanity check"),
    ("09_reset", "Resetting the model"),
    ("10_training_loop", "The training loop"),
    ("11_evaluation", "Evaluating on the test set and logging"),
    ("12_plotting_losses", "Plotting the losses"),
    ("13_hyperparameters", "The hyperparameter box"),
    ("14_training", "Training the model"),
    ("15_reconstruction", "Looking at a reconstruction"),
]

# The steps whose pages draw figures.
FIGURE_STEPS = ["03_looking_at_the_data", "08_forward_pass", "12_plotting_losses", "14_training",
                "15_reconstruction"]


def soup(path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def step_page(html, name) -> BeautifulSoup:
    path = html / "book" / f"{name}.html"
    assert path.is_file(), f"step page {name} was not built ({path} is missing)"
    return soup(path)


def test_one_page_per_step_in_order(built_book):
    sidebar = soup(built_book / "book" / "intro.html").select_one("nav.bd-docs-nav")
    links = [(a["href"].removesuffix(".html"), a.get_text(strip=True)) for a in sidebar.select("li.toctree-l1 > a")]
    steps = [link for link in links if link[0] in dict(STEPS)]
    assert steps == STEPS
    for name, title in STEPS:
        heading = step_page(built_book, name).select_one("article h1")
        for anchor in heading.select("a.headerlink"):
            anchor.decompose()
        assert heading.get_text(strip=True) == title


@pytest.mark.parametrize("name", [name for name, _ in STEPS])
def test_step_page_has_executed_output(built_book, name):
    cells = step_page(built_book, name).select("article div.cell")
    assert cells, f"{name} has no code cells"
    assert any(cell.select_one("div.cell_output") for cell in cells), f"{name} shows no output of its code"


def test_every_notebook_page_has_executed_output(pages):
    for page in pages:
        cells = soup(page).select("article div.cell")
        assert not cells or any(cell.select_one("div.cell_output") for cell in cells), f"{page} shows no output"


@pytest.mark.parametrize("name", FIGURE_STEPS)
def test_figure_pages_contain_images(built_book, name):
    images = step_page(built_book, name).select("article div.cell_output img")
    assert images, f"{name} should show a figure"
    for image in images:
        assert (built_book / "book" / image["src"]).resolve().is_file(), f"{name}: {image['src']} is missing"


def test_no_page_shows_an_error(pages):
    for page in pages:
        article = soup(page).select_one("article") or soup(page)
        text = article.get_text()
        assert "Traceback (most recent call last)" not in text, f"{page} shows a traceback"
        assert not article.select(".traceback, .system-message, .problematic"), f"{page} shows an error"
        for stderr in article.select("div.output.stderr"):
            assert "Error" not in stderr.get_text() and "Warning" not in stderr.get_text(), \
                f"{page} shows an error or a warning: {stderr.get_text()[:300]}"


def test_internal_links_lead_to_files(pages, built_book):
    missing = []
    for page in pages:
        for anchor in soup(page).select("a[href]"):
            target = urlsplit(anchor["href"])
            if not (target.scheme or target.netloc) and target.path and not (page.parent / target.path).exists():
                missing.append(f"{page.relative_to(built_book)}: {anchor['href']}")
    assert not missing, "links to missing files:\n" + "\n".join(sorted(set(missing)))


@pytest.mark.parametrize("name", [name for name, _ in STEPS])
def test_step_page_can_be_downloaded(built_book, name):
    links = step_page(built_book, name).select("a.btn-download-source-button")
    assert [a["href"] for a in links] == [f"../_sources/book/{name}.md"]
    assert (built_book / "_sources" / "book" / f"{name}.md").is_file()


def test_api_page_documents_every_module(built_book):
    api = soup(built_book / "book" / "api.html")
    documented = {tag["id"].removeprefix("module-") for tag in api.select('[id^="module-"]')}
    modules = {module.name for module in pkgutil.walk_packages(ae.__path__, "ae.") if module.name != "ae.__main__"}
    assert modules <= documented, f"add to book/api.md: {', '.join(sorted(modules - documented))}"
