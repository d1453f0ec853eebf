"""Sphinx extension: every page of the book as a Jupyter notebook (``.ipynb``) to download and run.

The pages are MyST Markdown notebooks, which plain Jupyter opens only with jupytext. At build time each one is
converted into an ``.ipynb`` beside its source in ``_sources/`` and offered by the page's download button. Plain
Jupyter shows Markdown, not MyST, so the text is made plain: included source becomes a code block, glued numbers
become their values (from the build's own run), admonitions become bold titles, cross-references their text; the
cells hidden from the page (tag ``remove-cell``: glue and checks) are left out. Nothing here replaces a function
or attribute of another package: it uses Sphinx's public ``html-page-context`` event and the theme's documented
``ipynb_source`` value.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import jupytext
import nbformat
import yaml
from myst_nb.core.variables import format_plain_text
from sphinx.directives.code import LiteralIncludeReader

FENCE = re.compile(r"^(?P<fence>```+|:::+)\{(?P<name>[\w:-]+)\}(?P<argument>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                   re.DOTALL | re.MULTILINE)
OPTION = re.compile(r"^:(?P<name>[\w-]+):(?P<value>.*)$")
ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]*)`")
TARGET = re.compile(r"^\([\w-]+\)=[ \t]*\n", re.MULTILINE)


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
            options = {key: value for key, value in options.items() if key not in ("language", "caption")}
            text, _ = LiteralIncludeReader(str((page.parent / argument).resolve()), options, config).read()
            return f"```python\n{text.rstrip()}\n```"
        if name in ("code-block", "code"):
            return f"```{argument}\n{body}\n```"
        title = argument or name.capitalize()
        body = FENCE.sub(directive, body)
        return "\n".join([f"> **{title}**", ">"] + [f"> {line}".rstrip() for line in body.splitlines()])

    text = FENCE.sub(directive, TARGET.sub("", source))
    return ROLE.sub(lambda match: _role(match, glue), text)


def page_notebook(page: Path, glue: dict, config) -> nbformat.NotebookNode:
    """The notebook of one MyST page: its visible cells, in plain Markdown and code, without outputs."""
    notebook = jupytext.read(page)
    cells = []
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, page, glue, config)
        cells.append(cell)
    kernelspec = notebook.metadata.get("kernelspec", {"name": "python3", "display_name": "Python 3",
                                                        "language": "python"})
    result = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec,
                                                             "language_info": {"name": "python"}})
    nbformat.validate(result)
    return result


def add_notebook(app, pagename, templatename, context, doctree):
    """Write the page's notebook to ``_sources/<page>.ipynb`` and offer it in the page's download button."""
    page = Path(app.env.doc2path(pagename)) if doctree is not None else None
    if page is None or not page.is_file() or "kernelspec:" not in page.read_text(encoding="utf-8"):
        return
    glue_file = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.glue.json"
    glue = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(page_notebook(page, glue, app.config), str(target))
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app):
    app.connect("html-page-context", add_notebook, priority=400)  # before the theme's buttons (priority 501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
