"""Training: `reset` a model, `train` it over epochs of mini-batches, `evaluate` it on the test set."""
from __future__ import annotations

import os
import random
import time
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
    """The device to train on: `device` or `$AE_DEVICE` if given, else CUDA when available, else CPU."""
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


# Settings of oneDNN's ONEDNN_MAX_CPU_ISA that stop it before its bfloat16 instructions (AVX512_CORE_BF16).
_ISAS_WITHOUT_BFLOAT16 = {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}


def bfloat16_is_fast(device=None) -> bool:
    """Whether bfloat16 matrix products run faster than float32 ones on `device` (default: `get_device()`).

    A GPU: if it supports bfloat16. A CPU: if it has AMX or AVX512-BF16 instructions, torch uses its AVX512 code
    (not turned off by `ATEN_CPU_CAPABILITY`) and oneDNN may use them (not stopped by `ONEDNN_MAX_CPU_ISA`).
    Elsewhere bfloat16 products are emulated: on a CPU with AVX2 only, tens of times slower than float32
    (`benchmarks/throughput.py` measures both).
    """
    device = get_device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    instructions = torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL").upper()
    return (instructions and torch.backends.cpu.get_cpu_capability().startswith("AVX512")
            and isa not in _ISAS_WITHOUT_BFLOAT16)


class _BinaryCrossEntropy(torch.autograd.Function):
    """torch's `binary_cross_entropy` (mean, no weights), forward and backward, in vectorised operations."""

    @staticmethod
    def forward(ctx, output, target):
        ctx.save_for_backward(output, target)
        # lerp(a, b, t) = a + t (b - a): t log(p) + (1 - t) log(1 - p), each log no lower than -100, as torch's
        return -torch.lerp(torch.log1p(-output).clamp_(min=-100), torch.log(output).clamp_(min=-100), target).mean()

    @staticmethod
    def backward(ctx, grad):
        output, target = ctx.saved_tensors  # torch's gradient, its denominator no smaller than 1e-12
        return grad * (output - target) / (output * (1 - output)).clamp_(min=1e-12) / output.numel(), None


class BCELoss(nn.Module):
    """The binary cross-entropy of pixels in [0, 1], averaged: the same numbers as `torch.nn.BCELoss()`, within
    float rounding, forward and backward. On a CPU, torch's own computes its logarithms one at a time, and its
    forward pass was a training step's largest cost after the matrix products and the optimizer
    (`benchmarks/throughput.py --profile`); this one computes them in vectorised operations."""

    def forward(self, output, target):
        if output.shape != target.shape:
            raise ValueError(f"the target's shape {tuple(target.shape)} differs from the output's "
                             f"{tuple(output.shape)}")
        return _BinaryCrossEntropy.apply(output, target)


def make_criterion(loss: str) -> nn.Module:
    """The reconstruction loss by name: `"mse"` (mean squared error per pixel) or `"bce"` (`BCELoss`)."""
    return {"mse": nn.MSELoss, "bce": BCELoss}[loss]()


def make_optimizer(name: str, parameters, lr: float, weight_decay: float | None = None) -> torch.optim.Optimizer:
    """The optimizer by name (`"adam"`, `"adamw"` or `"sgd"`) with learning rate `lr`.

    `weight_decay`: None keeps torch's default (0, and 0.01 for AdamW). `fused=True`: one kernel updates
    all the weights (CPU and CUDA), instead of a pass per operation.
    """
    optimizers = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}
    decay = {} if weight_decay is None else {"weight_decay": weight_decay}
    return optimizers[name](parameters, lr=lr, fused=True, **decay)


def reset(hp: HParams | None = None, device=None, model_class=Net, **changes):
    """A fresh `(model, criterion, optimizer)` built from the hyperparameters, seeded with `hp.seed`.

    Keyword arguments change fields of `hp`: `reset(latent_size=32)`. `model_class` builds the model from
    the latent size, the hidden widths and the activation (`VAE`, for one).
    """
    hp = (hp or HParams()).replace(**changes)
    set_seed(hp.seed)
    model = model_class(hp.latent_size, hp.hidden, hp.activation).to(get_device(device))
    return model, make_criterion(hp.loss), make_optimizer(hp.optimizer, model.parameters(), hp.lr)


def pixel_accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The fraction of pixels whose reconstruction falls on the same side of 0.5 as the input pixel."""
    return ((output > 0.5) == (target.reshape(output.shape) > 0.5)).float().mean()


def loss_terms(criterion, output, images) -> dict[str, torch.Tensor]:
    """The loss of a batch as named terms: `{"loss": ...}`, or the terms a criterion gives itself (a VAE's)."""
    value = criterion(output, images)
    return value if isinstance(value, dict) else {"loss": value}


@torch.no_grad()
def evaluate(model: nn.Module, loader, criterion=None, device=None, corrupt=None) -> tuple:
    """The mean reconstruction loss (MSE unless `criterion` says otherwise) and pixel accuracy over `loader`.

    A criterion that gives named terms (a VAE's) gives a dict of their means instead of one loss. `corrupt`, a
    function of a batch, is applied to the model's input only: the target stays the clean batch.
    """
    criterion = criterion or nn.MSELoss()
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    totals, total_accuracy, count = {}, 0.0, 0
    for images, _ in loader:
        images = images.to(device)
        output = model(images if corrupt is None else corrupt(images))
        for name, value in loss_terms(criterion, output, images).items():
            totals[name] = totals.get(name, 0.0) + value.item() * len(images)
        reconstruction = output[0] if isinstance(output, tuple) else output  # a VAE gives (images, mean, log var)
        total_accuracy += pixel_accuracy(reconstruction, images).item() * len(images)
        count += len(images)
    model.train(was_training)
    means = {name: total / count for name, total in totals.items()}
    return means["loss"] if list(means) == ["loss"] else means, total_accuracy / count


def train_step(model, criterion, optimizer, inputs, targets):
    """One step of training on one batch: forward, loss, zero the gradients, backward, step. Returns the loss."""
    output = model(inputs)  # 1. forward: the reconstructions
    loss = criterion(output, targets)  # 2. loss: how far they are from the targets
    optimizer.zero_grad()  # 3. zero the gradients of the previous step
    loss.backward()  # 4. backward: the gradient of the loss for every weight
    optimizer.step()  # 5. step: move every weight against its gradient
    return loss


class _TrainingLoss:
    """The criterion `train` gives `train_step`: the output in float32 (it may come from bfloat16), the loss as
    the sum of its named terms (kept in `terms` for the logs), and `NonFiniteLoss` before any weight moves."""

    def __init__(self, criterion, step: int = 0):
        self.criterion, self.step, self.terms = criterion, step, {}

    def __call__(self, output, images):
        self.step += 1
        output = tuple(t.float() for t in output) if isinstance(output, tuple) else output.float()
        self.terms = loss_terms(self.criterion, output, images)
        loss = sum(self.terms.values())
        if not torch.isfinite(loss):
            raise NonFiniteLoss(f"the training loss became {loss.item()} at step {self.step}: the run diverged; "
                                "lower the learning rate (--lr)")
        return loss


def train(model, criterion, optimizer, train_loader, test_loader, epochs: int = 1, eval_every: int | None = None,
          progress: bool = True, log=tqdm.write, corrupt=None, scheduler=None, metrics=None,
          bf16: bool = False) -> dict:
    """Train `model` to reconstruct its input, one `train_step` per batch, and return the `logs`.

    Every `eval_every` steps (default: once an epoch) and at the end, `logs` gets the step (`steps`), the
    seconds since training started (`seconds`), the mean training loss since the last evaluation and the test
    loss (`train_loss`, `test_loss`; for a criterion with named terms, `train_<term>` and `test_<term>` for
    each), the test pixel accuracy (`accuracy`), and `test_<name>` for each criterion of `metrics` (a dict);
    with `test_loader=None`, nothing of the test set. `log` receives one line per epoch (`None`: silent);
    `progress` shows a tqdm bar (a widget in Jupyter). `corrupt`, a function of a batch, is applied to the
    input of every training and test batch while the target stays the clean batch (a denoising autoencoder).
    `scheduler`, a learning-rate scheduler, steps after every optimizer step (build it for
    `epochs * len(train_loader)` steps). `bf16`: the step under `torch.autocast` in bfloat16, whose matrix
    products run faster on a CPU with AMX or AVX512-BF16 and on recent GPUs (elsewhere far slower: ask
    `bfloat16_is_fast`); the weights, their updates and the loss stay in float32, and so does
    `evaluate`. A loss that is not finite stops training with `NonFiniteLoss`, before the weights move.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if eval_every is not None and (not isinstance(eval_every, int) or eval_every < 1):
        raise ValueError(f"eval_every must be a positive integer or None, got {eval_every!r}")
    device = next(model.parameters()).device
    eval_every = eval_every or len(train_loader)
    logs = {"steps": [], "seconds": []}
    step, running, since, start = 0, {}, 0, time.perf_counter()
    training_loss = _TrainingLoss(criterion)
    model.train()
    with tqdm(total=epochs * len(train_loader), disable=not progress, unit="batch", leave=True) as bar:
        for epoch in range(1, epochs + 1):
            for images, _ in train_loader:
                images = images.to(device)
                inputs = images if corrupt is None else corrupt(images)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                    train_step(model, training_loss, optimizer, inputs, images)
                if scheduler is not None:
                    scheduler.step()
                step, since = step + 1, since + 1
                for name, value in training_loss.terms.items():
                    running[name] = running.get(name, 0.0) + value.item()
                bar.update()
                if step % eval_every == 0 or step == epochs * len(train_loader):
                    _record(logs, model, criterion, test_loader, corrupt, metrics, step, start,
                            {name: total / since for name, total in running.items()})
                    running, since = {}, 0
                    bar.set_postfix({name: f"{values[-1]:.5f}" for name, values in logs.items()
                                     if name.startswith("test_")})
            if log is not None and logs["steps"]:
                log(f"epoch {epoch}/{epochs}: " + " ".join(f"{name}={values[-1]:.5f}"
                                                            for name, values in logs.items()
                                                            if name not in ("steps", "seconds")))
    return logs


def _record(logs: dict, model, criterion, test_loader, corrupt, metrics, step: int, start: float, train_means):
    """Append one evaluation to `logs`: the step, the time, the training means, and (unless `test_loader` is
    None) the test loss, the accuracy and the metrics."""
    values = {"steps": step, "seconds": round(time.perf_counter() - start, 2)}
    values |= {f"train_{name}": value for name, value in train_means.items()}
    if test_loader is not None:
        test, accuracy = evaluate(model, test_loader, criterion, corrupt=corrupt)
        terms = test if isinstance(test, dict) else {"loss": test}
        values |= {f"test_{name}": value for name, value in terms.items()}
        values["accuracy"] = accuracy
        for name, metric in (metrics or {}).items():
            values[f"test_{name}"] = evaluate(model, test_loader, metric, corrupt=corrupt)[0]
    for name, value in values.items():
        logs.setdefault(name, []).append(value)


def fit(hp: HParams | None = None, device=None, eval_every: int | None = None, progress: bool = True, log=tqdm.write,
        corrupt=None, train_set=None, test_set=None, model_class=Net, criterion=None):
    """Everything of one run from its hyperparameters: data, `reset`, `train`. Returns `(model, logs)`.

    The data are MNIST's splits (`hp.dataset`), or `train_set` and `test_set` when given (datasets with
    `.data` and `.targets`, as `ae.exercise_datasets` gives). `model_class` and `criterion` replace
    the `Net` and the loss that `reset` builds (a VAE and its ELBO terms); `corrupt` is
    passed on to `train`.
    """
    from .data import TensorLoader, get_datasets

    if (train_set is None) != (test_set is None):
        raise ValueError("give both train_set and test_set, or neither (then MNIST's splits are used)")
    hp = hp or HParams()
    device = get_device(device)
    model, default_criterion, optimizer = reset(hp, device, model_class)
    if train_set is None:
        train_set, test_set = get_datasets(dataset=hp.dataset)
    train_loader = TensorLoader(train_set, hp.batch_size, seed=hp.seed, device=device)
    test_loader = TensorLoader(test_set, 1000, shuffle=False, device=device)
    logs = train(model, criterion or default_criterion, optimizer, train_loader, test_loader, hp.epochs, eval_every,
                 progress, log, corrupt)
    return model, logs
