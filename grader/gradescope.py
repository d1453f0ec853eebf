"""Gradescope: the ``results.json`` of one graded submission, and the autograder that writes it.

    python -m grader.gradescope [--root /autograder] [--time-limit SECONDS] [--isolation auto|bwrap|user]

is what the bundle's ``run_autograder`` runs (``make autograder`` builds the bundle: ``tools/autograder.py``,
``grader/autograder/``). It grades ``ROOT/submission`` (:func:`grader.submission.grade`, as the batch does) with the
instructor's seed and writes
``ROOT/results/results.json`` in Gradescope's format, one test per check, even when grading fails (zero points,
the reason in ``output``). The submission runs in bubblewrap where it works, else (Gradescope's containers have
no user namespaces) as the unprivileged user ``$GRADER_SANDBOX_USER``, from whom file modes hide the solutions,
the reference records and the results.

What a student sees before the grades are published (Gradescope's specification: the top-level ``output``, each
test whose ``visibility`` is ``visible``, the total ``score`` only when no test is hidden from them, ``stdout``
never while ``stdout_visibility`` is ``hidden``) depends on the public checks alone: the checks against the
reference solution are ``after_published`` tests, the only place their messages (which carry the reference's
numbers for the instructor's seed) appear, and ``output`` says only how many of them there are, whatever their
outcome. Being ``after_published`` tests, they also hide the total score until the grades are published.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import stat
import sys
from pathlib import Path

from ae.paths import atomic_write, cache_dir, data_dir

from . import submission
from .report import Report
from .sandbox import DEFAULT_TIME_LIMIT, SANDBOX_USER, bwrap_works, limits_error, missing_isolation_message

COURSE = Path(__file__).resolve().parent.parent


class CannotGrade(Exception):
    """This container cannot grade: the message says why (the instructor's to fix)."""


VISIBLE, AFTER_PUBLISHED = "visible", "after_published"
# An exercise's reason as grader.plugin writes it when checks failed, rather than when the run itself failed: its
# "first" failed check may be a check against the reference, so the students' output never uses it.
CHECKS_FAILED = re.compile(r"\d+ of \d+ checks failed")
MESSAGE_WIDTH = 300


def _shorten(text: str, width: int = MESSAGE_WIDTH) -> str:
    line = text.strip().splitlines()[0] if text and text.strip() else "failed"
    return line if len(line) <= width else line[: width - 3] + "..."


def public_output(report: Report) -> str:
    """The text Gradescope shows the student at once: the grader's error, and per exercise the outcome of its
    public checks (when one failed: why the submission's run failed, if it did, else the first failed check's
    message), then how many checks against the reference solution wait for the grades to be published. Nothing
    in it depends on those checks' outcome."""
    lines = [report.error] if report.error else []
    for exercise in dict.fromkeys([*report.exercises, *(check.exercise for check in report.checks)]):
        public = [c for c in report.checks if c.exercise == exercise and not c.hidden]
        failed = [c for c in public if c.points < c.max_points]
        row = report.exercises.get(exercise)
        reason = row.reason if row is not None else None
        if failed and reason and not CHECKS_FAILED.match(reason):  # why the submission's run failed wholesale
            lines.append(f"{exercise}: {reason}")
        elif failed:
            lines.append(f"{exercise}: {len(failed)} of {len(public)} public checks failed, first: "
                         f"{_shorten(failed[0].message)}")
        elif public:
            lines.append(f"{exercise}: every public check passed")
    hidden = sum(check.hidden for check in report.checks)
    if hidden:
        lines.append(f"{hidden} checks against the reference solution are graded after the grades are published.")
    return "\n".join(lines) or "no checks ran"


def results(report: Report) -> dict:
    """A grading report in Gradescope's ``results.json`` format: one test per check, the public ones visible at
    once, the checks against the reference solution after the grades are published."""
    tests = [{"name": f"{check.exercise}: {check.name}", "score": check.points, "max_score": check.max_points,
              "output": check.message, "visibility": AFTER_PUBLISHED if check.hidden else VISIBLE}
             for check in report.checks]
    return {"score": report.points, "output": public_output(report), "stdout_visibility": "hidden", "tests": tests}


def instructor_summary(report: Report) -> str:
    """Every reason, the checks against the reference included: for ``run_autograder``'s stdout, which Gradescope
    shows the instructor only (``stdout_visibility`` hidden)."""
    if report.error:
        return report.error
    return "; ".join(f"{name}: {row.reason}" for name, row in report.exercises.items() if row.reason) \
        or "every check passed"


def write_results(path, report: Report) -> None:
    """Write ``results(report)`` to ``path`` atomically."""
    text = json.dumps(results(report), indent=1)
    atomic_write(path, lambda tmp: tmp.write_text(text))


def choose_isolation(asked: str) -> str:
    """``bwrap`` where it works (unless ``user`` is asked), else ``user``; CannotGrade if neither can work."""
    if asked != "user" and bwrap_works():
        return "bwrap"
    if asked == "bwrap":
        raise CannotGrade(f"--isolation bwrap: {missing_isolation_message()}")
    if os.geteuid() != 0:
        raise CannotGrade(f"user isolation runs the submission as {SANDBOX_USER!r}, which needs root")
    try:
        uid = pwd.getpwnam(SANDBOX_USER).pw_uid
    except KeyError:
        raise CannotGrade(f"the user {SANDBOX_USER!r} of user isolation does not exist (setup.sh creates it)") from None
    if uid == 0:
        raise CannotGrade(f"the user {SANDBOX_USER!r} of user isolation is root: name an unprivileged one")
    return "user"


def _add_mode(path: Path, bits: int) -> None:
    mode = path.lstat().st_mode
    if not stat.S_ISLNK(mode) and mode & bits != bits:
        path.chmod(stat.S_IMODE(mode) | bits)


def lock_down(root: Path) -> None:
    """File modes for ``user`` isolation: the solutions, the reference records and the results are root's alone;
    the packages and the data are readable by all, and the folders above them (inside the course and ``root``)
    can be passed through. Python and its packages must be readable by all already (setup.sh sees to it)."""
    for private in (COURSE / "solutions", cache_dir(), root / "results"):
        private.mkdir(parents=True, exist_ok=True)
        private.chmod(0o700)
    public = [COURSE / "ae", COURSE / "grader", data_dir() / "MNIST" / "raw"]
    for tree in public:
        for folder, _, files in os.walk(tree):
            _add_mode(Path(folder), 0o555)
            for name in files:
                _add_mode(Path(folder) / name, 0o444)
    for path in public:
        for folder in (path.resolve(), *path.resolve().parents):
            if folder == Path("/"):
                break
            if root.resolve() in (folder, *folder.parents) or COURSE in (folder, *folder.parents):
                _add_mode(folder, 0o111)


def grade(root: Path, timeout: float, asked: str) -> Report:
    """The report of ``root/submission``; a report of zeros saying why when it could not be graded."""
    try:
        isolation = choose_isolation(asked)
        if isolation == "user":
            lock_down(root)
        if not (root / "submission").is_dir():
            raise CannotGrade(f"{root / 'submission'} is missing: Gradescope puts the submission there")
    except CannotGrade as error:
        return Report.failed(f"grader error: {error}")
    except Exception as error:  # noqa: BLE001 - whatever fails, Gradescope gets a results.json saying why
        return Report.failed(f"grader error: {type(error).__name__}: {error}")
    report = submission.grade(root / "submission", timeout, memory_mb=None, seed=None, isolation=isolation)
    report.isolation = report.isolation or isolation
    return report


def main(argv=None) -> int:
    """Grade ``ROOT/submission`` and write ``ROOT/results/results.json``; 1 if the grader failed."""
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default %(default)s)")
    parser.add_argument("--time-limit", "--timeout", dest="time_limit", type=float, default=DEFAULT_TIME_LIMIT,
                        metavar="SECONDS", help="seconds each exercise may run (default %(default)s)")
    parser.add_argument("--isolation", choices=("auto", "bwrap", "user"), default="auto",
                        help="auto: bwrap where it works, else user (default %(default)s)")
    args = parser.parse_args(argv)
    if (error := limits_error(args.time_limit)) is not None:
        parser.error(error)
    root = Path(args.root).resolve()
    try:
        (root / "results").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.exit(1, f"{parser.prog}: error: cannot create {root / 'results'}: {error.strerror}\n")
    report = grade(root, args.time_limit, args.isolation)
    write_results(root / "results" / "results.json", report)
    print(f"graded with {report.isolation or 'no'} isolation: {report.points} / {report.max_points}; "
          f"{instructor_summary(report)}")
    return 1 if report.error else 0


if __name__ == "__main__":
    sys.exit(main())
