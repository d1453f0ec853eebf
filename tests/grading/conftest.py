"""The grading suite: its options, the sandboxed runs of a submission, and the table of points.

    pytest tests/grading                        # grade exercises/ (a student's self-check)
    pytest tests/grading -k latent              # one exercise only
    pytest tests/grading --submission DIR       # grade DIR, a folder laid out like exercises/

Each check carries ``@pytest.mark.points(n)`` and belongs to the exercise its file is named after. The
suite runs only when tests/grading is named on the command line: ``make test`` checks the grader itself
(tests/test_grader.py), and the untouched stubs would fail every check here.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ae.grading import EXERCISES
from ae.grading.reference import available, reference
from ae.grading.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, ProbeFailed, run_exercise

HERE = Path(__file__).resolve().parent
EXERCISES_FOLDER = HERE.parent.parent / "exercises"
STATE = pytest.StashKey["Grading"]()


def pytest_addoption(parser):
    group = parser.getgroup("grading", "grading the exercises (tests/grading)")
    group.addoption("--submission", default=str(EXERCISES_FOLDER),
                    help="the folder to grade, laid out like exercises/ (default: exercises/)")
    group.addoption("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                    help="seconds each exercise may run (default %(default)s)")
    group.addoption("--memory-limit", type=int, default=DEFAULT_MEMORY_MB,
                    help="megabytes each exercise may take beyond what torch and the data take (default %(default)s)")
    group.addoption("--grading-report", default=None, help="also write the points as JSON to this file")


def requested(config) -> bool:
    """Whether the command line names tests/grading or a file in it."""
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    return None if requested(config) else True


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): the points a grading check is worth")
    if requested(config):
        config.stash[STATE] = Grading(config)


def exercise_of(path) -> str:
    """The exercise a check file belongs to: ``test_latent_size_reference.py`` -> ``latent_size``."""
    return re.fullmatch(r"test_(.+?)(_reference)?\.py", Path(path).name).group(1)


class Records:
    """A run's records as the checks use them: a call that gave no result fails the check, saying why."""

    def __init__(self, load):
        self._load = load
        self._run = None

    @property
    def run(self):
        if self._run is None:
            self._run = self._load()
        return self._run

    def value(self, probe: str):
        return self._get(self.run.value, probe)

    def error(self, probe: str):
        return self._get(self.run.error, probe)

    @staticmethod
    def _get(read, probe: str):
        try:
            return read(probe)
        except ProbeFailed as failure:
            message = str(failure)
        pytest.fail(message, pytrace=False)


class Grading:
    """One grading session: the submission, its runs (one per exercise), the reference's, and the points."""

    def __init__(self, config):
        self.submission = Path(config.getoption("submission")).resolve()
        if not self.submission.is_dir():
            raise pytest.UsageError(f"--submission {config.getoption('submission')}: no such folder. Give a folder "
                                    "laid out like exercises/ (latent_size.py, activation.py, denoising.py).")
        self.time_limit = config.getoption("time_limit")
        self.memory_limit = config.getoption("memory_limit")
        self.report_path = config.getoption("grading_report")
        self.runs, self.references = {}, {}
        self.error = None  # set when the grader itself fails: then no points are given
        self.checks = {}  # node id -> {"name", "exercise", "max_points", "points", "message"}

    def submission_run(self, exercise: str):
        if exercise not in self.runs:
            run = run_exercise(self.submission, exercise, self.time_limit, self.memory_limit)
            if run.failure is not None and run.failure["kind"] == "grader":
                self.error = f"the grader failed before running {exercise}.py: {run.failure['message']}"
                pytest.exit(self.error, returncode=3)
            self.runs[exercise] = run
        return self.runs[exercise]

    def reference_run(self, exercise: str):
        if not available():
            pytest.fail("the reference checks need solutions/, which this copy of the course does not have")
        if exercise not in self.references:
            self.references[exercise] = reference(exercise)
        return self.references[exercise]

    def exercises(self) -> dict:
        """Points, maximum and, when points were lost, a short reason, per exercise in the order of the checks."""
        table = {}
        ran = [c for c in self.checks.values() if c["ran"]]
        for exercise in sorted({c["exercise"] for c in ran}, key=EXERCISES.index):
            checks = [c for c in ran if c["exercise"] == exercise]
            failed = [c for c in checks if c["points"] < c["max_points"]]
            run = self.runs.get(exercise)
            reason = run.reason() if run is not None and failed else None
            if failed and reason is None:
                reason = f"{len(failed)} of {len(checks)} checks failed, first: {shorten(failed[0]['message'], 160)}"
            table[exercise] = {"points": sum(c["points"] for c in checks),
                               "max_points": sum(c["max_points"] for c in checks), "reason": reason}
        return table


def shorten(text: str, width: int) -> str:
    """The first line of ``text``, cut to ``width`` characters."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 3] + "..."


@pytest.fixture(scope="module")
def run(request):
    """The records of the submission for this file's exercise (one sandboxed run per exercise and session)."""
    grading = request.config.stash[STATE]
    exercise = exercise_of(request.path)
    return Records(lambda: grading.submission_run(exercise))


@pytest.fixture(scope="module")
def ref(request):
    """The records of the reference solution for this file's exercise, loaded when a check first needs them."""
    grading = request.config.stash[STATE]
    exercise = exercise_of(request.path)
    return Records(lambda: grading.reference_run(exercise))


def pytest_collection_modifyitems(config, items):
    if STATE not in config.stash:
        return
    grading = config.stash[STATE]
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid} has no @pytest.mark.points(n)")
        name = (item.function.__doc__ or item.name).strip().splitlines()[0]
        grading.checks[item.nodeid] = {"name": name, "exercise": exercise_of(item.path),
                                       "max_points": marker.args[0], "points": 0, "message": "", "ran": False}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    check = item.config.stash[STATE].checks.get(item.nodeid) if STATE in item.config.stash else None
    if check is None:
        return
    check["ran"] = True
    if report.when == "call" and report.passed:
        check["points"] = check["max_points"]
    elif report.failed:
        check["points"] = 0
        check["message"] = message_of(report)


def message_of(report) -> str:
    """The failure message of a check, without pytest's 'Failed: ' prefix."""
    text = report.longreprtext.strip()
    return text.removeprefix("Failed: ") if text else "failed"


def pytest_sessionfinish(session):
    if STATE not in session.config.stash:
        return
    grading = session.config.stash[STATE]
    if grading.report_path and grading.error:
        Path(grading.report_path).write_text(json.dumps({"error": f"grader error: {grading.error}"}))
    elif grading.report_path:
        exercises = grading.exercises()
        Path(grading.report_path).write_text(json.dumps({
            "submission": str(grading.submission),
            "exercises": exercises,
            "points": sum(e["points"] for e in exercises.values()),
            "max_points": sum(e["max_points"] for e in exercises.values()),
            "checks": [{k: v for k, v in c.items() if k != "ran"} for c in grading.checks.values() if c["ran"]],
        }, indent=1))


def pytest_terminal_summary(terminalreporter, config):
    if STATE not in config.stash or config.stash[STATE].error:
        return
    grading = config.stash[STATE]
    exercises = grading.exercises()
    if not exercises:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"points of {grading.submission}")
    for exercise, row in exercises.items():
        reason = f"   {row['reason']}" if row["reason"] else ""
        write(f"{exercise:<14}{row['points']:>4} / {row['max_points']:<4}{reason}")
    total = sum(row["points"] for row in exercises.values())
    write(f"{'total':<14}{total:>4} / {sum(row['max_points'] for row in exercises.values()):<4}")
