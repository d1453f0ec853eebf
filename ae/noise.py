"""Corrupting images for a denoising autoencoder, and measuring how much of the noise a model removes."""
from __future__ import annotations

import math

import torch
from torch import nn


class Corruption:
    """A random corruption of a batch of float images, reproducible from ``seed``.

    Calling it returns a new corrupted tensor (its input is never changed); successive calls draw new noise
    from the corruption's own ``torch.Generator``, so the same seed gives the same sequence of noisy batches.
    Subclasses say how in their method ``corrupt(images)``.
    """

    def __init__(self, seed: int = 0):
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.generator = torch.Generator().manual_seed(seed)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        if not torch.is_tensor(images) or not images.is_floating_point():
            got = getattr(images, "dtype", type(images).__name__)
            raise ValueError(f"{self} corrupts float images with pixels in [0, 1], got {got}: "
                             "convert them with .float().div(255)")
        return self.corrupt(images)


class GaussianNoise(Corruption):
    """Add Gaussian noise of standard deviation ``std`` to every pixel, then clip to [0, 1]."""

    def __init__(self, std: float, seed: int = 0):
        if isinstance(std, bool) or not isinstance(std, (int, float)) or not (math.isfinite(std) and std >= 0):
            raise ValueError(f"std must be a non-negative number (a noise level such as 0.3), got {std!r}")
        super().__init__(seed)
        self.std = std

    def corrupt(self, images):
        noise = torch.randn(images.shape, generator=self.generator).to(images.device)
        return (images + self.std * noise).clamp(0, 1)

    def __repr__(self):
        return f"Gaussian σ = {self.std:g}"


class Masking(Corruption):
    """Set a random ``fraction`` of the pixels to 0 (each pixel independently, with that probability)."""

    def __init__(self, fraction: float, seed: int = 0):
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction < 1:
            raise ValueError(f"fraction must be a number in [0, 1) (the share of pixels set to 0), "
                             f"got {fraction!r}")
        super().__init__(seed)
        self.fraction = fraction

    def corrupt(self, images):
        keep = torch.rand(images.shape, generator=self.generator).to(images.device) >= self.fraction
        return images * keep

    def __repr__(self):
        return f"masking {100 * self.fraction:g}%"


def psnr(mse: float) -> float:
    """The peak signal-to-noise ratio in dB, 10·log10(1/mse), of images in [0, 1] with mean squared error ``mse``."""
    if isinstance(mse, bool) or not isinstance(mse, (int, float)) or not mse >= 0:
        raise ValueError(f"mse must be a non-negative number, got {mse!r}")
    return math.inf if mse == 0 else -10 * math.log10(mse)


@torch.no_grad()
def denoising_mse(models: dict[str, nn.Module], loader, corrupt) -> dict[str, float]:
    """Test MSE per pixel against the clean images: of the noisy input, and of each model's output from it.

    Every batch of ``loader`` is corrupted once and all the models (in eval mode, on the loader's device)
    see the same noisy batch.
    """
    totals = dict.fromkeys(["noisy input", *models], 0.0)
    count = 0
    for images, _ in loader:
        noisy = corrupt(images)
        totals["noisy input"] += torch.sum((noisy - images) ** 2).item()
        for name, model in models.items():
            totals[name] += torch.sum((model.eval()(noisy) - images) ** 2).item()
        count += images.numel()
    return {name: total / count for name, total in totals.items()}
