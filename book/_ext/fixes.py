"""Sphinx extension: one fix to the tools that build the book, through Sphinx's public ``html-page-context`` event.

Sphinx 7 lists an inline script that an extension adds after the builder started twice (once with the file name
``None``, once with ``''``). For sphinx-thebe's ``const THEBE_JS_URL`` that is a JavaScript error on every page;
one copy of each script is kept. Nothing here replaces a function or attribute of another package.
"""


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
    app.connect("html-page-context", drop_duplicate_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
