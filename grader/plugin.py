"""The pytest plugin of the grading checks: its options, the runs of a submission, and the table of points.

    pytest tests/grading                        # grade exercises/ (a student's self-check)
    pytest tests/grading -k latent_size         # one exercise only
    pytest tests/grading --submission DIR       # grade DIR, a folder laid out like exercises/

The grader runs the same checks as ``pytest grader/exercises --submission DIR`` (:mod:`grader.submission`);
the conftest of either folder registers this plugin. Each check carries ``@pytest.mark.points(n)``; the points
of a check are all or nothing. ``--grading-report FILE`` writes the :class:`~grader.report.Report`.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ae.paths import atomic_write

from . import reference
from .registry import FOLDER, names
from .report import Check, Exercise, Report
from .sandbox import (DEFAULT_MEMORY_MB, DEFAULT_TIME_LIMIT, ISOLATIONS, ProbeFailed, bwrap_works, limits_error,
                      missing_isolation_message, run_exercise)

STATE = pytest.StashKey["Grading"]()
STUBS = Path(__file__).resolve().parent.parent / "exercises"


def add_options(parser) -> None:
    group = parser.getgroup("grading", "grading the exercises (tests/grading)")
    group.addoption("--submission", default=str(STUBS),
                    help="the folder to grade, laid out like exercises/ (default: exercises/)")
    group.addoption("--time-limit", type=float, default=DEFAULT_TIME_LIMIT,
                    help="seconds each exercise may run (default %(default)s)")
    group.addoption("--memory-limit", type=int, default=DEFAULT_MEMORY_MB,
                    help="megabytes each exercise may take beyond what torch and the data take (default %(default)s)")
    group.addoption("--grading-seed", type=int, default=None,
                    help="the seed of the grading inputs (default: the instructor's, else the public one)")
    group.addoption("--isolation", choices=ISOLATIONS, default=None,
                    help="how the submission is isolated (default: bwrap where it works, else none)")
    group.addoption("--grading-report", default=None, help="also write the points as JSON to this file")


def exercise_of(path) -> str:
    """The exercise a check file belongs to: ``grader/exercises/latent_size/test_public.py`` -> ``latent_size``."""
    return Path(path).resolve().parent.name


def choose_isolation(config) -> str:
    """The isolation asked for, else bubblewrap where it works, else none (saying so in one line)."""
    asked = config.getoption("isolation")
    if asked is not None:
        if asked == "bwrap" and not bwrap_works():
            raise pytest.UsageError(f"--isolation bwrap: {missing_isolation_message()}")
        return asked
    if bwrap_works():
        return "bwrap"
    print(f"grading without isolation: {missing_isolation_message()}; fine for your own code", file=sys.stderr)
    return "none"


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
                                    f"laid out like exercises/ ({', '.join(f'{n}.py' for n in names())}).")
        self.time_limit = config.getoption("time_limit")
        self.memory_limit = config.getoption("memory_limit")
        if (error := limits_error(self.time_limit, self.memory_limit)) is not None:
            raise pytest.UsageError(error)
        try:
            seed = config.getoption("grading_seed")
            self.seed = reference.grading_seed() if seed is None else seed
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        self.isolation = choose_isolation(config)
        self.report_path = config.getoption("grading_report")
        self.runs, self.references = {}, {}
        self.checks = {}  # node id -> {"name", "check", "exercise", "max_points", "points", "message", "hidden", "ran"}

    def submission_run(self, exercise: str):
        if exercise not in self.runs:
            self.runs[exercise] = run_exercise(self.submission, exercise, self.seed, self.time_limit,
                                               self.memory_limit, self.isolation)
        return self.runs[exercise]

    def reference_run(self, exercise: str):
        if not reference.available():
            pytest.fail("the reference checks need solutions/, which this copy of the course does not have")
        if exercise not in self.references:
            self.references[exercise] = reference.reference(exercise, self.seed)
        return self.references[exercise]

    def exercises(self) -> dict[str, Exercise]:
        """Points, maximum, why points were lost and what the submission printed, per exercise."""
        table = {}
        ran = [c for c in self.checks.values() if c["ran"]]
        for exercise in sorted({c["exercise"] for c in ran}):
            checks = [c for c in ran if c["exercise"] == exercise]
            failed = [c for c in checks if c["points"] < c["max_points"]]
            run = self.runs.get(exercise)
            reason = run.reason() if run is not None and failed else None
            if failed and reason is None:
                reason = f"{len(failed)} of {len(checks)} checks failed, first: {shorten(failed[0]['message'], 160)}"
            table[exercise] = Exercise(sum(c["points"] for c in checks), sum(c["max_points"] for c in checks), reason,
                                       run.output if run is not None else "")
        return table

    def report(self) -> Report:
        return Report(exercises=self.exercises(), isolation=self.isolation, seed=self.seed,
                      checks=[Check(**{k: v for k, v in c.items() if k != "ran"})
                              for c in self.checks.values() if c["ran"]])


def shorten(text: str, width: int) -> str:
    """The first line of ``text``, cut to ``width`` characters."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 3] + "..."


class Checks(pytest.File):
    """``tests/grading/test_exercises.py`` (the students' command): stands for the checks of every exercise folder
    of the registry."""

    def collect(self):
        for name in names():
            for path in sorted((FOLDER / name).glob("test_*.py")):
                yield pytest.Module.from_parent(self, path=path, name=f"{name}/{path.name}")


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): the points a grading check is worth")
    config.stash[STATE] = Grading(config)


@pytest.fixture(scope="module")
def run(request):
    """The records of the submission for this file's exercise (one isolated run per exercise and session)."""
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
    grading = config.stash[STATE]
    for item in items:
        marker = item.get_closest_marker("points")
        if marker is None:
            raise pytest.UsageError(f"{item.nodeid} has no @pytest.mark.points(n)")
        name = (item.function.__doc__ or item.name).strip().splitlines()[0]
        grading.checks[item.nodeid] = {"name": name, "check": item.name, "exercise": exercise_of(item.path),
                                       "hidden": item.path.name == "test_reference.py",
                                       "max_points": marker.args[0], "points": 0, "message": "", "ran": False}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    check = item.config.stash[STATE].checks.get(item.nodeid)
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
    grading = session.config.stash[STATE]
    if grading.report_path:
        report = grading.report().to_json()
        atomic_write(grading.report_path, lambda tmp: tmp.write_text(report))


def pytest_terminal_summary(terminalreporter, config):
    grading = config.stash[STATE]
    exercises = grading.exercises()
    if not exercises:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"points of {grading.submission}")
    for exercise, row in exercises.items():
        reason = f"   {row.reason}" if row.reason else ""
        write(f"{exercise:<14}{row.points:>4} / {row.max_points:<4}{reason}")
    total = sum(row.points for row in exercises.values())
    write(f"{'total':<14}{total:>4} / {sum(row.max_points for row in exercises.values()):<4}")
