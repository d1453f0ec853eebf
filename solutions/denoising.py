"""Exercise "denoising", reference answer: an autoencoder that removes noise it was trained on.

The task is on the book page ``book/exercises/denoising.md``.
"""
from __future__ import annotations

import torch
from torch.nn import functional as F

import ae

NOISE_STD = 0.5  # the standard deviation of the Gaussian noise
MASK_FRACTION = 0.5  # the fraction of pixels the mask sets to 0
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget: 10 passes over the training set


def gaussian_noise(images: torch.Tensor, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """New images: ``images`` plus Gaussian noise of standard deviation ``std``, clipped to [0, 1]."""
    noise = torch.randn(images.shape, generator=generator)
    return (images + std * noise).clamp(0, 1)


def mask_noise(images: torch.Tensor, fraction: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """New images: ``images`` with each pixel set to 0 with probability ``fraction``."""
    keep = torch.rand(images.shape, generator=generator) >= fraction
    return images * keep


def corrupt(images: torch.Tensor, kind: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """``images`` corrupted by ``kind``: "gaussian" (std ``NOISE_STD``) or "mask" (fraction ``MASK_FRACTION``)."""
    if kind == "gaussian":
        return gaussian_noise(images, NOISE_STD, generator)
    if kind == "mask":
        return mask_noise(images, MASK_FRACTION, generator)
    raise ValueError(f"unknown corruption {kind!r}: choose gaussian or mask")


def train_denoiser(train_set, kind: str, seed: int = 0) -> ae.Net:
    """An autoencoder trained under ``BUDGET`` to map images corrupted by ``kind`` to the clean images."""
    corrupt(torch.zeros(1, 1, 28, 28), kind)  # an unknown kind fails now, not after training
    hp = BUDGET.replace(seed=seed)
    model, criterion, optimizer = ae.reset(hp)
    generator = torch.Generator().manual_seed(hp.seed)
    ae.train(model, criterion, optimizer, ae.TensorLoader(train_set, hp.batch_size, seed=hp.seed), None, hp.epochs,
             progress=False, log=None, corrupt=lambda images: corrupt(images, kind, generator))
    return model.eval()


@torch.no_grad()
def denoising_mse(model, test_set, kind: str, seed: int = 0) -> dict[str, float]:
    """The test MSEs against the clean images: of the corrupted images ("noisy"), of the model's output
    ("denoised")."""
    clean = test_set.data.unsqueeze(1).float().div(255)
    noisy = corrupt(clean, kind, torch.Generator().manual_seed(seed))
    model.eval()
    return {"noisy": F.mse_loss(noisy, clean).item(), "denoised": F.mse_loss(model(noisy), clean).item()}
