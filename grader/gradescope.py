"""Gradescope: the ``results.json`` of one graded submission, and the autograder that writes it.

    python -m grader.gradescope [--root /autograder]

is what the bundle's ``run_autograder`` runs (``make autograder`` builds the bundle, see
``grader/autograder/``): it grades ``ROOT/submission`` with the instructor's seed and writes
``ROOT/results/results.json`` in Gradescope's format, one test per check. Public checks are visible at once,
the checks against the reference solution after the grades are published.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ae.paths import atomic_write

from .sandbox import bwrap_works

COURSE = Path(__file__).resolve().parent.parent


def results(report: dict) -> dict:
    """A grading report (``--grading-report``) in Gradescope's ``results.json`` format: one test per check."""
    reasons = "; ".join(f"{name}: {row['reason']}" for name, row in report.get("exercises", {}).items()
                        if row["reason"])
    output = report.get("error") or reasons or "every check passed"
    return {"score": report.get("points", 0), "output": output, "stdout_visibility": "hidden",
            "tests": [{"name": f"{check['exercise']}: {check['name']}", "score": check["points"],
                       "max_score": check["max_points"], "output": check["message"],
                       "visibility": "after_published" if check["hidden"] else "visible"}
                      for check in report.get("checks", [])]}


def write_results(path, report: dict) -> None:
    """Write ``results(report)`` to ``path`` atomically."""
    text = json.dumps(results(report), indent=1)
    atomic_write(path, lambda tmp: tmp.write_text(text))


def lock_down(root: Path) -> None:
    """File modes for ``user`` isolation: what the submission's user must not read is root's alone."""
    for private in (root / "results", COURSE / "solutions", COURSE / ".cache", COURSE / "results"):
        private.mkdir(parents=True, exist_ok=True)
        private.chmod(0o700)
    for public in (COURSE, COURSE / "ae", COURSE / "grader", root / "source" if (root / "source").exists() else COURSE):
        public.chmod(0o755)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per exercise (default %(default)s)")
    args = parser.parse_args(argv)
    root = Path(args.root)
    (root / "results").mkdir(parents=True, exist_ok=True)
    isolation = "bwrap" if bwrap_works() else "user"
    if isolation == "user":
        lock_down(root)
    from .batch import grade_one

    with tempfile.TemporaryDirectory(prefix="grader-gradescope-") as work:
        submission = Path(work) / "submission"
        shutil.copytree(root / "submission", submission, symlinks=True)
        report = grade_one(submission, Path(work), timeout=args.timeout, memory=None, seed=None, isolation=isolation)
    report.setdefault("isolation", isolation)
    write_results(root / "results" / "results.json", report)
    print(f"graded with {isolation} isolation: {report.get('points', 0)} / {report.get('max_points', '?')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
