"""Experiments: test MSE over latent sizes and activations, beside PCA with as many components."""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from .baselines import as_matrix
from .data import TensorLoader, get_datasets
from .hparams import HParams
from .results import provenance
from .train import evaluate, fit, get_device

LATENT_SIZES = (2, 8, 16, 32, 64)
SWEEP_ACTIVATIONS = ("relu", "tanh", "sigmoid")


def pca_mse_by_size(train_set, test_set, sizes) -> dict[int, float]:
    """Test MSE per pixel of a PCA with each number of components in ``sizes``, fitted on the training split.

    The principal components are nested, so one fit with the largest number serves every size.
    """
    train_x, test_x = as_matrix(train_set), as_matrix(test_set)
    pca = PCA(n_components=max(sizes), svd_solver="covariance_eigh").fit(train_x)
    centred = test_x - pca.mean_
    errors = {}
    for k in sizes:
        components = pca.components_[:k]
        errors[k] = float(np.mean((centred @ components.T @ components - centred) ** 2))
    return errors


def sweep(latent_sizes=LATENT_SIZES, activations=SWEEP_ACTIVATIONS, base: HParams | None = None, device=None,
          command: str = "", log=print) -> dict:
    """Train ``base`` (default: the book's run) with every latent size and activation; PCA beside each size.

    Returns the test MSE per pixel of every run and of PCA, with the provenance of the sweep.
    ``log`` receives one line per run (``None``: silent).
    """
    base = base or HParams()
    runs_to_do = [base.replace(latent_size=k, activation=a) for a in activations for k in latent_sizes]
    device = get_device(device)
    train_set, test_set = get_datasets(dataset=base.dataset)
    test_loader = TensorLoader(test_set, 1000, shuffle=False, device=device)
    result = {**provenance(command, device), "hparams": base.asdict()}
    start = time.perf_counter()
    runs = []
    for hp in runs_to_do:
        model, _ = fit(hp, device, progress=False, log=None)
        runs.append({"activation": hp.activation, "latent_size": hp.latent_size,
                     "test_mse": evaluate(model, test_loader)[0], "seconds": round(time.perf_counter() - start, 1)})
        if log is not None:
            log(f"{hp.activation:>8} latent {hp.latent_size:>3}: test MSE {runs[-1]['test_mse']:.5f} "
                f"({runs[-1]['seconds']:.0f} s)")
    pca = pca_mse_by_size(train_set, test_set, latent_sizes)
    result["runs"] = runs
    result["pca"] = [{"latent_size": k, "test_mse": pca[k]} for k in latent_sizes]
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def plot_sweep(result: dict, ax=None):
    """Test MSE against latent size: one line per activation, and PCA with as many components."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for activation in dict.fromkeys(run["activation"] for run in result["runs"]):
        runs = [run for run in result["runs"] if run["activation"] == activation]
        ax.plot([r["latent_size"] for r in runs], [r["test_mse"] for r in runs], marker="o", label=activation)
    ax.plot([p["latent_size"] for p in result["pca"]], [p["test_mse"] for p in result["pca"]], marker="s",
            linestyle="--", color="black", label="PCA")
    ax.set_xscale("log", base=2)
    ax.set_xticks([p["latent_size"] for p in result["pca"]], [str(p["latent_size"]) for p in result["pca"]])
    ax.minorticks_off()
    ax.set_yscale("log")
    ax.set_xlabel("latent size (PCA: number of components)")
    ax.set_ylabel("test MSE per pixel")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure
