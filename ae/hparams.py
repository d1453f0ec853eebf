"""The hyperparameter box: every setting of a run in one place."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

OPTIMIZERS = ("adam", "adamw", "sgd")
LOSSES = ("mse", "bce")

# Upper bounds that keep every run allocatable (the model's own bounds are in ae.model: MAX_LATENT_SIZE, ...).
MAX_BATCH_SIZE = 60_000  # the size of MNIST's training set
MAX_EPOCHS = 10_000
MAX_SEED = 2**32 - 1  # what NumPy's seed accepts
MAX_STEP_BYTES = 8 * 2**30  # memory of one training step: weights, gradients, Adam's state, activations


def step_bytes(latent_size: int, hidden, batch_size: int, parameters: int) -> int:
    """About how many bytes one training step of `Net(latent_size, hidden)` on `batch_size` images needs.

    Four float32 copies of the parameters (weights, gradients, Adam's two moments), and per image the output of
    every layer and of its activation, with as much again for their gradients.
    """
    from .model import IMAGE_SIZE

    widths = (*hidden, latent_size, *hidden[::-1], IMAGE_SIZE)
    return 4 * (4 * parameters + batch_size * 4 * sum(widths))


def _choice(what: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")


@dataclass(frozen=True)
class HParams:
    """Hyperparameters of one training run; invalid values raise `ValueError` saying which and why."""

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
        object.__setattr__(self, "hidden", check(self))

    def replace(self, **changes) -> "HParams":
        """A copy with some fields changed (and checked)."""
        return dataclasses.replace(self, **changes)

    def asdict(self) -> dict:
        """The fields as a plain dict (for JSON, cache keys and logs)."""
        return dataclasses.asdict(self)


def check(hp: HParams) -> tuple[int, ...]:
    """The hidden widths of `hp` as a tuple; `ValueError` for any value out of its type or bounds, or a run
    whose training step would need more than `MAX_STEP_BYTES` of memory."""
    # Imported here, not at the top, so that the command line's --help does not load torch.
    from .data import DATASETS
    from .model import ACTIVATIONS, check_sizes, count_parameters

    hidden = check_sizes(hp.latent_size, hp.hidden)
    _choice("activation", hp.activation, ACTIVATIONS)
    number = isinstance(hp.lr, (int, float)) and not isinstance(hp.lr, bool)
    if not (number and math.isfinite(hp.lr) and hp.lr > 0):
        raise ValueError(f"lr must be a positive number, got {hp.lr!r}")
    _choice("optimizer", hp.optimizer, OPTIMIZERS)
    _choice("loss", hp.loss, LOSSES)
    for name, bound in (("epochs", MAX_EPOCHS), ("batch_size", MAX_BATCH_SIZE)):
        value = getattr(hp, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if value > bound:
            raise ValueError(f"{name} must be at most {bound}, got {value}")
    if isinstance(hp.seed, bool) or not isinstance(hp.seed, int) or not 0 <= hp.seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer from 0 to 2**32 - 1 = {MAX_SEED}, got {hp.seed!r}")
    _choice("dataset", hp.dataset, DATASETS)
    needed = step_bytes(hp.latent_size, hidden, hp.batch_size, count_parameters(hp.latent_size, hidden))
    if needed > MAX_STEP_BYTES:
        raise ValueError(f"one training step would need about {needed / 2**30:.1f} GiB of memory, at most "
                         f"{MAX_STEP_BYTES // 2**30} GiB: lower batch_size or the hidden widths")
    return hidden
