"""Sphinx extension: run the pages' notebooks as many at a time as there are cores, before Sphinx reads them.

MyST-NB runs a page's notebook when Sphinx reads the page, one page after the other, and each page first spends
seconds starting its kernel and importing torch on one core. Here, at Sphinx's ``env-before-read-docs`` event,
the notebooks about to be read are added to MyST-NB's jupyter-cache project and run by jupyter-cache's own
execution worker in a pool of processes, one page per task, which stores their outputs in the cache; MyST-NB
then finds them there, exactly as after an earlier build. The pages go in reverse order of their names, so the
going-further pages and the exercises, which train the most, start first, and the short step pages fill the
gaps; but a page whose front matter says ``run_first: true`` goes before them all (step 14, which trains the
book's model and stores it in ``ae``'s cache, where many other pages load it instead of training it again). Only with ``execute_notebooks: cache``, and only pages without an execution mode of their own (those are
left to MyST-NB). A page that fails here is run again by MyST-NB, which reports its error as usual.

A page whose front matter says ``run_when_read: true`` (the pages that read committed results) runs again
whenever Sphinx reads it, as MyST-NB's ``force`` mode would run it, but here with the others: its outputs in the
cache are dropped first. Sphinx reads a page again when it changes or when a file it links to changes, such as
the result file of a ``{download}`` link.
"""
import multiprocessing
import time
from pathlib import Path

from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from sphinx.util import logging

MYST_NOTEBOOK = {"type": "plugin", "name": "myst_nb_md"}  # MyST-NB's reader of .md notebooks, as it registers it


def page_mode(path: Path, config) -> str:
    """The execution mode of one page: its own (``mystnb: execution_mode:`` in its front matter), else MyST-NB's."""
    metadata = read_myst_markdown_notebook(path.read_text()).metadata.get(config.metadata_key, {})
    return metadata.get("execution_mode", config.execution_mode)


def front_matter(path: Path, key: str) -> bool:
    """Whether the page's front matter says ``<key>: true``."""
    return read_myst_markdown_notebook(path.read_text()).metadata.get(key) is True


def run_notebooks(app, env, docnames):
    """Run the MyST notebooks among ``docnames`` that the cache does not hold yet, in parallel, into the cache."""
    config = env.mystnb_config  # MyST-NB's settings, with the cache's path resolved
    if config.execution_mode != "cache":
        return
    paths = sorted((Path(env.doc2path(name)) for name in sorted(docnames, reverse=True)),
                   key=lambda path: not (path.suffix == ".md" and front_matter(path, "run_first")))
    uris = [str(path) for path in paths if path.suffix == ".md" and is_myst_markdown_notebook(path.read_text())
            and page_mode(path, config) == "cache"]
    cache = get_cache(config.execution_cache_path)
    for uri in uris:
        cache.add_nb_to_project(uri, read_data=MYST_NOTEBOOK)
        record = cache.get_cached_project_nb(uri) if front_matter(Path(uri), "run_when_read") else None
        if record is not None:  # outputs of the results it read last time: run it again
            cache.remove_cache(record.pk)
    pending = {record.uri: record.pk for record in cache.list_unexecuted(uris)}
    jobs = [ProcessData(pending[uri], uri, cache, config.execution_timeout, config.execution_allow_errors)
            for uri in uris if uri in pending]
    if not jobs:
        return
    start = time.monotonic()
    with multiprocessing.Pool() as pool:
        codes = [code for code, _ in pool.imap_unordered(ExecutionWorkerLocalMProc(), jobs)]
    failed = sum(code != 0 for code in codes)
    logging.getLogger(__name__).info(
        f"ran {len(jobs)} notebooks, {multiprocessing.cpu_count()} at a time, in {time.monotonic() - start:.0f} s"
        + (f"; {failed} failed and will run again one by one" if failed else ""))


def setup(app):
    app.connect("env-before-read-docs", run_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
