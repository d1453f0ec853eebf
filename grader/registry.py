"""The exercises, found by walking ``grader/exercises/``: one folder each, nothing listed by hand.

A folder ``grader/exercises/<name>/`` is an exercise when its ``__init__.py`` defines ``probes(seed)``; the
submission's file is ``<name>.py``, the stub ``exercises/<name>.py``, the reference ``solutions/<name>.py``.
Its checks are the ``test_*.py`` files beside it: ``test_public.py`` (interfaces and behaviour, in the
students' copy) and ``test_reference.py`` (compared with the reference solution, for the instructor).
"""
from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from types import ModuleType

FOLDER = Path(__file__).resolve().parent / "exercises"


@cache
def names() -> tuple[str, ...]:
    """The exercises' names, in alphabetical order."""
    return tuple(sorted(p.name for p in FOLDER.iterdir() if (p / "__init__.py").is_file()))


def exercise(name: str) -> ModuleType:
    """The module of exercise ``name`` (its probes and constants); ValueError for an unknown name."""
    if name not in names():
        raise ValueError(f"unknown exercise {name!r}: the exercises are {', '.join(names())}")
    return importlib.import_module(f"grader.exercises.{name}")


def check_files(name: str) -> list[Path]:
    """The files of the checks of exercise ``name`` (those of this copy of the course)."""
    return sorted((FOLDER / name).glob("test_*.py"))
