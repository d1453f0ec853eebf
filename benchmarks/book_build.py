"""How long the book takes to build: clean (the step pages alone, then the whole book) and with nothing changed.

    python benchmarks/book_build.py [--out results/book_build.json]

Every build is ``jupyter-book build -W -n --keep-going`` (what ``make book`` runs), into a temporary folder
(``--path-output``) with an empty model cache (``AE_CACHE_DIR``), so a clean build trains everything it
needs, and your own ``_build`` and ``.cache`` are left alone. The step pages alone are the book with the
table of contents cut to the introduction, the fifteen steps and the API page. Prints wall-clock seconds
and writes them, with the commit and the machine, to ``--out``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ae.results import provenance, write_result  # noqa: E402

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def core_toc(path: Path) -> Path:
    """Write a table of contents with the first part (the steps) and the last (the reference) of ``_toc.yml``."""
    toc = (REPO / "_toc.yml").read_text()
    parts = toc.split("\n  - caption: ")
    path.write_text("\n  - caption: ".join([parts[0], parts[1], parts[-1]]))
    return path


def build(output: Path, cache: Path, toc: Path | None = None) -> float:
    """Seconds one ``jupyter-book build`` of the repository into ``output`` takes; exits with its log if it fails."""
    command = [str(JUPYTER_BOOK), "build", "-W", "-n", "--keep-going", "--path-output", str(output), str(REPO)]
    if toc is not None:
        command += ["--toc", str(toc)]
    env = {**os.environ, "AE_CACHE_DIR": str(cache), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    start = time.monotonic()
    run = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode != 0:
        sys.exit(f"{run.stdout}\nthe build into {output} failed (exit status {run.returncode}): see its log above")
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "results" / "book_build.json"),
                        help="the JSON file to write (default: results/book_build.json)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="measure a tree with uncommitted changes (the result is marked dirty)")
    args = parser.parse_args()
    result = provenance("python benchmarks/book_build.py", "cpu")
    if result["dirty"] and not args.allow_dirty:
        parser.error("the git tree has uncommitted changes: commit them first, or pass --allow-dirty")
    rows = []
    with tempfile.TemporaryDirectory(prefix="ae-book-") as work:
        work = Path(work)
        steps = [("clean, step pages only", core_toc(work / "core_toc.yml"), work / "core"),
                 ("clean, whole book", None, work / "whole"), ("whole book, nothing changed", None, work / "whole")]
        for name, toc, folder in steps:
            load = os.getloadavg()[0]
            seconds = build(folder / "out", folder / "cache", toc)
            rows.append({"build": name, "seconds": round(seconds, 1), "load_average_before": round(load, 2)})
            print(f"{name:<30}{seconds:8.1f} s   (load average before: {load:.1f})", flush=True)
    result["builds"] = rows
    print(f"wrote {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


if __name__ == "__main__":
    main()
