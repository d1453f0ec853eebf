"""Sphinx extension: the files the latent explorer runs on, written into the site's ``_static/explorer/``.

The page ``book/further/explorer.md`` decodes codes in the reader's browser (``book/_static/explorer.js``) with the
weights of the course's 2-d models, exported by ``ae.export.write_explorer``: ``explorer.json`` and
``explorer.bin``, and ``parity.json``, what torch decodes from three codes per model, for the browser test. They are
written when the build ends, once the pages have run (so the models they trained are in ``ae``'s cache, and the
export itself is cached there too), and only when the page is part of the book.
"""
from pathlib import Path

PAGE = "book/further/explorer"


def write_files(app, exception):
    """Write the explorer's files after a successful HTML build that holds the page."""
    if exception is None and app.builder.format == "html" and PAGE in app.env.found_docs:
        from ae.export import write_explorer  # torch and MNIST: loaded only here

        write_explorer(Path(app.outdir) / "_static" / "explorer")


def setup(app):
    app.connect("build-finished", write_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
