"""Reproducing a paper's table: ``python -m ae reproduce hinton2006``."""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from torch.nn import functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR

from .data import TensorLoader, get_datasets
from .experiments import pca_mse_by_size
from .hparams import HParams
from .model import IMAGE_SIZE
from .results import provenance
from .train import evaluate, get_device, reset, train

REFERENCE = ("G. E. Hinton and R. R. Salakhutdinov, Reducing the dimensionality of data with neural networks, "
             "Science 313 (5786), 504-507, 2006")

# The paper's average squared reconstruction error per MNIST test image (summed over the 784 pixels in [0, 1])
# for 30-dimensional codes. Logistic PCA is quoted from the paper, not recomputed here.
HINTON2006_TABLE = {"autoencoder": 3.00, "logistic PCA": 8.01, "PCA": 13.87}

# The paper's 784-1000-500-250-30 autoencoder (linear code, logistic output units, cross-entropy loss), trained
# from random weights with a modern recipe instead of RBM pretraining: Adam, cosine learning-rate decay to zero.
HINTON2006 = HParams(latent_size=30, hidden=(1000, 500, 250), activation="elu", loss="bce", lr=1e-3,
                     epochs=60, batch_size=128)


def squared_error(output, images):
    """The squared reconstruction error per image, summed over its 784 pixels in [0, 1] (the paper's measure)."""
    return F.mse_loss(output, images.reshape(output.shape), reduction="sum") / len(images)


def hinton2006(epochs: int = HINTON2006.epochs, train_size: int | None = None, device=None, command: str = "",
               log=print) -> dict:
    """Train the paper's autoencoder for ``epochs``, compute the PCA row, and return the table with its provenance.

    ``train_size`` trains on the first so many training images only (a short version); PCA is always fitted
    on the whole training set. ``ae.train`` steps the cosine schedule after every epoch and measures the test
    error (``metrics``); ``log`` receives one line per epoch (``None``: silent).
    """
    hp = HINTON2006.replace(epochs=epochs)
    train_set, test_set = get_datasets()
    if train_size is not None:
        if isinstance(train_size, bool) or not isinstance(train_size, int) or not 1 <= train_size <= len(train_set):
            raise ValueError(f"train_size must be an integer from 1 to {len(train_set)}, got {train_size!r}")
    device = get_device(device)
    result = {"paper": "hinton2006", "reference": REFERENCE, **provenance(command, device), "hparams": hp.asdict(),
              "schedule": "cosine learning-rate decay to 0 over the epochs, no pretraining",
              "train_size": train_size or len(train_set)}
    train_loader = TensorLoader(train_set, hp.batch_size, seed=hp.seed, device=device)
    train_loader.images, train_loader.labels = train_loader.images[:train_size], train_loader.labels[:train_size]
    test_loader = TensorLoader(test_set, 1000, shuffle=False, device=device)
    model, criterion, optimizer = reset(hp, device)
    start = time.perf_counter()
    logs = train(model, criterion, optimizer, train_loader, test_loader, hp.epochs, progress=False, log=log,
                 scheduler=CosineAnnealingLR(optimizer, T_max=hp.epochs), metrics={"squared_error": squared_error})
    history = [{"epoch": epoch, "seconds": seconds, "test_error": error}
               for epoch, (seconds, error) in enumerate(zip(logs["seconds"], logs["test_squared_error"]), start=1)]
    result["training_seconds"] = history[-1]["seconds"]
    pca_error = pca_mse_by_size(train_set, test_set, [hp.latent_size])[hp.latent_size] * IMAGE_SIZE
    ours = {"autoencoder": history[-1]["test_error"], "logistic PCA": None, "PCA": pca_error}
    result["epochs"] = history
    result["table"] = [{"method": method, "paper": paper, "ours": ours[method]}
                       for method, paper in HINTON2006_TABLE.items()]
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


PAPERS = {"hinton2006": hinton2006}


def first_beaten(result: dict) -> dict | None:
    """The first epoch whose test error is below the paper's autoencoder, or None when none is."""
    target = HINTON2006_TABLE["autoencoder"]
    return next((row for row in result["epochs"] if row["test_error"] < target), None)


def format_table(result: dict) -> str:
    """The table as text: each method's error per image in the paper and here, and the wall time."""
    lines = [f"{'30-dimensional codes, MNIST test set':<40}{'paper':>8}{'here':>10}"]
    for row in result["table"]:
        ours = "-" if row["ours"] is None else f"{row['ours']:.2f}"
        lines.append(f"{row['method']:<40}{row['paper']:>8.2f}{ours:>10}")
    epochs = len(result["epochs"])
    lines.append(f"{epochs} epoch{'s' if epochs > 1 else ''} on {result['train_size']} training images, "
                 f"wall time {result['wall_seconds']:.0f} s on {result['machine']['device']}")
    return "\n".join(lines)


def plot_history(result: dict, ax=None):
    """The test error per image after each epoch, with the paper's numbers as horizontal lines."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    epochs = result["epochs"]
    ax.plot([row["epoch"] for row in epochs], [row["test_error"] for row in epochs], marker=".",
            label="autoencoder, here")
    for (method, paper), style in zip(HINTON2006_TABLE.items(), ("-", "--", ":")):
        ax.axhline(paper, color="black", linestyle=style, linewidth=1, label=f"{method}, paper ({paper:.2f})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, None)
    ax.set_xlabel("epoch")
    ax.set_ylabel("squared error per test image")
    ax.legend()
    ax.grid(True, alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure
