"""Grade a class: ``python -m grader DIR [DIR ...] --csv grades.csv [--gradescope OUTDIR] [--jobs N] [--resume]``.

Every submission folder (laid out like ``exercises/``) is graded by :func:`grader.submission.grade`, as
Gradescope's autograder grades one: the checks of the exercise folders run by pytest in a process of its own,
each exercise of the submission in an isolated process (:mod:`grader.sandbox`). The reference records are
computed once, before the class, outside any sandbox. One row per submission: the points per exercise, the
total, and a short reason where an exercise lost points; a failure while grading one submission, the grader's
own included, is reported on its row and the batch goes on.

Each row is added to the CSV as soon as its submission is graded, with a progress line, its log file (the
checks' messages, then the end of what its code printed) and its report in the logs folder (``grades.logs/``
beside ``grades.csv``): an interrupted batch keeps what it graded, and ``--resume`` grades only the
submissions the CSV lacks. At the end the CSV is written again in the order of the arguments, with a summary of
how often each check failed across the class, and, with ``--regrade OLD.csv``, what changed for each
submission; ``--similarity`` adds a report of the submissions' similarity (:mod:`grader.similarity`).
"""
from __future__ import annotations

import argparse
import ast
import csv
import functools
import io
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ae.paths import atomic_write

from . import limits, reference
from .gradescope import write_results
from .registry import FOLDER, names
from .report import Report
from .submission import Running, grade
from .sandbox import (DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, MAX_MEMORY_MB, MAX_TIME_LIMIT, bwrap_works,
                      limits_error, missing_isolation_message)

INTERRUPTED = 130  # the exit status of a batch stopped by Ctrl-C (128 + SIGINT)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="python -m grader", description="Grade a class of submissions with the grading checks.")
    parser.add_argument("submissions", nargs="+", metavar="DIR", help="submission folders, laid out like exercises/")
    parser.add_argument("--csv", required=True, metavar="FILE",
                        help="write one row per submission to this CSV file, each as soon as it is graded; the log "
                             "of each submission goes to the folder FILE without .csv, plus .logs")
    parser.add_argument("--gradescope", metavar="OUTDIR",
                        help="also write OUTDIR/<submission>/results.json in Gradescope's format")
    parser.add_argument("--force", action="store_true",
                        help="replace the CSV, logs, Gradescope files and --similarity report if they exist")
    parser.add_argument("--resume", action="store_true",
                        help="finish an interrupted batch: keep the rows already in --csv, grade only the others")
    parser.add_argument("--regrade", metavar="OLD_CSV",
                        help="at the end, print what changed for each submission against an earlier CSV")
    parser.add_argument("--similarity", metavar="FILE.html",
                        help="at the end, write a similarity report of the submissions (grader.similarity): FILE.html "
                             "and the pairs above 0.5 in FILE.csv")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded at once (default 1)")
    parser.add_argument("--time-limit", "--timeout", dest="timeout", type=float, default=DEFAULT_TIME_LIMIT,
                        metavar="SECONDS", help=f"time limit of each exercise of a submission, above 0 and at most "
                                                f"{MAX_TIME_LIMIT:g} (default %(default)s)")
    parser.add_argument("--memory-limit", "--memory", dest="memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"memory each exercise of a submission may take, beyond what torch and the data take "
                             f"(address space, above 0 and at most {MAX_MEMORY_MB}, default %(default)s)")
    parser.add_argument("--submission-memory", type=int, default=None, metavar="MB",
                        help="memory all the processes of one submission's grading may take together, where cgroups "
                             f"allow it (default: --memory-limit + {limits.OVERHEAD_MB})")
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


def notes(report: Report) -> str:
    """The reasons of the exercises that lost points, or the grader's error."""
    if report.error:
        return report.error
    return "; ".join(f"{name}: {row.reason}" for name, row in report.exercises.items() if row.reason)


def logs_folder(csv_path) -> Path:
    """Where the log and the report of each submission go: ``grades.logs/`` beside ``grades.csv``."""
    path = Path(csv_path)
    return path.with_name(path.stem + ".logs")


def file_name(row: str) -> str:
    """A row's name as one file name."""
    return row.replace("/", "_")


def read_rows(path) -> dict[str, dict]:
    """The rows of a grades CSV, by submission."""
    with open(path, newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def check_outputs(parser: Parser, args, rows: list[str]) -> None:
    """Refuse, before any grading, output paths that cannot be written or that would replace results."""
    csv_path = Path(args.csv)
    if csv_path.is_dir():
        parser.error(f"--csv {args.csv} is a folder: give a file name")
    if not csv_path.parent.resolve().is_dir() or not os.access(csv_path.parent.resolve(), os.W_OK):
        parser.error(f"--csv {args.csv}: its folder does not exist or cannot be written")
    if args.resume and args.force:
        parser.error("--resume keeps the rows already graded, --force replaces them: give one of them")
    if csv_path.exists() and not (args.force or args.resume):
        parser.error(f"--csv {args.csv} exists: pass --resume to grade only the submissions it lacks, or --force "
                     "to replace it")
    if args.resume and csv_path.exists():
        try:
            done = read_rows(csv_path)
        except (OSError, UnicodeDecodeError, csv.Error, KeyError) as error:
            parser.error(f"--resume: {args.csv} cannot be read as a grades CSV ({error})")
        if not set(done) <= set(rows):
            parser.error(f"--resume: {args.csv} holds other submissions than those given: resume with the same "
                         "submission folders")
    logs = logs_folder(csv_path)
    if logs.exists() and any(logs.iterdir()) and not (args.force or args.resume):
        parser.error(f"{logs} holds the logs of another batch: pass --resume or --force, or move it")
    if args.regrade and not Path(args.regrade).is_file():
        parser.error(f"--regrade {args.regrade}: no such file")
    if args.gradescope:
        folder = Path(args.gradescope)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            parser.error(f"--gradescope {args.gradescope}: cannot create it ({error.strerror})")
        if not os.access(folder, os.W_OK):
            parser.error(f"--gradescope {args.gradescope} cannot be written")
        taken = [row for row in rows if (folder / file_name(row) / "results.json").exists()]
        if taken and not (args.force or args.resume):
            parser.error(f"--gradescope {args.gradescope} already holds results for {taken[0]}: pass --force to "
                         "replace them")


def duration(seconds: float) -> str:
    """``1 min 05 s``, ``42 s``."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


class Sheet:
    """The grades CSV, written a row at a time as submissions are graded (appended and flushed at once), then
    again in the order of the arguments at the end."""

    def __init__(self, path, resume: bool):
        self.path, self.lock = Path(path), threading.Lock()
        self.rows = read_rows(self.path) if resume and self.path.exists() else {}
        if not self.rows:
            atomic_write(self.path, lambda tmp: tmp.write_text(",".join(self.fields()) + "\n"))

    @staticmethod
    def fields() -> list[str]:
        return ["submission", *names(), "total", "max", "notes"]

    def add(self, row: dict) -> None:
        text = io.StringIO()
        csv.DictWriter(text, fieldnames=self.fields(), lineterminator="\n").writerow(row)
        with self.lock, open(self.path, "a", newline="") as f:
            f.write(text.getvalue())
            f.flush()
            os.fsync(f.fileno())
            self.rows[row["submission"]] = {k: str(v) for k, v in row.items()}

    def rewrite(self, order: list[str]) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.fields(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows[name] for name in order if name in self.rows)
        atomic_write(self.path, lambda tmp: tmp.write_text(text.getvalue()))


def row_of(name: str, report: Report) -> dict:
    """The CSV row of one graded submission."""
    points = {e: report.exercises[e].points if e in report.exercises else 0 for e in names()}
    return {"submission": name, **points, "total": report.points, "max": sum(max_points().values()),
            "notes": notes(report)}


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv=None) -> int:
    """Grade every submission, writing each row, log and Gradescope file as it is graded; print the table, the
    class summary and (``--regrade``) the changes; 1 if the grader failed, 130 if interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    folders = [Path(s).resolve() for s in args.submissions]
    for given, folder in zip(args.submissions, folders):
        if not folder.is_dir():
            parser.error(f"{given}: no such folder (a submission is a folder laid out like exercises/)")
    if not 1 <= args.jobs <= 64:
        parser.error("--jobs must be from 1 to 64")
    if (error := limits_error(args.timeout, args.memory)) is not None:
        parser.error(error)
    if args.submission_memory is not None and not 0 < args.submission_memory <= MAX_MEMORY_MB:
        parser.error(f"--submission-memory must be a whole number of MB above 0 and at most {MAX_MEMORY_MB}")
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
    if args.similarity:
        from .similarity import check_report
        if (error := check_report(args.similarity, args.force or args.resume)) is not None:
            parser.error(f"--similarity {error}")
    old = read_rows(args.regrade) if args.regrade else None
    logs = logs_folder(args.csv)
    logs.mkdir(exist_ok=True)
    sheet = Sheet(args.csv, args.resume)
    todo = [(name, folder) for name, folder in zip(rows, folders) if name not in sheet.rows]
    if args.resume:
        print(f"resuming: {len(rows) - len(todo)} of {len(rows)} submissions already graded", file=sys.stderr)
    for hangup in (signal.SIGTERM, signal.SIGHUP):  # a lost SSH session, a shutdown: stopped as by Ctrl-C
        signal.signal(hangup, interrupt)
    protection = limits.protect(limits.plan(args.memory, args.jobs, args.submission_memory))
    print(protection.line(), file=sys.stderr, flush=True)
    running, failed = Running(protection), False
    with protection, ThreadPoolExecutor(args.jobs) as pool:
        try:
            if reference.available():
                try:
                    list(pool.map(lambda exercise: reference.reference(exercise, seed), names()))
                except RuntimeError as error:
                    parser.exit(1, f"{parser.prog}: error: {error}\n")
            start = time.monotonic()
            futures = {pool.submit(grade, folder, args.timeout, args.memory, seed, isolation, running): name
                       for name, folder in todo}
            for count, future in enumerate(as_completed(futures), start=1):
                name, report = futures[future], future.result()
                failed |= report.error is not None
                record(name, report, sheet, logs, args.gradescope)
                left = (time.monotonic() - start) / count * (len(todo) - count)
                print(f"[{len(rows) - len(todo) + count}/{len(rows)}] {name}: {report.points} / "
                      f"{sum(max_points().values())} ({duration(time.monotonic() - start)} so far"
                      + (f", about {duration(left)} left)" if count < len(todo) else ")"), file=sys.stderr, flush=True)
        except KeyboardInterrupt:
            running.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            print(f"interrupted: {len(sheet.rows)} of {len(rows)} submissions graded and kept in {args.csv}; run "
                  "the same command with --resume to grade the others", file=sys.stderr)
            return INTERRUPTED
    sheet.rewrite(rows)
    print_table(rows, sheet)
    print_summary(logs, rows)
    if old is not None:
        print_changes(old, sheet.rows, rows)
    if args.similarity:
        from .similarity import write_report
        try:
            write_report(folders, args.similarity)
        except ValueError as error:
            print(f"no similarity report: {error}", file=sys.stderr)
    return 1 if failed else 0


def record(name: str, report: Report, sheet: Sheet, logs: Path, gradescope) -> None:
    """Write what one graded submission leaves: its log (the checks' messages, then what its code printed), its
    report, its row, its Gradescope file."""
    base = logs / file_name(name)
    printed = [f"\n--- what {exercise}.py printed (the end) ---\n{row.output.rstrip()}"
               for exercise, row in report.exercises.items() if row.output.strip()]
    log = report.log + "".join(printed)
    atomic_write(base.with_suffix(".log"), lambda tmp: tmp.write_text(log + "\n"))
    atomic_write(base.with_suffix(".json"), lambda tmp: tmp.write_text(report.to_json()))
    sheet.add(row_of(name, report))
    if gradescope:
        folder = Path(gradescope) / file_name(name)
        folder.mkdir(parents=True, exist_ok=True)
        write_results(folder / "results.json", report)


@functools.cache
def max_points() -> dict:
    """The points of every exercise, from its checks' ``@pytest.mark.points``."""
    found = {}
    for exercise in names():
        total = 0
        for path in (FOLDER / exercise).glob("test_*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "points" and node.args:
                    total += node.args[0].value
        found[exercise] = total
    return found


def print_table(rows: list[str], sheet: Sheet) -> None:
    """One line per submission: points per exercise, total, notes."""
    maxima = max_points()
    print(f"{'submission':<24}" + "".join(f"{e:>14}" for e in names()) + f"{'total':>10}  notes")
    for name in rows:
        row = sheet.rows[name]
        print(f"{name:<24}" + "".join(f"{row[e]:>9} / {maxima[e]:<2}" for e in names())
              + f"{row['total']:>5} / {row['max']:<2}  {row['notes']}")


def print_summary(logs: Path, rows: list[str]) -> None:
    """How many submissions failed each check, most failed first, from the reports in the logs folder."""
    failed, graded = {}, {}
    for name in rows:
        path = (logs / file_name(name)).with_suffix(".json")
        try:
            checks = Report.from_json(path.read_text()).checks
        except (OSError, ValueError):  # a report missing or unreadable: its checks are not counted
            checks = []
        for check in checks:
            key = f"{check.exercise}: {check.name}" + (" (reference)" if check.hidden else "")
            graded[key] = graded.get(key, 0) + 1
            failed[key] = failed.get(key, 0) + (check.points < check.max_points)
    if not graded:
        return
    print(f"\nchecks failed, across the {len(rows)} submissions:")
    for key in sorted(graded, key=lambda k: (-failed[k] / graded[k], k)):
        print(f"{failed[key] / graded[key]:>6.0%}  {failed[key]:>4} of {graded[key]:<4} {key}")


def print_changes(old: dict, new: dict, rows: list[str]) -> None:
    """What changed for each submission against an earlier grades CSV."""
    print("\nchanges against the earlier grades:")
    changed = 0
    for name in rows:
        before, after = old.get(name), new[name]
        if before is None:
            print(f"{name}: not in the earlier grades; now {after['total']}")
            changed += 1
            continue
        parts = [f"{e} {before.get(e, '?')} -> {after[e]}" for e in names() if before.get(e) != after[e]]
        if parts or before.get("total") != after["total"]:
            print(f"{name}: total {before.get('total', '?')} -> {after['total']} ({', '.join(parts)})")
            changed += 1
    print(f"{changed} of {len(rows)} submissions changed" if changed else "no submission changed")
