"""Grade a class: ``python -m ae.grade DIR [DIR ...] --csv grades.csv [--gradescope OUTDIR] [--jobs N]``.

Every submission folder (laid out like ``exercises/``) is copied, then graded by the checks of the exercise
folders, run by pytest in a process of its own; each exercise of the submission runs in an isolated process
(:mod:`grader.sandbox`). The points come from the suite's report, which that pytest process writes in a folder
no submission can see. The reference records are computed once, before the class, outside any sandbox. One
row per submission: the points per exercise, the total, and a short reason where an exercise lost points; a
failure while grading one submission, the grader's own included, is reported on its row and the batch goes on.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ae.paths import atomic_write

from . import reference
from .gradescope import write_results
from .registry import names
from .sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, bwrap_works, missing_isolation_message

COURSE = Path(__file__).resolve().parent.parent
CHECKS = COURSE / "tests" / "grading"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="python -m ae.grade", description="Grade a class of submissions with the grading checks.")
    parser.add_argument("submissions", nargs="+", metavar="DIR", help="submission folders, laid out like exercises/")
    parser.add_argument("--csv", required=True, metavar="FILE", help="write one row per submission to this CSV file")
    parser.add_argument("--gradescope", metavar="OUTDIR",
                        help="also write OUTDIR/<submission>/results.json in Gradescope's format")
    parser.add_argument("--force", action="store_true", help="replace the CSV and Gradescope files if they exist")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help="time limit of each exercise of a submission (default %(default)s)")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help="memory each exercise of a submission may take, beyond what torch and the data take "
                             "(address space, default %(default)s)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the grading inputs (default: the one in solutions/grading.json)")
    parser.add_argument("--unsafe-no-isolation", action="store_true",
                        help="grade without bubblewrap: the submissions' code runs with your rights (unsafe: only "
                             "for code you trust)")
    return parser


def row_names(folders: list[Path]) -> list[str]:
    """The folders' names, or their paths where two share a name."""
    found = [folder.name for folder in folders]
    return [name if found.count(name) == 1 else str(folder) for name, folder in zip(found, folders)]


def grade_one(folder: Path, work: Path, timeout: float, memory: int | None, seed: int | None,
              isolation: str) -> dict:
    """The grading report of the submission in ``folder``; on any failure, a report of zeros saying why."""
    try:
        return _grade_one(folder, work, timeout, memory, seed, isolation)
    except Exception as error:  # noqa: BLE001 - a failure of the grader on one submission stays on its row
        return {"exercises": {}, "points": 0, "checks": [], "error": f"grader error: {type(error).__name__}: {error}"}


def _grade_one(folder, work, timeout, memory, seed, isolation) -> dict:
    private = Path(tempfile.mkdtemp(prefix="grade-", dir=work))
    copy = private / "submission"
    try:
        shutil.copytree(folder, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    except (OSError, shutil.Error) as error:
        return {"exercises": {}, "points": 0, "checks": [],
                "error": f"the submission could not be copied: {str(error)[:300]}"}
    report = private / "report.json"
    command = [sys.executable, "-m", "pytest", str(CHECKS), "--submission", str(copy), "--time-limit",
               str(timeout), "--isolation", isolation, "--grading-report", str(report), "-q", "-p",
               "no:cacheprovider", "-o", "addopts=", "--rootdir", str(COURSE)]
    if memory is not None:
        command += ["--memory-limit", str(memory)]
    if seed is not None:
        command += ["--grading-seed", str(seed)]
    try:
        done = subprocess.run(command, cwd=COURSE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=len(names()) * (timeout + 180) + 120)
        output = done.stdout.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        output = "the grading of this submission did not finish in time"
    if report.is_file():
        return {"exercises": {}, "points": 0, "checks": [], **json.loads(report.read_text())}
    last_line = output.splitlines()[-1] if output else "no output"
    return {"exercises": {}, "points": 0, "checks": [], "error": f"grader error: {last_line[:300]}"}


def notes(report: dict) -> str:
    """The reasons of the exercises that lost points, or the grader's error."""
    if "error" in report:
        return report["error"]
    return "; ".join(f"{name}: {row['reason']}" for name, row in report["exercises"].items() if row["reason"])


def check_outputs(parser: Parser, args, rows: list[str]) -> None:
    """Refuse, before any grading, output paths that cannot be written or that would replace results."""
    csv_path = Path(args.csv)
    if csv_path.is_dir():
        parser.error(f"--csv {args.csv} is a folder: give a file name")
    if not csv_path.parent.resolve().is_dir() or not os.access(csv_path.parent.resolve(), os.W_OK):
        parser.error(f"--csv {args.csv}: its folder does not exist or cannot be written")
    if csv_path.exists() and not args.force:
        parser.error(f"--csv {args.csv} exists: pass --force to replace it")
    if args.gradescope:
        folder = Path(args.gradescope)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--gradescope {args.gradescope}: cannot create it ({error.strerror})")
        if not os.access(folder, os.W_OK):
            parser.error(f"--gradescope {args.gradescope} cannot be written")
        taken = [row for row in rows if (folder / row.replace("/", "_") / "results.json").exists()]
        if taken and not args.force:
            parser.error(f"--gradescope {args.gradescope} already holds results for {taken[0]}: pass --force to "
                         "replace them")


def main(argv=None) -> int:
    """Grade every submission, print the table, write the CSV (and the Gradescope files); 1 if the grader failed."""
    parser = build_parser()
    args = parser.parse_args(argv)
    folders = [Path(s).resolve() for s in args.submissions]
    for given, folder in zip(args.submissions, folders):
        if not folder.is_dir():
            parser.error(f"{given}: no such folder (a submission is a folder laid out like exercises/)")
    if not 1 <= args.jobs <= 64:
        parser.error("--jobs must be from 1 to 64")
    if not (math.isfinite(args.timeout) and 0 < args.timeout <= 86400):
        parser.error("--timeout must be a number of seconds above 0 and at most 86400")
    if not 0 < args.memory <= 2**20:
        parser.error("--memory must be a number of MB above 0 and at most 1048576")
    if not CHECKS.is_dir():
        parser.error(f"{CHECKS} is missing: the checks are needed to grade")
    isolation = "bwrap" if bwrap_works() else None
    if isolation is None:
        if not args.unsafe_no_isolation:
            parser.error(f"{missing_isolation_message()}; to grade without isolation anyway, pass "
                         "--unsafe-no-isolation")
        isolation = "none"
    try:
        seed = reference.grading_seed() if args.seed is None else args.seed
    except ValueError as error:
        parser.error(str(error))
    rows = row_names(folders)
    check_outputs(parser, args, rows)
    with tempfile.TemporaryDirectory(prefix="ae-grade-") as work, ThreadPoolExecutor(args.jobs) as pool:
        if reference.available():
            try:
                list(pool.map(lambda exercise: reference.reference(exercise, seed), names()))
            except RuntimeError as error:
                parser.exit(1, f"{parser.prog}: error: {error}\n")
        reports = list(pool.map(lambda f: grade_one(f, Path(work), args.timeout, args.memory, seed, isolation),
                                folders))
    write_outputs(args, rows, reports)
    return 1 if any("error" in report for report in reports) else 0


def write_outputs(args, rows: list[str], reports: list[dict]) -> None:
    """Print the table; write the CSV and the Gradescope files, each atomically."""
    maxima = {e: next((r["exercises"][e]["max_points"] for r in reports if e in r["exercises"]), 0) for e in names()}
    total = sum(maxima.values())
    print(f"{'submission':<24}" + "".join(f"{e:>14}" for e in names()) + f"{'total':>10}  notes")
    table = []
    for name, report in zip(rows, reports):
        points = {e: report["exercises"].get(e, {}).get("points", 0) for e in names()}
        print(f"{name:<24}" + "".join(f"{points[e]:>9} / {maxima[e]:<2}" for e in names())
              + f"{report['points']:>5} / {total:<2}  {notes(report)}")
        table.append({"submission": name, **points, "total": report["points"], "max": total, "notes": notes(report)})
        if args.gradescope:
            folder = Path(args.gradescope) / name.replace("/", "_")
            folder.mkdir(parents=True, exist_ok=True)
            write_results(folder / "results.json", report)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["submission", *names(), "total", "max", "notes"])
    writer.writeheader()
    writer.writerows(table)
    atomic_write(args.csv, lambda tmp: tmp.write_text(text.getvalue()))
