"""The built book's HTML: the step pages in order, executed, with their figures, without errors."""
from __future__ import annotations

import pkgutil
import re
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

import ae

REPO = Path(__file__).resolve().parents[2]

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


def notebook_pages(pages) -> list[Path]:
    """The pages that are notebooks: they show code cells."""
    return [page for page in pages if soup(page).select("article div.cell")]


def test_every_notebook_page_offers_a_notebook_for_plain_jupyter(pages, built_book):
    """The download button gives an .ipynb that nbformat accepts, with the page's visible code cells in order and
    its text in plain Markdown (no MyST markup, which plain Jupyter would show raw), and the .md source."""
    pages = notebook_pages(pages)
    assert len(pages) >= len(STEPS)
    for page in pages:
        name = page.relative_to(built_book).with_suffix("")
        html = soup(page)
        links = [a["href"] for a in html.select("a.btn-download-notebook-button, a.btn-download-source-button")]
        depth = "../" * (len(name.parts) - 1)
        assert links == [f"{depth}_sources/{name}.ipynb", f"{depth}_sources/{name}.md"], f"{name}: {links}"
        notebook = nbformat.read(built_book / "_sources" / f"{name}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert "jupytext" not in notebook.metadata and notebook.metadata.kernelspec.name == "python3"
        code = [cell.source.strip() for cell in notebook.cells
                if cell.cell_type == "code" and not {"remove-input", "install"} & set(cell.metadata.get("tags", []))]
        shown = [cell.select_one("div.cell_input") for cell in html.select("article div.cell:not(.tag_answer)")]
        assert code == [block.get_text().strip() for block in shown if block is not None], \
            f"{name}: the notebook's code cells are not the page's"
        markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        assert not MYST.search(markdown), f"{name}.ipynb keeps MyST markup: {MYST.search(markdown).group()!r}"


# MyST markup that a page or a notebook must not show as text: a role, a directive fence, a colon fence.
MYST = re.compile(r"\{[a-z][\w:-]*\}`|```\{|^:::", re.MULTILINE)
# Where a page's output would show this machine: its folders, the virtual environment, a temporary folder.
MACHINE = re.compile("|".join(re.escape(part) for part in (str(REPO), "/root/", "/home/", "/tmp/", "site-packages")))
LONG_REPR = re.compile(r" object at 0x[0-9a-f]+|Parameter Group \d")
REPR_LINES = 15  # a printed object of more lines than this is a long repr: print what matters of it


def test_no_page_shows_raw_markup(pages, built_book):
    """No MyST role or directive left as text anywhere on a page outside its code listings (``{glue:text}`` in
    backticks shows as code), and no glue role without its value."""
    found = []
    for page in pages:
        article = soup(page).select_one("article") or soup(page)
        for listing in article.select("div.highlight"):
            listing.decompose()
        if match := MYST.search(article.get_text()):
            found.append(f"{page.relative_to(built_book)}: {match.group()!r}")
    assert not found, "raw markup on pages:\n" + "\n".join(found)


def test_no_output_shows_a_machine_path_or_a_long_repr(pages, built_book):
    found = []
    for page in pages:
        for output in soup(page).select("article div.cell_output, article p, article li"):
            text = output.get_text()
            where = page.relative_to(built_book)
            if match := MACHINE.search(text):
                found.append(f"{where}: a machine path {match.group()!r} in {text.strip()[:80]!r}")
            if match := LONG_REPR.search(text):
                found.append(f"{where}: an object repr {match.group()!r}")
            for block in output.select("pre"):
                lines = block.get_text().strip().splitlines()
                if len(lines) > REPR_LINES and re.match(r"\w+\($", lines[0]):
                    found.append(f"{where}: a repr of {len(lines)} lines: {lines[0]!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", [name for name, _ in STEPS])
def test_step_page_ends_with_a_summary_and_a_try_it(built_book, name):
    article = step_page(built_book, name).select_one("article")
    headings = [heading.get_text(strip=True).rstrip("#") for heading in article.select("h2")]
    assert "Summary" in headings, f"{name} has no Summary section"
    summary = article.select("section")[-1]
    assert summary.select_one("h2").get_text(strip=True).rstrip("#") == "Summary", f"{name}: Summary is not last"
    tips = [tip for tip in summary.select("div.admonition.tip")
            if tip.select_one(".admonition-title").get_text(strip=True) == "Try it"]
    assert len(tips) == 1, f"{name}: the Summary section should hold one 'Try it' tip"
    lines = [p for p in summary.find_all("p", recursive=False) if p.get_text(strip=True)]
    assert lines, f"{name}: the Summary section has no summary text"


def test_api_page_documents_every_module(built_book):
    api = soup(built_book / "book" / "api.html")
    documented = {tag["id"].removeprefix("module-") for tag in api.select('[id^="module-"]')}
    modules = {module.name for module in pkgutil.walk_packages(ae.__path__, "ae.") if module.name != "ae.__main__"}
    assert modules <= documented, f"add to book/api.md: {', '.join(sorted(modules - documented))}"


def listings(page: BeautifulSoup) -> list[str]:
    """The text of every source listing of a page (`literalinclude`), not of its code cells."""
    blocks = page.select("article div[class*='highlight-python'] pre, article div.highlight-default pre")
    return [block.get_text() for block in blocks if not block.find_parent("div", class_="cell")]


def test_step_10_shows_the_five_lines_of_a_training_step(built_book):
    found = [text for text in listings(step_page(built_book, "10_training_loop")) if "def train_step" in text]
    assert len(found) == 1, "step 10 should list ae.train_step"
    lines = found[0].strip().splitlines()
    assert len(lines) <= 15, f"step 10's listing has {len(lines)} lines, at most 15"
    for taught in ("model(inputs)", "criterion(output, targets)", "zero_grad()", "backward()", "step()"):
        assert taught in found[0], f"step 10's listing does not hold {taught}"


@pytest.mark.parametrize("name", [name for name, _ in STEPS])
def test_step_listings_are_short_and_show_no_rest_markup(built_book, name):
    for text in listings(step_page(built_book, name)):
        lines = text.strip().splitlines()
        assert len(lines) <= 30, f"{name}: a listing of {len(lines)} lines (at most 30): {lines[0]}"
        assert "``" not in text, f"{name}: a listing shows reST double back-quotes: {lines[0]}"
        assert not re.search(r":[a-z]+:`", text), f"{name}: a listing shows a reST role: {lines[0]}"


def test_no_listing_of_the_book_shows_rest_markup(pages):
    for page in pages:
        for text in listings(soup(page)):
            assert "``" not in text and not re.search(r":[a-z]+:`", text), f"{page}: reST in {text[:80]!r}"


@pytest.mark.parametrize("name", ["07_architecture", "10_training_loop", "11_evaluation"])
def test_your_turn_tasks_have_a_check_and_a_collapsed_answer(built_book, name):
    page = step_page(built_book, name)
    titles = [title.get_text(strip=True) for title in page.select("article div.admonition p.admonition-title")]
    assert "Your turn" in titles, f"{name} has no Your turn task"
    skeleton = [cell for cell in page.select("article div.cell") if "NotImplementedError" in cell.get_text()]
    assert skeleton, f"{name}: no cell for the learner to fill in"
    answers = [details for details in page.select("article details")
               if "Answer" in details.get_text() or "answer" in details.get_text()]
    assert answers and all(not details.has_attr("open") for details in answers), f"{name}: no collapsed answer"
    outputs = " ".join(output.get_text() for output in page.select("article div.cell_output"))
    assert "Right: " in outputs, f"{name}: the check cell does not say the answer is right"
