"""Sphinx extension: every page of the book as a Jupyter notebook (``.ipynb``) to download and run.

The pages are MyST Markdown notebooks, which plain Jupyter opens only with jupytext. At build time each one is
converted into an ``.ipynb`` beside its source in ``_sources/`` and offered by the page's download button. Plain
Jupyter shows Markdown, not MyST, so the text is made plain: included source becomes a code block, glued numbers
become their values (from the build's own run), admonitions become bold titles, cross-references their text; the
cells hidden from the page (tag ``remove-cell``: glue and checks) are left out, and a cell whose code the page hides
but whose output it shows (tag ``remove-input``) becomes that output, from the build's own run.

A downloaded notebook runs anywhere, on a laptop or Colab, outside the course: its first cell (tag ``install``)
installs the course's package from the repository that ``_config.yml`` names (``repository: url, branch``), when
``ae`` is not installed already, and on a page whose code reads the committed results (``results_dir()``) fetches
them from there too. In a "Your turn" task the skeleton (tag ``skeleton``) stays a code cell for the learner to
fill in, and the answer (tag ``answer``) becomes a collapsed Markdown block after it.

The launch buttons (``launch_buttons: colab_url, binderhub_url``) open the same notebook: the theme points them at
the page's ``.md`` source, which Colab cannot open, so they are pointed at ``_sources/<page>.ipynb`` on the branch
the built site is published from (``launch_buttons: notebooks_branch``, ``gh-pages`` as ``ghp-import`` makes it).

Nothing here replaces a function or attribute of another package: it uses Sphinx's public ``html-page-context``
event, the theme's documented ``ipynb_source`` value and the ``header_buttons`` it builds for the page.
"""
from __future__ import annotations

import json
import re
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import jupytext
import nbformat
import yaml
from jupyter_cache import get_cache
from myst_nb.core.variables import format_plain_text
from sphinx.directives.code import LiteralIncludeReader

FENCE = re.compile(r"^(?P<fence>```+|:::+)\{(?P<name>[\w:-]+)\}(?P<argument>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                   re.DOTALL | re.MULTILINE)
OPTION = re.compile(r"^:(?P<name>[\w-]+):(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]*)`")
TARGET = re.compile(r"^\([\w-]+\)=[ \t]*\n", re.MULTILINE)
STYLE = re.compile(r"<style\b.*?</style>\s*", re.DOTALL | re.IGNORECASE)
INSTALL, SKELETON, ANSWER = "install", "skeleton", "answer"  # the tags of the cells made or converted here
RESULTS_FOLDER = "course"  # where a page that reads committed results clones the repository, beside the notebook


def _split_options(body: str) -> tuple[dict[str, str], str]:
    """A directive's ``:name: value`` options (values as YAML reads them) and the rest of its body."""
    options, lines = {}, body.splitlines()
    while lines and (match := OPTION.match(lines[0])):
        value = match["value"].strip()
        options[match["name"]] = str(yaml.safe_load(value)) if value else True
        lines.pop(0)
    return options, "\n".join(lines).strip("\n")


def _role(match: re.Match, glue: dict) -> str:
    name, text = match["name"], match["text"]
    if name in ("glue", "glue:text"):
        key, _, spec = text.partition(":")
        return format_plain_text(glue[key]["data"]["text/plain"], spec)
    label = re.fullmatch(r"(?P<label>.*?)\s*<[^>]*>", text, re.DOTALL)
    text = label["label"] if label else text
    return f"`{text}`" if name.startswith("py:") else text


def plain_markdown(source: str, page: Path, glue: dict, config) -> str:
    """The Markdown of one cell with its MyST directives and roles made plain (see the module's docstring)."""
    def directive(match: re.Match) -> str:
        options, body = _split_options(match["body"])
        name, argument = match["name"], match["argument"].strip()
        if name == "literalinclude":
            language = options.get("language", "python")
            options = {key: value for key, value in options.items() if key not in ("language", "caption")}
            text, _ = LiteralIncludeReader(str((page.parent / argument).resolve()), options, config).read()
            return f"```{language}\n{text.rstrip()}\n```"
        if name in ("code-block", "code"):
            return f"```{argument}\n{body}\n```"
        title = argument or name.capitalize()
        body = FENCE.sub(directive, body)
        if name == "dropdown":  # collapsed, as on the page
            return f"<details><summary>{title.replace('`', '')}</summary>\n\n{body}\n\n</details>"
        return "\n".join([f"> **{title}**", ">"] + [f"> {line}".rstrip() for line in body.splitlines()])

    text = FENCE.sub(directive, TARGET.sub("", source))
    return ROLE.sub(lambda match: _role(match, glue), text)


def repository(config) -> tuple[str, str]:
    """The course's git repository and branch, as ``_config.yml`` names them (``repository: url, branch``)."""
    options = config.html_theme_options
    return options.get("repository_url", "").rstrip("/"), options.get("repository_branch") or "main"


def install_cell(config, reads_results: bool) -> nbformat.NotebookNode:
    """The notebook's first cell: the course's package from its repository, when missing; with ``reads_results``,
    the results committed there too (a shallow clone beside the notebook, named by ``AE_RESULTS_DIR``)."""
    url, branch = repository(config)
    lines = [
        "# Run this cell first. Outside the course (a laptop, Colab) it installs the course's package, ae, with",
        "# PyTorch, from the course's repository: a few minutes, once. MNIST is downloaded when first needed",
        "# (into data/ here, or read from the folder AE_DATA_DIR names).",
        "import importlib",
        "import importlib.util",
        "",
        'if importlib.util.find_spec("ae") is None:',
        f'    %pip install --quiet "ae @ git+{url}@{branch}"',
        "    importlib.invalidate_caches()",
    ]
    if reads_results:
        clone = ["git", "clone", "--quiet", "--depth", "1", "--branch", branch, url, RESULTS_FOLDER]
        lines += [
            "",
            "import os",
            "import subprocess",
            "",
            "from ae.paths import results_dir",
            "",
            "# This page reads the results committed to the course's repository: a copy of it, when they are missing.",
            "if not results_dir().is_dir():",
            f'    if not os.path.isdir("{RESULTS_FOLDER}"):',
            f"        subprocess.run({json.dumps(clone)}, check=True)",
            f'    os.environ["AE_RESULTS_DIR"] = os.path.abspath(os.path.join("{RESULTS_FOLDER}", "results"))',
        ]
    return nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INSTALL]})


def output_markdown(outputs: list) -> nbformat.NotebookNode | None:
    """A Markdown cell showing what a cell printed or displayed (text, tables, figures as attachments)."""
    parts, attachments = [], {}
    for output in outputs:
        data = output.get("data", {})
        if output.output_type == "stream":
            text = output.text
        elif "image/png" in data or "image/jpeg" in data:
            kind = "image/png" if "image/png" in data else "image/jpeg"
            name = f"output-{len(attachments) + 1}.{kind.split('/')[1]}"
            attachments[name] = {kind: data[kind]}
            parts.append(f"![output](attachment:{name})")
            continue
        elif "text/markdown" in data:
            parts.append(data["text/markdown"].strip())
            continue
        elif "text/html" in data:
            parts.append(STYLE.sub("", data["text/html"]).strip())
            continue
        else:
            text = data.get("text/plain", "")
        if text.strip():
            parts.append(f"```text\n{text.rstrip()}\n```")
    if not parts:
        return None
    cell = nbformat.v4.new_markdown_cell("\n\n".join(parts))
    if attachments:
        cell.attachments = attachments
    return cell


def answer_markdown(source: str) -> nbformat.NotebookNode:
    """A "Your turn" answer as a collapsed block: the learner opens it when stuck, and it never runs."""
    body = f"<details><summary>Answer</summary>\n\n```python\n{source.strip()}\n```\n\n</details>"
    return nbformat.v4.new_markdown_cell(body, metadata={"tags": [ANSWER]})


def page_notebook(page: Path, glue: dict, config, executed: nbformat.NotebookNode | None = None
                  ) -> nbformat.NotebookNode:
    """The notebook of one MyST page: the install cell, then its visible cells in plain Markdown and code.

    ``executed`` is the page's notebook as the build ran it: the outputs of its ``remove-input`` cells come from
    there (without it, those cells stay code).
    """
    notebook = jupytext.read(page)
    shown = {cell.source.strip(): cell.get("outputs", []) for cell in (executed.cells if executed else [])
             if cell.cell_type == "code" and "remove-input" in cell.metadata.get("tags", [])}
    cells = []
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, page, glue, config)
        elif ANSWER in tags:
            cell = answer_markdown(cell.source)
        elif "remove-input" in tags and cell.source.strip() in shown:
            cell = output_markdown(shown[cell.source.strip()])
            if cell is None:
                continue
        cells.append(cell)
    reads_results = any(cell.cell_type == "code" and "results_dir(" in cell.source for cell in cells)
    cells.insert(0, install_cell(config, reads_results))
    kernelspec = notebook.metadata.get("kernelspec", {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"})
    result = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec,
                                                             "language_info": {"name": "python"}})
    nbformat.validate(result)
    return result


def _notebook_page(app, pagename, doctree) -> Path | None:
    """The MyST notebook source of a page, or None for a page that is not a notebook."""
    page = Path(app.env.doc2path(pagename)) if doctree is not None else None
    if page is None or not page.is_file() or "kernelspec:" not in page.read_text(encoding="utf-8"):
        return None
    return page


def offer_notebook(app, pagename, templatename, context, doctree):
    """Offer ``_sources/<page>.ipynb`` in the page's download button (before the theme makes its buttons)."""
    if _notebook_page(app, pagename, doctree) is not None:
        context["ipynb_source"] = f"{pagename}.ipynb"


def launch_url(app, pagename: str, button: dict) -> str:
    """A launch button's link, opening ``_sources/<page>.ipynb`` on the branch the built site is published from."""
    launch = app.config.html_theme_options.get("launch_buttons", {})
    url, _ = repository(app.config)
    owner_repo = url.split("github.com/", 1)[-1].removesuffix(".git")
    path = f"_sources/{pagename}.ipynb"
    branch = launch["notebooks_branch"]
    if button.get("text") == "Colab":
        return f"{launch['colab_url'].rstrip('/')}/github/{owner_repo}/blob/{branch}/{path}"
    interface = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
    return f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{owner_repo}/{branch}?urlpath={quote(f'{interface}/{path}')}"


def executed_notebook(app, page: Path, pagename: str) -> nbformat.NotebookNode | None:
    """The page's notebook with the outputs of the build's run: from jupyter-cache for a cached page (MyST-NB's
    ``jupyter_execute/<page>.ipynb`` then has none), else that file (pages executed in the build itself)."""
    build = Path(app.outdir).parent
    cache_folder = Path(getattr(app.config, "nb_execution_cache_path", "") or build / ".jupyter_cache")
    if cache_folder.is_dir():
        with suppress(KeyError):
            return get_cache(str(cache_folder)).merge_match_into_notebook(jupytext.read(page))[1]
    executed = build / "jupyter_execute" / f"{pagename}.ipynb"
    return nbformat.read(str(executed), as_version=4) if executed.is_file() else None


def add_notebook(app, pagename, templatename, context, doctree):
    """Write the page's notebook to ``_sources/<page>.ipynb`` and point the Colab and Binder buttons at it.

    Runs after the theme, which copies the executed notebook to the same file when launch buttons are on.
    """
    page = _notebook_page(app, pagename, doctree)
    if page is None:
        return
    glue_file = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.glue.json"
    glue = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(page_notebook(page, glue, app.config, executed_notebook(app, page, pagename)), str(target))
    context["ipynb_source"] = f"{pagename}.ipynb"
    if "github.com/" not in repository(app.config)[0]:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") in ("Colab", "Binder") and "notebooks_branch" in \
                    app.config.html_theme_options.get("launch_buttons", {}):
                button["url"] = launch_url(app, pagename, button)


def setup(app):
    app.connect("html-page-context", offer_notebook, priority=400)  # before the theme's buttons (priority 501)
    app.connect("html-page-context", add_notebook, priority=600)  # after them: the theme's launch buttons copy
    return {"parallel_read_safe": True, "parallel_write_safe": True}
