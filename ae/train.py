"""Training: ``reset`` a model, ``train`` it over epochs of mini-batches, ``evaluate`` it on the test set."""
from __future__ import annotations

import os
import random
import warnings

import numpy as np
import torch
from torch import nn

from .hparams import HParams
from .model import Net

with warnings.catch_warnings():  # tqdm.auto warns when ipywidgets is missing, then falls back to text
    warnings.simplefilter("ignore")
    from tqdm.auto import tqdm


class NonFiniteLoss(ValueError):
    """The training loss became NaN or infinite: the run diverged (a learning rate too large, most often)."""


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so that a run can be repeated exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device(device: str | None = None) -> torch.device:
    """The device to train on: ``device`` or ``$AE_DEVICE`` if given, else CUDA when available, else CPU."""
    name = device or os.environ.get("AE_DEVICE")
    if name:
        try:
            device = torch.device(name)
        except (RuntimeError, TypeError):
            device = None
        if device is None or device.type not in ("cpu", "cuda"):
            raise ValueError(f"unknown device {str(name)!r}: use 'cpu', 'cuda' or 'cuda:N'")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {str(device)!r} asked for, but CUDA is not available here: use 'cpu'")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def make_criterion(loss: str) -> nn.Module:
    """The reconstruction loss by name: ``"mse"`` (mean squared error per pixel) or ``"bce"``."""
    return {"mse": nn.MSELoss, "bce": nn.BCELoss}[loss]()


def make_optimizer(name: str, parameters, lr: float) -> torch.optim.Optimizer:
    """The optimizer by name (``"adam"``, ``"adamw"`` or ``"sgd"``) with learning rate ``lr``."""
    return {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name](parameters, lr=lr)


def reset(hp: HParams | None = None, device=None, **changes):
    """A fresh ``(model, criterion, optimizer)`` built from the hyperparameters, seeded with ``hp.seed``.

    Keyword arguments change fields of ``hp``: ``reset(latent_size=32)``.
    """
    hp = (hp or HParams()).replace(**changes)
    set_seed(hp.seed)
    model = Net(hp.latent_size, hp.hidden, hp.activation).to(get_device(device))
    return model, make_criterion(hp.loss), make_optimizer(hp.optimizer, model.parameters(), hp.lr)


def pixel_accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The fraction of pixels whose reconstruction falls on the same side of 0.5 as the input pixel."""
    return ((output > 0.5) == (target.reshape(output.shape) > 0.5)).float().mean()


@torch.no_grad()
def evaluate(model: nn.Module, loader, criterion: nn.Module | None = None, device=None,
             corrupt=None) -> tuple[float, float]:
    """The mean reconstruction loss (MSE unless ``criterion`` says otherwise) and pixel accuracy over ``loader``.

    ``corrupt``, a function of a batch, is applied to the model's input only: the target stays the clean batch.
    """
    criterion = criterion or nn.MSELoss()
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_loss = total_accuracy = count = 0.0
    for images, _ in loader:
        images = images.to(device)
        output = model(images if corrupt is None else corrupt(images))
        total_loss += criterion(output, images).item() * len(images)
        total_accuracy += pixel_accuracy(output, images).item() * len(images)
        count += len(images)
    model.train(was_training)
    return total_loss / count, total_accuracy / count


def train(model, criterion, optimizer, train_loader, test_loader, epochs: int = 1, eval_every: int | None = None,
          progress: bool = True, log=tqdm.write, corrupt=None) -> dict:
    """Train ``model`` to reconstruct its input and return the ``logs``.

    Every ``eval_every`` steps (default: once an epoch) and at the end, the mean training loss since the
    last evaluation, the test loss and the test pixel accuracy are appended to ``logs`` under ``steps``,
    ``train_loss``, ``test_loss`` and ``accuracy``. ``log`` receives one line per epoch (``None``: silent);
    ``progress`` shows a tqdm bar (a widget in Jupyter). ``corrupt``, a function of a batch, is applied to
    the input of every training and test batch while the target stays the clean batch (a denoising autoencoder).
    A loss that is not finite stops training with :class:`NonFiniteLoss`.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if eval_every is not None and (not isinstance(eval_every, int) or eval_every < 1):
        raise ValueError(f"eval_every must be a positive integer or None, got {eval_every!r}")
    device = next(model.parameters()).device
    eval_every = eval_every or len(train_loader)
    logs = {"steps": [], "train_loss": [], "test_loss": [], "accuracy": []}
    step, running, since = 0, 0.0, 0
    model.train()
    bar = tqdm(total=epochs * len(train_loader), disable=not progress, unit="batch", leave=True)
    for epoch in range(1, epochs + 1):
        for images, _ in train_loader:
            images = images.to(device)
            loss = criterion(model(images if corrupt is None else corrupt(images)), images)
            if not torch.isfinite(loss):
                bar.close()
                raise NonFiniteLoss(f"the training loss became {loss.item()} at step {step + 1}: the run diverged; "
                                    "lower the learning rate (--lr)")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step, running, since = step + 1, running + loss.item(), since + 1
            bar.update()
            if step % eval_every == 0 or step == epochs * len(train_loader):
                test_loss, accuracy = evaluate(model, test_loader, criterion, corrupt=corrupt)
                for key, value in zip(logs, (step, running / since, test_loss, accuracy)):
                    logs[key].append(value)
                running, since = 0.0, 0
                bar.set_postfix(test_loss=f"{test_loss:.5f}", accuracy=f"{accuracy:.4f}")
        if log is not None and logs["steps"]:
            log(f"epoch {epoch}/{epochs}: train_loss={logs['train_loss'][-1]:.5f} "
                f"test_loss={logs['test_loss'][-1]:.5f} accuracy={logs['accuracy'][-1]:.4f}")
    bar.close()
    return logs


def fit(hp: HParams | None = None, device=None, eval_every: int | None = None, progress: bool = True, log=tqdm.write,
        corrupt=None):
    """Everything of one run from its hyperparameters: data, ``reset``, ``train`` (``corrupt`` passed on to it).

    Returns ``(model, logs)``.
    """
    from .data import get_fast_loaders

    hp = hp or HParams()
    device = get_device(device)
    model, criterion, optimizer = reset(hp, device)
    train_loader, test_loader = get_fast_loaders(hp.batch_size, seed=hp.seed, dataset=hp.dataset, device=device)
    logs = train(model, criterion, optimizer, train_loader, test_loader, hp.epochs, eval_every, progress, log, corrupt)
    return model, logs
