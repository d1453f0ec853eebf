"""Exercise "latent size": the smallest code that reconstructs well enough.

Write the four functions below; the task, the hints and the expected results are on the book page
`book/exercises/latent_size.md`. Check your work from the root of the course with

    .venv/bin/python -m pytest tests/grading -k latent_size

Keep the names, the arguments and the constants as they are: the grader calls these functions with the data of
`ae.exercise_datasets()`, chooses the latent size from a sweep on the validation split, and only reports the
test MSE of the size chosen.
"""
from __future__ import annotations

import ae

GRID = (2, 4, 8, 16, 32)  # the latent sizes to try
TARGET_MSE = 0.035  # the validation MSE a latent size must reach
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set

PAGE = "see book/exercises/latent_size.md"


def build_autoencoder(latent_size: int, seed: int = 0) -> ae.Net:
    """A fresh autoencoder 784 → 256 → `latent_size` → 256 → 784, its weights drawn after seeding with
    `seed`."""
    raise NotImplementedError(f"build_autoencoder: write it ({PAGE})")


def train_and_evaluate(latent_size: int, train_set, test_set, seed: int = 0) -> float:
    """The MSE on the images of `test_set` of an autoencoder with this latent size, trained on `train_set` under
    `BUDGET`: pass the validation split to choose, the test split to report."""
    raise NotImplementedError(f"train_and_evaluate: write it ({PAGE})")


def sweep(train_set, test_set, grid=GRID, seed: int = 0) -> dict[int, float]:
    """The MSE on `test_set` (the validation split, to choose) of every latent size in `grid`, each trained from
    scratch under the same budget and seed."""
    raise NotImplementedError(f"sweep: write it ({PAGE})")


def choose_latent_size(results: dict[int, float], target: float = TARGET_MSE) -> int:
    """The smallest latent size whose (validation) MSE is at most `target`; ValueError when none reaches it."""
    raise NotImplementedError(f"choose_latent_size: write it ({PAGE})")
