"""Anomaly detection: train on nine digits, then flag the images the model finds unfamiliar.

Each digit in turn is held out of training. Every test image gets a score from each of `SCORERS`, higher meaning
more unusual; the held-out digit's images are the anomalies. The scores are compared by ROC-AUC on the test
images; a threshold on each score is chosen on the validation images (`ae.get_datasets(validation=True)`), and
the test images only report its precision and recall. Fashion-MNIST's images are scored by the models trained
on all ten digits, as inputs from outside the training distribution.
"""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.metrics import precision_recall_curve, precision_score, recall_score, roc_auc_score
from sklearn.neighbors import NearestNeighbors

from .cache import TRAINING_CODE, cached, load_checkpoint, save_checkpoint, trained
from .hparams import HParams
from .plots import MAX_WIDTH, TITLE_SIZE
from .results import provenance

# ae.data, ae.latent and ae.train are imported where they are used: a page that only reads a result and draws
# it starts faster without torchvision and t-SNE.

DIGITS = tuple(range(10))
SEEDS = (0, 1, 2)
NEIGHBOURS = 1  # the nearest-code score: the distance to the single nearest training code
SCORERS = ("autoencoder", "PCA", "nearest code", "ink")
EXAMPLES = 6  # images of each kind of failure kept in the result for the page


def pixels(dataset) -> np.ndarray:
    """The images of a torchvision split as an `(N, 784)` float32 array of pixels in [0, 1]."""
    return dataset.data.reshape(len(dataset.data), -1).numpy().astype(np.float32) / 255


def without_digit(dataset, digit: int):
    """A copy of a split without the images of `digit`."""
    from .data import subset

    return subset(dataset, (dataset.targets != digit).nonzero().squeeze(1))


@torch.no_grad()
def reconstruct(model, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The model's reconstructions of the images `x`, an `(N, 784)` array of pixels in [0, 1]."""
    model.eval()
    device = next(model.parameters()).device
    images = torch.as_tensor(x, dtype=torch.float32)
    return torch.cat([model(batch.to(device)).reshape(len(batch), -1).cpu() for batch in images.split(batch_size)]
                     ).numpy()


def reconstruction_error(x: np.ndarray, reconstructions: np.ndarray) -> np.ndarray:
    """Each image's score: the mean squared error over its pixels."""
    return np.mean((x - reconstructions) ** 2, axis=1)


def pca_reconstructions(pca, x: np.ndarray) -> np.ndarray:
    """`x` projected on the components of `pca` (a fitted scikit-learn `PCA`) and back: PCA's reconstructions."""
    return pca.inverse_transform(pca.transform(x))


def nearest_code_distance(train_codes: np.ndarray, codes: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """Each code's mean Euclidean distance to its `k` nearest training codes (exact search)."""
    search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(train_codes)
    return search.kneighbors(codes)[0].mean(axis=1)


def ink(x: np.ndarray) -> np.ndarray:
    """The trivial score: the error of a model that outputs an all-black image, the mean squared pixel."""
    return np.mean(x**2, axis=1)


def auc(scores, is_anomaly) -> float:
    """ROC-AUC of a score: the chance that an anomaly scores higher than a normal image (0.5: no better than
    chance; below 0.5, the anomalies score *lower*)."""
    return float(roc_auc_score(is_anomaly, scores))


def choose_threshold(scores, is_anomaly) -> float:
    """The threshold of highest F1 on a labelled validation set: images scoring at or above it are flagged."""
    precision, recall, thresholds = precision_recall_curve(is_anomaly, scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return float(thresholds[np.argmax(f1[:-1])])  # the last point (recall 0) has no threshold


def precision_recall(scores, is_anomaly, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of flagging the images whose score is at or above `threshold`."""
    flagged = np.asarray(scores) >= threshold
    precision = float(precision_score(is_anomaly, flagged, zero_division=0))
    recall = float(recall_score(is_anomaly, flagged, zero_division=0))
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}


def scores(model, pca, train_codes: np.ndarray, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every score of `SCORERS` for the images `x`: the autoencoder's reconstruction error, PCA's with as many
    components as the code has numbers, the distance to the nearest training code, and the ink."""
    from .latent import encode

    return {"autoencoder": reconstruction_error(x, reconstruct(model, x)),
            "PCA": reconstruction_error(x, pca_reconstructions(pca, x)),
            "nearest code": nearest_code_distance(train_codes, encode(model, x)),
            "ink": ink(x)}


def evaluate_scores(validation: dict, validation_anomaly, test: dict, test_anomaly) -> dict:
    """For each score: its test ROC-AUC, and the threshold chosen on validation with its test precision and
    recall. The test images never choose anything."""
    result = {}
    for name in test:
        threshold = choose_threshold(validation[name], validation_anomaly)
        result[name] = {"auc": auc(test[name], test_anomaly), "threshold": threshold,
                        "validation_f1": precision_recall(validation[name], validation_anomaly, threshold)["f1"],
                        **precision_recall(test[name], test_anomaly, threshold)}
    return result


def train_without(digit: int, hp: HParams, train_set, validation_set, device=None):
    """The autoencoder trained with `hp` on `train_set` without `digit`, kept in the model cache."""
    from .train import fit, get_device

    device = get_device(device)
    key = {"hparams": hp.asdict(), "without_digit": digit, "split": "validation", "device": device.type}
    compute = (lambda: fit(hp, device, progress=False, log=None, train_set=without_digit(train_set, digit),
                           test_set=without_digit(validation_set, digit)))
    model, _, _ = cached("anomaly", key, compute, lambda run, path: save_checkpoint(path, run[0], hp, run[1]),
                         lambda path: load_checkpoint(path, device), files=TRAINING_CODE, suffix=".pt")
    return model


def held_out(digit: int, seed: int, hp: HParams, data: dict, pca, device=None):
    """One run: the model of `seed` trained without `digit`, every score evaluated. Returns the run's record, the
    test scores and the model (for the page's examples)."""
    from .latent import encode

    model = train_without(digit, hp.replace(seed=seed), data["train_set"], data["validation_set"], device)
    normal_train = data["train"][data["train_labels"] != digit]
    train_codes = encode(model, normal_train)
    split_scores = {split: scores(model, pca, train_codes, data[split]) for split in ("validation", "test")}
    anomaly = {split: data[f"{split}_labels"] == digit for split in ("validation", "test")}
    record = {"digit": digit, "seed": seed,
              "scores": evaluate_scores(split_scores["validation"], anomaly["validation"], split_scores["test"],
                                        anomaly["test"])}
    record["anomaly_share"] = {split: float(anomaly[split].mean()) for split in anomaly}  # flagging every image
    errors = split_scores["test"]["autoencoder"]
    record["mean_error"] = {"held_out": float(errors[anomaly["test"]].mean()),
                            "normal": float(errors[~anomaly["test"]].mean())}
    return record, split_scores["test"], model


def _hex(image: np.ndarray) -> str:
    """An image of pixels in [0, 1] as the hex string of its uint8 pixels (`bytes.fromhex` reads it back)."""
    return np.round(np.clip(image, 0, 1) * 255).astype(np.uint8).tobytes().hex()


def examples(model, data: dict, digit: int, test_scores: dict, threshold: float, count: int = EXAMPLES) -> dict:
    """The failures of the autoencoder's score when `digit` is held out: the held-out images it reconstructs
    best (missed anomalies) and the normal images it reconstructs worst (false alarms), with their
    reconstructions; and a histogram of the log10 error of both kinds of test image."""
    errors, labels, x = test_scores["autoencoder"], data["test_labels"], data["test"]
    anomaly = labels == digit
    held, normal = np.flatnonzero(anomaly), np.flatnonzero(~anomaly)
    chosen = {"missed": held[np.argsort(errors[held])[:count]],
              "false_alarms": normal[np.argsort(errors[normal])[::-1][:count]]}
    result = {"digit": digit, "threshold": threshold,
              "held_out_below_threshold": float(np.mean(errors[held] < threshold)),
              "normal_above_threshold": float(np.mean(errors[normal] >= threshold))}
    for kind, index in chosen.items():
        outputs = reconstruct(model, x[index])
        result[kind] = [{"index": int(i), "label": int(labels[i]), "error": float(errors[i]), "image": _hex(x[i]),
                         "reconstruction": _hex(out)} for i, out in zip(index, outputs)]
    bins = np.linspace(np.log10(errors.min()), np.log10(errors.max()), 41)
    result["histogram"] = {"log10_bins": bins.tolist(),
                           "held_out": np.histogram(np.log10(errors[held]), bins)[0].tolist(),
                           "normal": np.histogram(np.log10(errors[normal]), bins)[0].tolist()}
    return result


def fashion(seed: int, hp: HParams, mnist_train: np.ndarray, mnist_test: np.ndarray, fashion_test: np.ndarray,
            device=None) -> dict:
    """Test ROC-AUC of every score at telling Fashion-MNIST's test images from MNIST's, for the model of `seed`
    trained on all of MNIST's training images (`ae.trained`: for seed 0, the book's model)."""
    from .latent import encode

    model, _ = trained(hp.replace(seed=seed), device, eval_every=100, progress=False)
    pca = PCA(hp.latent_size, svd_solver="covariance_eigh").fit(mnist_train)
    train_codes = encode(model, mnist_train)
    mnist, other = scores(model, pca, train_codes, mnist_test), scores(model, pca, train_codes, fashion_test)
    is_fashion = np.r_[np.zeros(len(mnist_test), bool), np.ones(len(fashion_test), bool)]
    return {"seed": seed, "auc": {name: auc(np.r_[mnist[name], other[name]], is_fashion) for name in SCORERS}}


def anomaly(digits=DIGITS, seeds=SEEDS, hp: HParams | None = None, device=None, command: str = "",
            log=print) -> dict:
    """Every run of the anomaly page: each digit of `digits` held out, with each seed of `seeds` (the book's model
    settings, `hp`); PCA fitted on the same nine digits; Fashion-MNIST scored by the ten-digit models; and, for
    the digits the autoencoder detects worst and best (mean test AUC), the failure examples of seed `seeds[0]`."""
    from .data import get_datasets, load_mnist
    from .train import get_device

    hp = hp or HParams()
    device = get_device(device)
    train_set, validation_set, test_set = get_datasets(validation=True)
    data = {"train_set": train_set, "validation_set": validation_set}
    for split, dataset in (("train", train_set), ("validation", validation_set), ("test", test_set)):
        data[split], data[f"{split}_labels"] = pixels(dataset), dataset.targets.numpy()
    result = {**provenance(command, device), "hparams": hp.asdict(), "digits": list(digits), "seeds": list(seeds),
              "neighbours": NEIGHBOURS, "scorers": list(SCORERS), "train_size": len(train_set),
              "validation_size": len(validation_set), "test_size": len(test_set)}
    start, runs, pcas = time.perf_counter(), [], {}
    for digit in digits:
        normal_train = data["train"][data["train_labels"] != digit]
        pcas[digit] = PCA(hp.latent_size, svd_solver="covariance_eigh").fit(normal_train)
        for seed in seeds:
            record, _, _ = held_out(digit, seed, hp, data, pcas[digit], device)
            runs.append(record | {"seconds": round(time.perf_counter() - start, 1)})
            if log is not None:
                log(f"digit {digit} seed {seed}: " + ", ".join(f"{name} AUC {value['auc']:.3f}" for name, value
                                                               in record["scores"].items())
                    + f" ({runs[-1]['seconds']:.0f} s)")
    result["runs"] = runs
    mean_auc = {d: np.mean([r["scores"]["autoencoder"]["auc"] for r in runs if r["digit"] == d]) for d in digits}
    result["examples"] = []
    for digit in dict.fromkeys((min(mean_auc, key=mean_auc.get), max(mean_auc, key=mean_auc.get))):
        record, test_scores, model = held_out(digit, seeds[0], hp, data, pcas[digit], device)
        threshold = record["scores"]["autoencoder"]["threshold"]
        result["examples"].append(examples(model, data, digit, test_scores, threshold) | {"seed": seeds[0]})
    mnist_all = pixels(load_mnist(True))
    fashion_test = pixels(load_mnist(False, dataset="fashion-mnist"))
    result["fashion"] = [fashion(seed, hp, mnist_all, data["test"], fashion_test, device) for seed in seeds]
    if log is not None:
        for run in result["fashion"]:
            log(f"Fashion-MNIST, seed {run['seed']}: " + ", ".join(f"{name} AUC {value:.3f}"
                                                                   for name, value in run["auc"].items()))
    result["fashion_sizes"] = {"mnist_train": len(mnist_all), "mnist_test": len(data["test"]),
                               "fashion_test": len(fashion_test)}
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def summarize(runs, key: str = "auc") -> dict:
    """`{digit: {scorer: {"mean", "std", "min", "max"}}}` of `key` (`"auc"`, `"precision"`, `"recall"`, ...)
    over the seeds of each held-out digit; `std` is the sample standard deviation (0 for a single seed)."""
    values = {}
    for run in runs:
        for name, score in run["scores"].items():
            values.setdefault(run["digit"], {}).setdefault(name, []).append(score[key])
    return {digit: {name: {"mean": float(np.mean(v)), "std": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
                           "min": float(np.min(v)), "max": float(np.max(v))} for name, v in by_name.items()}
            for digit, by_name in values.items()}


def image(hex_pixels: str) -> np.ndarray:
    """A 28×28 uint8 image from the hex string a result stores."""
    return np.frombuffer(bytes.fromhex(hex_pixels), np.uint8).reshape(28, 28)


def plot_auc(result: dict):
    """ROC-AUC on the test images for each held-out digit and score: mean over seeds, with bars from the lowest
    to the highest seed. The dashed line at 0.5 is a random score."""
    summary = summarize(result["runs"])
    digits = sorted(summary)
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.8))
    width = 0.8 / len(result["scorers"])
    for i, name in enumerate(result["scorers"]):
        values = [summary[d][name] for d in digits]
        mean = np.array([v["mean"] for v in values])
        spread = np.clip([mean - [v["min"] for v in values], [v["max"] for v in values] - mean], 0, None)
        ax.bar(np.arange(len(digits)) + (i - (len(result["scorers"]) - 1) / 2) * width, mean, width, yerr=spread,
               capsize=2, label=name)
    ax.axhline(0.5, color="black", linestyle="--", linewidth=1, label="random score")
    ax.set_xticks(range(len(digits)), [str(d) for d in digits])
    ax.set_xlabel("digit held out of training (the anomaly)")
    ax.set_ylabel("test ROC-AUC")
    ax.set_ylim(0, 1)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1), ncol=len(result["scorers"]) + 1, fontsize=9,
              frameon=False)
    fig.tight_layout()
    return fig


def show_examples(example: dict, kind: str):
    """The images of one kind of failure (`"missed"` or `"false_alarms"`) above their reconstructions, each
    titled with its label and its reconstruction error (×1000)."""
    rows = example[kind]
    side = min(1.5, (MAX_WIDTH - 0.2) / len(rows))
    fig, axes = plt.subplots(2, len(rows), figsize=(side * len(rows), 2 * side + 0.5), squeeze=False)
    for i, row in enumerate(rows):
        for ax, key in zip(axes[:, i], ("image", "reconstruction")):
            ax.imshow(image(row[key]), cmap="gray", vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[0, i].set_title(f"{row['label']}: {row['error'] * 1000:.1f}", fontsize=TITLE_SIZE)
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("reconstruction")
    fig.tight_layout()
    return fig


def plot_histogram(example: dict):
    """How the autoencoder's errors of the held-out digit and of the other digits spread (test images), with
    the threshold chosen on validation."""
    histogram = example["histogram"]
    bins = 10 ** np.array(histogram["log10_bins"])
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for key, label in (("normal", "the nine digits trained on"), ("held_out", f"the held-out {example['digit']}s")):
        counts = np.array(histogram[key], dtype=float)
        ax.stairs(counts / counts.sum(), bins, fill=True, alpha=0.5, label=label)
    ax.axvline(example["threshold"], color="black", linestyle="--", linewidth=1, label="threshold (validation)")
    ax.set_xscale("log")
    ax.set_xlabel("reconstruction error (MSE per pixel)")
    ax.set_ylabel("share of the images")
    ax.legend(fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
