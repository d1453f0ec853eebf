"""Experiments: MSE over latent sizes, activations and seeds, beside PCA with as many components.

Every run trains on the 50,000 training images and is measured on the 10,000 validation images, on which
every choice is made, and on the test images, which only report the choices.
"""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter, NullLocator
from sklearn.decomposition import PCA

from .baselines import as_matrix
from .data import TensorLoader, get_datasets
from .hparams import HParams
from .results import provenance
from .train import evaluate, fit, get_device

LATENT_SIZES = (2, 8, 16, 32, 64)
SWEEP_ACTIVATIONS = ("relu", "tanh", "sigmoid")
SEEDS = (0, 1, 2)
SPLITS = ("validation", "test")


def pca_mse_by_size(train_set, test_set, sizes) -> dict[int, float]:
    """MSE per pixel on `test_set` of a PCA with each number of components in `sizes`, fitted on `train_set`.

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


def sweep(latent_sizes=LATENT_SIZES, activations=SWEEP_ACTIVATIONS, seeds=SEEDS, base: HParams | None = None,
          device=None, command: str = "", log=print) -> dict:
    """Train `base` (default: the book's run) with every latent size, activation and seed; PCA beside each size.

    Each run (`seeds` replace `base.seed`) trains on the 50,000 training images and records its validation
    and test MSE per pixel. PCA is fitted on the same training images. `log` receives one line per run
    (`None`: silent).
    """
    for name, values in (("latent_sizes", latent_sizes), ("activations", activations), ("seeds", seeds)):
        if len(values) == 0 or len(set(values)) != len(values):
            raise ValueError(f"{name} must be one or more different values, got {list(values)}")
    base = base or HParams()
    runs_to_do = [base.replace(latent_size=k, activation=a, seed=s)
                  for a in activations for k in latent_sizes for s in seeds]
    device = get_device(device)
    train_set, validation_set, test_set = get_datasets(dataset=base.dataset, validation=True)
    splits = {"validation": validation_set, "test": test_set}
    loaders = {split: TensorLoader(data, 1000, shuffle=False, device=device) for split, data in splits.items()}
    result = {**provenance(command, device), "hparams": base.asdict(), "seeds": list(seeds),
              "train_size": len(train_set), "validation_size": len(validation_set)}
    start = time.perf_counter()
    runs = []
    for hp in runs_to_do:
        model, _ = fit(hp, device, progress=False, log=None, train_set=train_set, test_set=validation_set)
        run = {"activation": hp.activation, "latent_size": hp.latent_size, "seed": hp.seed}
        run |= {f"{split}_mse": evaluate(model, loader)[0] for split, loader in loaders.items()}
        runs.append(run | {"seconds": round(time.perf_counter() - start, 1)})
        if log is not None:
            log(f"{hp.activation:>8} latent {hp.latent_size:>3} seed {hp.seed}: validation MSE "
                f"{run['validation_mse']:.5f}, test MSE {run['test_mse']:.5f} ({runs[-1]['seconds']:.0f} s)")
    pca = {split: pca_mse_by_size(train_set, data, latent_sizes) for split, data in splits.items()}
    result["runs"] = runs
    result["pca"] = [{"latent_size": k, **{f"{split}_mse": pca[split][k] for split in splits}} for k in latent_sizes]
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def summarize(runs, split: str = "validation") -> list[dict]:
    """The mean and the standard deviation over seeds of each setting's `<split>_mse`.

    One row per activation and latent size, in the order of `runs`: `activation`, `latent_size`,
    `seeds` (how many), `mean` and `std` (the sample standard deviation; NaN for a single seed).
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    values = {}
    for run in runs:
        values.setdefault((run["activation"], run["latent_size"]), []).append(run[f"{split}_mse"])
    return [{"activation": activation, "latent_size": k, "seeds": len(v), "mean": float(np.mean(v)),
             "std": float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")}
            for (activation, k), v in values.items()]


def best_by_size(summary) -> dict[int, dict]:
    """For each latent size, the activation of lowest mean and whether it is clearly the best.

    Clearly: the gap exceeds the spread, its mean + std below every other activation's mean - std. Each value
    holds `activation`, `mean`, `std`, `clear` and `margin`: the smallest other mean - std minus this
    mean + std (positive when clear).
    """
    best = {}
    for k in dict.fromkeys(row["latent_size"] for row in summary):
        rows = sorted((row for row in summary if row["latent_size"] == k), key=lambda row: row["mean"])
        low, others = rows[0], rows[1:]
        margin = min((row["mean"] - row["std"] for row in others), default=float("nan")) - (low["mean"] + low["std"])
        best[k] = {"activation": low["activation"], "mean": low["mean"], "std": low["std"],
                   "clear": bool(margin > 0), "margin": margin}
    return best


def plot_sweep(result: dict, split: str = "validation"):
    """MSE against latent size, mean ± standard deviation over seeds, with PCA of as many components.

    Left, the MSE per pixel; right, each activation's MSE divided by PCA's (1: as good as PCA).
    """
    fig, (ax, ratio_ax) = plt.subplots(1, 2, figsize=(9.5, 4))
    pca = {p["latent_size"]: p[f"{split}_mse"] for p in result["pca"]}
    sizes = list(pca)
    summary = summarize(result["runs"], split)
    for activation in dict.fromkeys(row["activation"] for row in summary):
        rows = [row for row in summary if row["activation"] == activation]
        x = [row["latent_size"] for row in rows]
        mean, std = np.array([row["mean"] for row in rows]), np.array([row["std"] for row in rows])
        pca_here = np.array([pca[k] for k in x])
        ax.errorbar(x, mean, yerr=std, marker="o", capsize=3, label=activation)
        ratio_ax.errorbar(x, mean / pca_here, yerr=std / pca_here, marker="o", capsize=3, label=activation)
    ax.plot(sizes, list(pca.values()), marker="s", linestyle="--", color="black", label="PCA", zorder=1)
    ratio_ax.axhline(1, linestyle="--", color="black", label="PCA")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylabel(f"{split} MSE per pixel")
    ratio_ax.set_ylabel(f"{split} MSE / PCA's")
    for a in (ax, ratio_ax):
        a.set_xscale("log", base=2)
        a.set_xticks(sizes, [str(k) for k in sizes])
        a.xaxis.set_minor_locator(NullLocator())
        a.set_xlabel("latent size (PCA: components)")
        a.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig
