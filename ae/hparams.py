"""The hyperparameter box: every setting of a run in one place."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from .data import DATASETS
from .model import ACTIVATIONS, check_sizes

OPTIMIZERS = ("adam", "adamw", "sgd")
LOSSES = ("mse", "bce")


@dataclass(frozen=True)
class HParams:
    """Hyperparameters of one training run; invalid values raise ``ValueError`` saying which and why."""

    latent_size: int = 64
    hidden: tuple[int, ...] = (256,)
    activation: str = "relu"
    lr: float = 1e-3
    optimizer: str = "adam"
    loss: str = "mse"
    epochs: int = 6
    batch_size: int = 128
    seed: int = 0
    dataset: str = "mnist"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        check_sizes(self.latent_size, self.hidden)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}: choose one of {', '.join(ACTIVATIONS)}")
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}: choose one of {', '.join(DATASETS)}")

    def replace(self, **changes) -> "HParams":
        """A copy with some fields changed (and checked)."""
        return dataclasses.replace(self, **changes)

    def asdict(self) -> dict:
        """The fields as a plain dict (for JSON, cache keys and logs)."""
        return dataclasses.asdict(self)
