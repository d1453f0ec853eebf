"""Grade a class: ``python -m ae.grade DIR [DIR ...] --csv grades.csv [--gradescope OUTDIR] [--jobs N]``.

Every submission folder (laid out like ``exercises/``) is graded by the checks of ``tests/grading``, run by
pytest in a process of its own, which runs each exercise of the submission in a sandboxed process of its
own; the points come from the suite's JSON report, never from what a submission prints. The reference
records are computed once, before the class, and shared. One row per submission: the points per exercise,
the total, and a short reason where an exercise lost points.
"""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cli import Parser
from .data import REPO_ROOT
from .grading import EXERCISES
from .grading.reference import available, reference
from .grading.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT

CHECKS = REPO_ROOT / "tests" / "grading"


def build_parser() -> Parser:
    parser = Parser(prog="python -m ae.grade",
                    description="Grade a class of submissions with the checks of tests/grading.")
    parser.add_argument("submissions", nargs="+", metavar="DIR", help="submission folders, laid out like exercises/")
    parser.add_argument("--csv", required=True, metavar="FILE", help="write one row per submission to this CSV file")
    parser.add_argument("--gradescope", metavar="OUTDIR",
                        help="also write OUTDIR/<submission>/results.json in Gradescope's format")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                        help="time limit of each exercise of a submission (default %(default)s)")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help="memory each exercise of a submission may take, beyond what torch and the data take "
                             "(address space, default %(default)s)")
    return parser


def row_names(folders: list[Path]) -> list[str]:
    """The folders' names, or their paths where two share a name."""
    names = [folder.name for folder in folders]
    return [name if names.count(name) == 1 else str(folder) for name, folder in zip(names, folders)]


def grade(folder: Path, timeout: float, memory: int) -> dict:
    """The suite's JSON report on one submission; a report of zeros with the reason if the suite itself failed."""
    with tempfile.TemporaryDirectory(prefix="ae-grade-") as work:
        report = Path(work) / "report.json"
        command = [sys.executable, "-m", "pytest", str(CHECKS), "--submission", str(folder), "--time-limit",
                   str(timeout), "--memory-limit", str(memory), "--grading-report", str(report), "-q",
                   "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir", str(REPO_ROOT)]
        try:
            done = subprocess.run(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=len(EXERCISES) * (timeout + 60) + 120)
            output = done.stdout.decode(errors="replace").strip()
        except subprocess.TimeoutExpired:
            output = "the grading of this submission did not finish in time"
        if report.exists():
            return {"exercises": {}, "points": 0, "checks": [], **json.loads(report.read_text())}
    last_line = output.splitlines()[-1] if output else "no output"
    return {"exercises": {}, "points": 0, "checks": [], "error": f"grader error: {last_line}"}


def notes(report: dict) -> str:
    """The reasons of the exercises that lost points, or the grader's error."""
    if "error" in report:
        return report["error"]
    return "; ".join(f"{name}: {row['reason']}" for name, row in report["exercises"].items() if row["reason"])


def gradescope(report: dict) -> dict:
    """The report in Gradescope's ``results.json`` format: one test per check."""
    return {"score": report["points"], "output": notes(report),
            "tests": [{"name": f"{check['exercise']}: {check['name']}", "score": check["points"],
                       "max_score": check["max_points"], "output": check["message"]} for check in report["checks"]]}


def main(argv=None) -> int:
    """Grade every submission, print the table, write the CSV (and the Gradescope files); 1 if the grader failed."""
    parser = build_parser()
    args = parser.parse_args(argv)
    folders = [Path(s).resolve() for s in args.submissions]
    for given, folder in zip(args.submissions, folders):
        if not folder.is_dir():
            parser.error(f"{given}: no such folder (a submission is a folder laid out like exercises/)")
    if args.jobs < 1 or args.timeout <= 0 or args.memory <= 0:
        parser.error("--jobs, --timeout and --memory must be positive")
    if not CHECKS.is_dir():
        parser.error(f"{CHECKS} is missing: the checks are needed to grade")
    with ThreadPoolExecutor(args.jobs) as pool:
        if available():
            try:
                list(pool.map(reference, EXERCISES))
            except RuntimeError as error:
                parser.exit(1, f"{parser.prog}: error: {error}\n")
        reports = list(pool.map(lambda folder: grade(folder, args.timeout, args.memory), folders))
    maxima = {e: next((r["exercises"][e]["max_points"] for r in reports if e in r["exercises"]), 0) for e in EXERCISES}
    print(f"{'submission':<24}" + "".join(f"{e:>14}" for e in EXERCISES) + f"{'total':>10}  notes")
    rows = []
    for name, report in zip(row_names(folders), reports):
        points = {e: report["exercises"].get(e, {}).get("points", 0) for e in EXERCISES}
        print(f"{name:<24}" + "".join(f"{points[e]:>9} / {maxima[e]:<2}" for e in EXERCISES)
              + f"{report['points']:>5} / {sum(maxima.values()):<2}  {notes(report)}")
        rows.append({"submission": name, **points, "total": report["points"], "max": sum(maxima.values()),
                     "notes": notes(report)})
        if args.gradescope:
            folder = Path(args.gradescope) / name.replace("/", "_")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(json.dumps(gradescope(report), indent=1))
    with open(args.csv, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["submission", *EXERCISES, "total", "max", "notes"])
        writer.writeheader()
        writer.writerows(rows)
    return 1 if any("error" in report for report in reports) else 0


if __name__ == "__main__":
    raise SystemExit(main())
