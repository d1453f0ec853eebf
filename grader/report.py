"""The grading report of one submission: what every check gave, per exercise and in all, or why grading failed.

:mod:`grader.plugin` builds it as the checks run and writes it as JSON (``--grading-report``);
:func:`grader.submission.grade` reads it back; the batch's CSV row and log, and Gradescope's ``results.json``,
are made from it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Check:
    """One check: its description, function and exercise, its points out of ``max_points`` (all or nothing), why it
    failed, and whether it compares with the reference solution (``hidden``: not shown before publication)."""

    name: str
    check: str
    exercise: str
    hidden: bool
    max_points: int
    points: int = 0
    message: str = ""


@dataclass
class Exercise:
    """The points of one exercise; when it lost some, a short ``reason``; ``output``: the end of what the
    submission's code printed while it ran."""

    points: int
    max_points: int
    reason: str | None = None
    output: str = ""


@dataclass
class Report:
    """The report of one submission. ``error``: why it could not be graded (every exercise then has zero points);
    ``log``: the output of the grading process (the checks' messages), kept beside the report, not in it."""

    exercises: dict[str, Exercise] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    error: str | None = None
    isolation: str | None = None
    seed: int | None = None
    log: str = ""

    @classmethod
    def failed(cls, reason: str, log: str = "") -> "Report":
        """A report of zero points that says why the submission could not be graded."""
        return cls(error=reason, log=log)

    @property
    def points(self) -> int:
        return sum(exercise.points for exercise in self.exercises.values())

    @property
    def max_points(self) -> int:
        return sum(exercise.max_points for exercise in self.exercises.values())

    def to_json(self) -> str:
        """The report as JSON, with its totals (the log is left out)."""
        data = asdict(self)
        del data["log"]
        return json.dumps({**data, "points": self.points, "max_points": self.max_points}, indent=1)

    @classmethod
    def from_json(cls, text: str, log: str = "") -> "Report":
        """The report that :meth:`to_json` wrote; ValueError if ``text`` is not one."""
        try:
            data = json.loads(text)
            return cls(exercises={name: Exercise(**row) for name, row in data["exercises"].items()},
                       checks=[Check(**check) for check in data["checks"]], error=data["error"],
                       isolation=data["isolation"], seed=data["seed"], log=log)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a grading report ({type(error).__name__}: {error})") from None
