"""The records of the reference solutions: run once in a sandboxed process, then cached on disk.

The cache file's name is a digest of everything that decides the records (the solutions, the grading
code, the training code, the torch version), so a change to any of them computes them again.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

import torch

from ..cache import cache_dir
from ..data import REPO_ROOT
from .sandbox import ExerciseRun, run_exercise

SOLUTIONS = REPO_ROOT / "solutions"
TIME_LIMIT = 600.0
_TRAINING_CODE = ("data.py", "hparams.py", "model.py", "train.py")


def available() -> bool:
    """Whether this copy of the course has the solutions (the students' copy does not)."""
    return SOLUTIONS.is_dir()


def cache_key(exercise: str) -> str:
    """A digest of the exercise, the solutions, the grading and training code, and the torch version."""
    digest = hashlib.sha256(f"{exercise} {torch.__version__}".encode())
    grading = Path(__file__).parent
    paths = [*sorted(SOLUTIONS.glob("*.py")), *sorted(grading.glob("*.py")),
             *(grading.parent / name for name in _TRAINING_CODE)]
    for path in paths:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def reference(exercise: str) -> ExerciseRun:
    """The records of the reference solution of ``exercise``; RuntimeError if the solution itself fails."""
    folder = cache_dir() / "grading"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{exercise}-{cache_key(exercise)}.json"
    with open(folder / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process computes, the others wait for its file
        if not path.exists():
            run = run_exercise(SOLUTIONS, exercise, time_limit=TIME_LIMIT)
            if run.failure is not None:
                raise RuntimeError(f"the reference solution of {exercise} failed: {run.failure['message']}")
            tmp = path.with_suffix(".tmp")
            tmp.write_text(run.to_json())
            os.replace(tmp, path)
    return ExerciseRun.from_json(path.read_text())
