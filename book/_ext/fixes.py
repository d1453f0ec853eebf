"""Sphinx extension: two fixes to the tools that build the book, each for a flaw they have at the pinned versions.

- A tqdm progress bar reaches a notebook as many small stream outputs, each redrawing the bar after a carriage
  return. MyST-NB's ``nb_merge_streams`` ends each of them with a newline before it handles the carriage
  returns, which leaves one line per redraw. Joining the chunks of each stream first, as Jupyter and nbclient
  do, lets MyST-NB's own carriage-return handling keep the bar's final line.
- Sphinx 7 lists an inline script that an extension adds after the builder started twice (once with the
  file name ``None``, once with ``''``). For sphinx-thebe's ``const THEBE_JS_URL`` that is a JavaScript error
  on every page; one copy of each script is kept.
"""
import copy

from myst_nb.core import render

_coalesce_streams = render.coalesce_streams


def join_streams(outputs):
    """The outputs with each stream's chunks joined into its first chunk, then merged by MyST-NB."""
    joined, streams = [], {}
    for output in outputs:
        if output["output_type"] != "stream":
            joined.append(output)
        elif output["name"] in streams:
            streams[output["name"]]["text"] += output["text"]
        else:
            streams[output["name"]] = copy.copy(output)
            joined.append(streams[output["name"]])
    return _coalesce_streams(joined)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of the page's scripts that differ only by a file name of ``None`` or ``''``."""
    seen, scripts = set(), []
    for script in context["script_files"]:
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts


def setup(app):
    render.coalesce_streams = join_streams
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
