"""Exercise "denoising": an autoencoder that removes noise it was trained on.

Write the five functions below; the task, the hints and the expected results are on the book page
`book/exercises/denoising.md`. Check your work from the root of the course with

    .venv/bin/python -m pytest tests/grading -k denoising

Keep the names, the arguments and the constants as they are: the grader calls these functions with the data of
`ae.exercise_datasets()`. Nothing is chosen here: the denoisers train on the training split and are measured
on the test split.
"""
from __future__ import annotations

import torch

import ae

NOISE_STD = 0.5  # the standard deviation of the Gaussian noise
MASK_FRACTION = 0.5  # the fraction of pixels the mask sets to 0
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget: 10 passes over the training set

PAGE = "see book/exercises/denoising.md"


def gaussian_noise(images: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """New images: `images` plus Gaussian noise of standard deviation `std`, clipped to [0, 1]."""
    raise NotImplementedError(f"gaussian_noise: write it ({PAGE})")


def mask_noise(images: torch.Tensor, fraction: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """New images: `images` with each pixel set to 0 with probability `fraction`."""
    raise NotImplementedError(f"mask_noise: write it ({PAGE})")


def corrupt(images: torch.Tensor, kind: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """`images` corrupted by `kind`: "gaussian" (std `NOISE_STD`) or "mask" (fraction `MASK_FRACTION`)."""
    raise NotImplementedError(f"corrupt: write it ({PAGE})")


def train_denoiser(train_set, kind: str, seed: int = 0) -> ae.Net:
    """An autoencoder trained under `BUDGET` to map images corrupted by `kind` to the clean images."""
    raise NotImplementedError(f"train_denoiser: write it ({PAGE})")


def denoising_mse(model, test_set, kind: str, seed: int = 0) -> dict[str, float]:
    """The test MSEs against the clean images: of the corrupted images ("noisy"), of the model's output
    ("denoised")."""
    raise NotImplementedError(f"denoising_mse: write it ({PAGE})")
