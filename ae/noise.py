"""Corrupting images for a denoising autoencoder, and measuring how much of the corruption a model removes.

The corruptions here (salt-and-pepper noise, an erased square) are the ones of the "Going further" page on
denoising; the two of the denoising exercise (Gaussian noise and masking) are the student's to write.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .data import TensorLoader, subset
from .train import reset, train


class Corruption:
    """A random corruption of a batch of float images, reproducible from `seed`.

    Calling it returns a new corrupted tensor (its input is never changed); successive calls draw new noise
    from the corruption's own `torch.Generator`, so the same seed gives the same sequence of corrupted batches.
    Subclasses say how in their method `corrupt(images)`.
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


class SaltAndPepper(Corruption):
    """Replace a random `fraction` of the pixels (each independently, with that probability) by white or by
    black, either with even odds."""

    def __init__(self, fraction: float, seed: int = 0):
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be a number in [0, 1] (the share of pixels replaced), got {fraction!r}")
        super().__init__(seed)
        self.fraction = fraction

    def corrupt(self, images):
        draw = torch.rand(images.shape, generator=self.generator).to(images.device)
        replaced = draw < self.fraction
        white = draw < self.fraction / 2
        return torch.where(replaced, white.to(images.dtype), images)

    def __repr__(self):
        return f"salt and pepper {100 * self.fraction:g}%"


class ErasedSquare(Corruption):
    """Set a `size` × `size` square of every image to 0, at a random place drawn anew for each image (the
    square always lies wholly inside the image)."""

    def __init__(self, size: int, seed: int = 0):
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 28:
            raise ValueError(f"size must be a whole number of pixels from 1 to 28, got {size!r}")
        super().__init__(seed)
        self.size = size

    def corrupt(self, images):
        if images.dim() < 3:
            raise ValueError(f"{self} needs images of shape (N, 28, 28) or (N, 1, 28, 28), got {tuple(images.shape)}")
        height, width = images.shape[-2:]
        corners = [torch.randint(0, n - self.size + 1, (len(images), 1), generator=self.generator)
                   for n in (height, width)]
        rows, cols = (torch.arange(n) for n in (height, width))
        inside_rows = (rows >= corners[0]) & (rows < corners[0] + self.size)  # (N, height)
        inside_cols = (cols >= corners[1]) & (cols < corners[1] + self.size)  # (N, width)
        square = (inside_rows[:, :, None] & inside_cols[:, None, :]).to(images.device)
        return images.masked_fill(square.view(len(images), *[1] * (images.dim() - 3), height, width), 0)

    def __repr__(self):
        return f"erased square {self.size}×{self.size}"


def psnr(mse: float) -> float:
    """The peak signal-to-noise ratio in dB, 10·log10(1/mse), of images in [0, 1] with mean squared error `mse`."""
    if isinstance(mse, bool) or not isinstance(mse, (int, float)) or not mse >= 0:
        raise ValueError(f"mse must be a non-negative number, got {mse!r}")
    return math.inf if mse == 0 else -10 * math.log10(mse)


@torch.no_grad()
def denoising_mse(models: dict[str, nn.Module], loader, corrupt) -> dict[str, float]:
    """Test MSE per pixel against the clean images: of the corrupted input, and of each model's output from it.

    Every batch of `loader` is corrupted once and all the models (in eval mode, on the loader's device)
    see the same corrupted batch.
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


def denoiser(book_model: nn.Module, train_set, corruption: Corruption, seed: int, images: int = 20_000):
    """`book_model` trained one more pass over `images` training images of `train_set` drawn with `seed`, to
    turn images corrupted by `corruption` into clean ones: the denoiser, in eval mode, and its training's seconds."""
    model, criterion, optimizer = reset()
    model.load_state_dict(book_model.state_dict())
    drawn = torch.randperm(len(train_set.data), generator=torch.Generator().manual_seed(seed))[:images]
    loader = TensorLoader(subset(train_set, drawn), batch_size=128, seed=seed)
    logs = train(model, criterion, optimizer, loader, None, corrupt=corruption, progress=False, log=None)
    return model.eval(), logs["seconds"][-1]
