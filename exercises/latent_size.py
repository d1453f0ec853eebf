"""Exercise "latent size": the smallest code that reconstructs well enough.

Write the four functions below; the task, hints and how to check your work are on the book page
``book/exercises/latent_size.md``. Keep the names, the arguments and the constants as they are: the grader
calls these functions with the data of ``ae.exercise_datasets()``.
"""
from __future__ import annotations

import ae

GRID = (2, 4, 8, 16, 32)  # the latent sizes to try
TARGET_MSE = 0.035  # the test MSE a latent size must reach
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set

PAGE = "see book/exercises/latent_size.md"


def build_autoencoder(latent_size: int, seed: int = 0) -> ae.Net:
    """A fresh autoencoder 784 → 256 → ``latent_size`` → 256 → 784, its weights drawn after seeding ``seed``."""
    raise NotImplementedError(f"build_autoencoder: write it ({PAGE})")


def train_and_evaluate(latent_size: int, train_set, test_set, seed: int = 0) -> float:
    """The test MSE of an autoencoder with this latent size, trained on ``train_set`` under ``BUDGET``."""
    raise NotImplementedError(f"train_and_evaluate: write it ({PAGE})")


def sweep(train_set, test_set, grid=GRID, seed: int = 0) -> dict[int, float]:
    """The test MSE of every latent size in ``grid``, each trained from scratch under the same budget and seed."""
    raise NotImplementedError(f"sweep: write it ({PAGE})")


def choose_latent_size(results: dict[int, float], target: float = TARGET_MSE) -> int:
    """The smallest latent size whose test MSE is at most ``target``; ValueError when none reaches it."""
    raise NotImplementedError(f"choose_latent_size: write it ({PAGE})")
