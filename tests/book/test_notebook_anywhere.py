"""A downloaded notebook runs anywhere (issue 18, item 3): on a laptop or Colab, outside the course.

book/_ext/notebooks.py makes each page's ``.ipynb``. Its first cell installs the course's package from the repository
that ``_config.yml`` names (``repository.url``), nothing in its code names a file of the course's checkout, a
"Your turn" answer is a collapsed Markdown block, and a cell whose code the page hides shows its output instead.
The slow test here publishes this working tree as a local git repository, makes one page's notebook for it, and runs
that notebook in a fresh virtual environment outside the checkout, where only its own first cell installs the course.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

import ae.paths

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "book" / "_ext"))
import notebooks  # noqa: E402

CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
# Code that needs the course's checkout: its helpers and folders, the development environment, relative paths.
REPOSITORY_PATH = re.compile(r"course_root|\.venv\b|(?<![\w.])book/|\.\./|\b_build\b|\bsolutions\b|\btests/")
# The page the slow test runs: short, and not one of the step pages with a "Your turn" task.
RUN_PAGE = "book/03_looking_at_the_data"


def config(url: str = "https://github.com/someone/course", branch: str = "main") -> SimpleNamespace:
    """The part of Sphinx's configuration that notebooks.py reads, with the repository that _config.yml would name."""
    return SimpleNamespace(html_theme_options={"repository_url": url, "repository_branch": branch},
                           source_encoding="utf-8-sig", highlight_language="default")


def write_page(folder: Path, cells: str) -> Path:
    page = folder / "page.md"
    page.write_text("---\nfile_format: mystnb\njupytext:\n  text_representation:\n    extension: .md\n"
                    "    format_name: myst\nkernelspec:\n  display_name: Python 3\n  language: python\n"
                    "  name: python3\n---\n\n# A page\n\n" + cells, encoding="utf-8")
    return page


def test_the_first_cell_installs_the_course_from_the_configured_repository(tmp_path):
    page = write_page(tmp_path, "Text.\n\n```{code-cell} ipython3\nimport ae\n```\n")
    notebook = notebooks.page_notebook(page, {}, config("https://example.org/them/course.git", "spring"))
    first = notebook.cells[0]
    assert first.cell_type == "code" and first.metadata.tags == ["install"]
    assert '%pip install --quiet "ae @ git+https://example.org/them/course.git@spring"' in first.source
    assert 'find_spec("ae") is None' in first.source, "installs over the course's own environment"
    assert "AE_RESULTS_DIR" not in first.source, "fetches results that the page does not read"
    assert [cell.source for cell in notebook.cells[1:]] == ["# A page\n\nText.", "import ae"]


def test_a_page_that_reads_committed_results_fetches_them(tmp_path):
    page = write_page(tmp_path, "```{code-cell} ipython3\nfrom ae.paths import results_dir\n"
                                "print(results_dir() / 'sweep.json')\n```\n")
    first = notebooks.page_notebook(page, {}, config("https://github.com/them/course")).cells[0]
    assert '["git", "clone", "--quiet", "--depth", "1", "--branch", "main", "https://github.com/them/course", ' \
        '"course"]' in first.source
    assert 'os.environ["AE_RESULTS_DIR"]' in first.source


def test_a_your_turn_answer_becomes_a_collapsed_block_after_the_skeleton(tmp_path):
    page = write_page(tmp_path, """Your turn: write `double`.

```{code-cell} ipython3
:tags: [skeleton]
def double(x):
    ...  # your code
```

```{code-cell} ipython3
:tags: [answer, hide-input]
def double(x):
    return 2 * x
```

```{code-cell} ipython3
assert double(2) == 4, "double(2) is not 4"
```
""")
    cells = notebooks.page_notebook(page, {}, config()).cells
    kinds = [(cell.cell_type, cell.metadata.get("tags", [])) for cell in cells[2:]]
    assert kinds == [("code", ["skeleton"]), ("markdown", ["answer"]), ("code", [])], kinds
    assert cells[2].source == "def double(x):\n    ...  # your code"
    assert cells[3].source == ("<details><summary>Answer</summary>\n\n```python\ndef double(x):\n    return 2 * x\n"
                               "```\n\n</details>")
    assert cells[4].source.startswith("assert double(2) == 4")


def test_a_cell_whose_code_the_page_hides_shows_its_output(tmp_path):
    hidden = "from ae.paths import results_dir\nprint(results_dir())"
    page = write_page(tmp_path, f"```{{code-cell}} ipython3\n:tags: [remove-input]\n{hidden}\n```\n\n"
                                "```{code-cell} ipython3\nprint(1)\n```\n")
    png = base64.b64encode(b"\x89PNG fake").decode()
    executed = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(hidden, metadata={"tags": ["remove-input"]}, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="a table\n"),
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
            nbformat.v4.new_output("execute_result", execution_count=1, data={
                "text/html": "<style type=\"text/css\">#T_1 td {color: red}</style>\n<table id=\"T_1\"></table>",
                "text/plain": "<Styler>"}),
        ]),
        nbformat.v4.new_code_cell("print(1)", outputs=[]),
    ])
    cells = notebooks.page_notebook(page, {}, config(), executed).cells
    assert [cell.cell_type for cell in cells] == ["code", "markdown", "markdown", "code"]
    shown = cells[2]
    assert shown.source == "```text\na table\n```\n\n![output](attachment:output-1.png)\n\n<table id=\"T_1\"></table>"
    assert shown.attachments == {"output-1.png": {"image/png": png}}
    assert "results_dir" not in "".join(cell.source for cell in cells[1:])
    nbformat.validate(nbformat.v4.new_notebook(cells=cells))


def test_an_exercise_file_is_found_beside_the_notebook_or_in_the_course(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert ae.paths.exercise_file("latent_size.py") == (ae.paths.course_root() / "exercises" / "latent_size.py")
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "latent_size.py").write_text("")
    assert ae.paths.exercise_file("latent_size.py") == tmp_path / "exercises" / "latent_size.py"
    (tmp_path / "latent_size.py").write_text("")
    assert ae.paths.exercise_file("latent_size.py") == tmp_path / "latent_size.py"
    with pytest.raises(FileNotFoundError, match="mine.py not found in .*beside this notebook"):
        ae.paths.exercise_file("mine.py")


def built_notebooks(built_book: Path) -> dict[str, nbformat.NotebookNode]:
    return {str(path.relative_to(built_book / "_sources").with_suffix("")): nbformat.read(path, as_version=4)
            for path in sorted((built_book / "_sources").rglob("*.ipynb"))}


@pytest.mark.slow
def test_every_notebook_installs_the_course_and_names_no_repository_path(built_book):
    found = built_notebooks(built_book)
    assert RUN_PAGE in found and len(found) >= 15, sorted(found)
    url, branch = CONFIG["repository"]["url"].rstrip("/"), CONFIG["repository"].get("branch", "main")
    wrong = []
    for name, notebook in found.items():
        first, code = notebook.cells[0], [cell for cell in notebook.cells[1:] if cell.cell_type == "code"]
        if first.metadata.get("tags") != ["install"] or f'%pip install --quiet "ae @ git+{url}@{branch}"' \
                not in first.source:
            wrong.append(f"{name}: the first cell does not install the course from {url}: {first.source[:80]!r}")
        for cell in code:
            if match := REPOSITORY_PATH.search(cell.source):
                wrong.append(f"{name}: {match.group()!r} in {cell.source[:80]!r}")
        if any("results_dir(" in cell.source for cell in code) and "AE_RESULTS_DIR" not in first.source:
            wrong.append(f"{name}: reads committed results that its first cell does not fetch")
    assert not wrong, "\n".join(wrong)


@pytest.mark.slow
def test_the_launch_buttons_open_the_pages_notebook(built_book):
    """The Colab and Binder buttons come from repository.url and open the page's own .ipynb, not its MyST source."""
    from bs4 import BeautifulSoup

    owner_repo = CONFIG["repository"]["url"].rstrip("/").split("github.com/")[1]
    branch = CONFIG["launch_buttons"]["notebooks_branch"]
    html = BeautifulSoup((built_book / f"{RUN_PAGE}.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in html.select("a[href]") if "colab" in a["href"] or "binder" in a["href"]}
    assert links == {
        f"{CONFIG['launch_buttons']['colab_url']}/github/{owner_repo}/blob/{branch}/_sources/{RUN_PAGE}.ipynb",
        f"{CONFIG['launch_buttons']['binderhub_url']}/v2/gh/{owner_repo}/{branch}?urlpath=tree/_sources/{RUN_PAGE}.ipynb",
    }, links


def publish(tmp_path: Path) -> str:
    """This working tree (its tracked files and the new ones git does not ignore) as a git repository: the course
    as it would be published, uncommitted work included. Its file: URL stands for repository.url."""
    origin = tmp_path / "origin"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (origin / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, origin / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-c", "commit.gpgsign=false"]
    for command in (["init", "--quiet", "--initial-branch=main"], ["add", "--all"], ["commit", "--quiet", "-m", "course"]):
        subprocess.run(git + command, cwd=origin, check=True, capture_output=True)
    return f"file://localhost{origin}"  # a host, or pip before 23.3 refuses the requirement (git takes either)


RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
notebook = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(notebook, timeout=1800, kernel_name="python3", allow_errors=True).execute()
nbformat.write(notebook, sys.argv[2])
"""
PROBE = 'import json, sys\nimport ae.paths\nprint(json.dumps({"python": sys.executable, "ae": ae.paths.__file__}))'


@pytest.mark.slow
def test_a_downloaded_notebook_runs_in_a_fresh_environment(built_book, tmp_path):
    """One page's notebook, made for a repository URL, runs in a new virtual environment outside the checkout: its
    first cell installs the course from that repository, the data come from AE_DATA_DIR, and every cell prints what
    the built page shows."""
    url = publish(tmp_path)
    execute = built_book.parent / "jupyter_execute"
    glue = json.loads((execute / f"{RUN_PAGE}.glue.json").read_text(encoding="utf-8"))
    built = notebooks.executed_notebook(SimpleNamespace(outdir=str(built_book), config=SimpleNamespace()),
                                        REPO / f"{RUN_PAGE}.md", RUN_PAGE)
    notebook = notebooks.page_notebook(REPO / f"{RUN_PAGE}.md", glue, config(url), built)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    laptop = tmp_path / "laptop"  # the learner's folder: the notebook, and nothing of the course
    laptop.mkdir()
    nbformat.write(notebook, laptop / "page.ipynb")

    venv = tmp_path / "venv"
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH", "AE_CACHE_DIR", "AE_RESULTS_DIR")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", AE_DATA_DIR=str(ae.paths.data_dir()),
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter"), JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "ipykernel", "nbclient"], check=True,
                   env=env, cwd=laptop, timeout=600)
    ran = subprocess.run([venv / "bin" / "python", "-c", RUNNER, "page.ipynb", "ran.ipynb"], cwd=laptop, env=env,
                         capture_output=True, text=True, timeout=2400)
    print(f"fresh environment and run: {time.monotonic() - start:.0f} s")
    assert ran.returncode == 0, ran.stderr[-3000:]
    result = nbformat.read(laptop / "ran.ipynb", as_version=4)

    code = [cell for cell in result.cells if cell.cell_type == "code"]
    errors = [f"{output.ename}: {output.evalue}" for cell in code for output in cell.outputs
              if output.output_type == "error"]
    assert not errors, errors
    assert all(cell.execution_count for cell in code), "a cell did not run"
    probe = json.loads(code[-1].outputs[0].text)
    assert Path(probe["python"]).parent.parent == venv, probe
    assert Path(probe["ae"]).is_relative_to(venv) and not Path(probe["ae"]).is_relative_to(REPO), probe

    def printed(cell) -> str:
        return "".join(output.text for output in cell.outputs if output.output_type == "stream" and output.name == "stdout")

    shown = {cell.source.strip(): printed(cell) for cell in built.cells if cell.cell_type == "code"}
    page_cells = [cell for cell in code[1:-1] if cell.source.strip() in shown]
    assert page_cells and any(printed(cell) for cell in page_cells), "the page printed nothing"
    for cell in page_cells:
        assert printed(cell) == shown[cell.source.strip()], f"prints otherwise than the book: {cell.source[:60]!r}"
