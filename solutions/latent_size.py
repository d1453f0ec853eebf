"""Exercise "latent size", reference answer: the smallest code that reconstructs well enough.

The task is on the book page ``book/exercises/latent_size.md``.
"""
from __future__ import annotations

import ae

GRID = (2, 4, 8, 16, 32)  # the latent sizes to try
TARGET_MSE = 0.035  # the validation MSE a latent size must reach
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set


def build_autoencoder(latent_size: int, seed: int = 0) -> ae.Net:
    """A fresh autoencoder 784 → 256 → ``latent_size`` → 256 → 784, its weights drawn after seeding with
    ``seed``."""
    model, _, _ = ae.reset(BUDGET, latent_size=latent_size, seed=seed)
    return model


def train_and_evaluate(latent_size: int, train_set, test_set, seed: int = 0) -> float:
    """The MSE on the images of ``test_set`` of an autoencoder with this latent size, trained on ``train_set`` under
    ``BUDGET``: pass the validation split to choose, the test split to report."""
    hp = BUDGET.replace(latent_size=latent_size, seed=seed)
    _, logs = ae.fit(hp, progress=False, log=None, train_set=train_set, test_set=test_set)
    return logs["test_loss"][-1]


def sweep(train_set, test_set, grid=GRID, seed: int = 0) -> dict[int, float]:
    """The MSE on ``test_set`` (the validation split, to choose) of every latent size in ``grid``, each trained from
    scratch under the same budget and seed."""
    return {size: train_and_evaluate(size, train_set, test_set, seed) for size in grid}


def choose_latent_size(results: dict[int, float], target: float = TARGET_MSE) -> int:
    """The smallest latent size whose (validation) MSE is at most ``target``; ValueError when none reaches it."""
    reached = [size for size, mse in results.items() if mse <= target]
    if not reached:
        raise ValueError(f"no latent size reaches an MSE of {target}: the best is {min(results.values()):.4f}")
    return min(reached)
