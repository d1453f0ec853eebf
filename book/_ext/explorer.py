"""Sphinx extension: the files of the book's in-page models, written into the site's static files.

Three pages compute in the reader's browser with weights exported by ``ae.export``: the latent explorer
(``book/further/explorer.md``, ``book/_static/explorer.js``), from ``ae.export.explorer()`` into
``_static/explorer/``; the page where the reader draws a digit (``book/further/draw.md``,
``book/_static/draw.js``), from ``ae.export.drawing()`` into ``_static/draw/``; and the denoising page's
denoiser (``book/further/denoising.md``, ``book/_static/denoise.js``), from ``ae.export.denoising()`` into
``_static/denoise/``. Each set holds the weights and a
parity file, what torch computes for a few inputs, for the browser tests. They are written when the build ends,
once the pages have run (so the models they trained are in ``ae``'s cache, and the exports are cached there too),
only for pages that are part of the book, and only when the page was read again in this build or its files are
missing: a build that changed nothing does not load torch.
"""
from pathlib import Path

# Page → (folder under _static, the function of ae.export that gives its files, one of the files).
PAGES = {"book/further/explorer": ("explorer", "explorer", "explorer.json"),
         "book/further/draw": ("draw", "drawing", "draw.json"),
         "book/further/denoising": ("denoise", "denoising", "denoise.json")}


def note_pages_read(app, env, docnames):
    """Remember which pages this build reads (their sources changed, or they are new)."""
    app.ae_pages_read = set(docnames)


def write_files(app, exception):
    """Write the files of each in-page model whose page is in the book, was read again, or lacks its files."""
    if exception is not None or app.builder.format != "html":
        return
    for page, (folder, function, first) in PAGES.items():
        out = Path(app.outdir) / "_static" / folder
        if page in app.env.found_docs and (page in getattr(app, "ae_pages_read", ()) or not (out / first).exists()):
            from ae import export  # torch and MNIST: loaded only here

            export.write_files(out, getattr(export, function)())


def setup(app):
    app.connect("env-before-read-docs", note_pages_read)
    app.connect("build-finished", write_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
