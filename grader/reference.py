"""The reference solution's records: run outside any sandbox (the solutions are trusted code), then cached.

The instructor grades with inputs the students have not seen: the seed in ``solutions/grading.json`` draws
the exercise data and is passed to the functions, so numbers remembered from a public run do not pass. The
students' copy has no ``solutions/``, and its own checks use the public seed. The cache entry is named by the
exercise, the seed, the solution, the grader's code, the training code and the torch version.
"""
from __future__ import annotations

import json
from pathlib import Path

from ae.cache import TRAINING_CODE, cached

from .probes import PUBLIC_SEED
from .registry import FOLDER
from .sandbox import ExerciseRun, run_exercise

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
SEED_FILE = SOLUTIONS / "grading.json"
TIME_LIMIT = 600.0


def available() -> bool:
    """Whether this copy of the course has the solutions (the students' copy does not)."""
    return SOLUTIONS.is_dir()


def grading_seed() -> int:
    """The seed of the grading inputs: the instructor's (``solutions/grading.json``), else the public one."""
    if not SEED_FILE.is_file():
        return PUBLIC_SEED
    try:
        seed = json.loads(SEED_FILE.read_text())["seed"]
    except (ValueError, KeyError, TypeError):
        seed = None
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        raise ValueError(f'{SEED_FILE} must hold {{"seed": N}} with N a whole number from 0 to 2**31 - 1')
    return seed


def code_files(exercise: str) -> list[Path]:
    """The files whose code decides the reference records of ``exercise``."""
    grading = Path(__file__).resolve().parent
    return [SOLUTIONS / f"{exercise}.py", *sorted(grading.glob("*.py")), FOLDER / exercise / "__init__.py",
            *TRAINING_CODE]


def reference(exercise: str, seed: int) -> ExerciseRun:
    """The records of the reference solution of ``exercise`` for the inputs of ``seed``; RuntimeError if it fails."""

    def compute():
        run = run_exercise(SOLUTIONS, exercise, seed=seed, time_limit=TIME_LIMIT, isolation="none")
        if run.failure is not None:
            raise RuntimeError(f"the reference solution of {exercise} failed: {run.failure['message']}")
        return run

    return cached("grading", {"exercise": exercise, "seed": seed}, compute,
                  lambda run, path: path.write_text(run.to_json()),
                  lambda path: ExerciseRun.from_json(path.read_text()), files=code_files(exercise), suffix=".json")
