"""Retrieval: find the training images nearest a query image, by the distance between their codes.

Each test image is a query; the database is MNIST's 60,000 training images. A neighbour is relevant when it
shows the query's digit, and precision@k is the fraction of the `k` nearest that are. Three representations
are searched exactly (brute force, Euclidean distance): the raw pixels, PCA with as many components as the
code has numbers, and the autoencoder's code. Nothing is chosen: `k`, the code size and the model are the book's.
"""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from .anomaly import SEEDS, _hex, image, pixels
from .cache import trained
from .hparams import HParams
from .plots import MAX_WIDTH, TITLE_SIZE
from .results import provenance

K = 10
METHODS = ("pixels", "PCA", "autoencoder")
QUERIES = (0, 1, 2, 3)  # the test images whose neighbours the page shows: the first four, not chosen
SINGLE_QUERIES = 200  # queries timed one at a time


def nearest(database: np.ndarray, queries: np.ndarray, k: int = K) -> np.ndarray:
    """The indices `(N, k)` of the `k` rows of `database` nearest each row of `queries`, nearest first."""
    return NearestNeighbors(n_neighbors=k, algorithm="brute").fit(database).kneighbors(queries)[1]


def precision_at_k(neighbours: np.ndarray, database_labels, query_labels) -> np.ndarray:
    """Each query's precision@k: the fraction of its neighbours (indices into the database) with its label."""
    return np.mean(np.asarray(database_labels)[neighbours] == np.asarray(query_labels)[:, None], axis=1)


def by_class(values: np.ndarray, labels, classes=range(10)) -> list[float]:
    """The mean of `values` over the queries of each class."""
    labels = np.asarray(labels)
    return [float(values[labels == c].mean()) for c in classes]


def chance(database_labels, query_labels, classes=range(10)) -> tuple[float, list[float]]:
    """Precision@k of neighbours drawn at random: overall, and for the queries of each class (the share of
    the database with that label)."""
    database_labels, query_labels = np.asarray(database_labels), np.asarray(query_labels)
    share = [float(np.mean(database_labels == c)) for c in classes]
    return float(np.mean(np.asarray(share)[query_labels])), share


def time_queries(encode_query, database: np.ndarray, queries: np.ndarray, k: int = K,
                 singles: int = SINGLE_QUERIES) -> dict[str, float]:
    """Seconds per query to encode and search: all `queries` in one batch (the total over their number), and one
    at a time (the median over the first `singles`). `encode_query` maps images to the searched features."""
    search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(database)
    start = time.perf_counter()
    search.kneighbors(encode_query(queries))
    batched = (time.perf_counter() - start) / len(queries)
    times = []
    for query in queries[:singles]:
        start = time.perf_counter()
        search.kneighbors(encode_query(query[None]))
        times.append(time.perf_counter() - start)
    return {"batched": batched, "single": float(np.median(times))}


def retrieval(seeds=SEEDS, hp: HParams | None = None, device=None, command: str = "", log=print) -> dict:
    """Precision@`K` of every test image as a query against the training images, by pixels, by PCA and by the
    codes of the autoencoders of `seeds` (the book's settings `hp`, trained by `ae.trained` on all the training
    images: for seed 0, the book's model), per class, with the time per query and the neighbours of `QUERIES`."""
    from .data import load_mnist  # imported here, as in ae.anomaly: the page that reads the result starts faster
    from .latent import encode
    from .train import get_device

    hp = hp or HParams()
    device = get_device(device)
    train_set, test_set = load_mnist(True), load_mnist(False)
    database, queries = pixels(train_set), pixels(test_set)
    database_labels, query_labels = train_set.targets.numpy(), test_set.targets.numpy()
    overall, share = chance(database_labels, query_labels)
    result = {**provenance(command, device), "hparams": hp.asdict(), "seeds": list(seeds), "k": K,
              "database_size": len(database), "queries": len(queries), "chance": overall, "chance_by_class": share,
              "single_queries": SINGLE_QUERIES, "runs": [], "examples": {"queries": list(QUERIES)}}
    start = time.perf_counter()
    pca = PCA(hp.latent_size, svd_solver="covariance_eigh").fit(database)
    encoders = {"pixels": lambda x: x, "PCA": pca.transform}
    for seed in seeds:
        model, _ = trained(hp.replace(seed=seed), device, eval_every=100, progress=False)
        encoders["autoencoder"] = lambda x, model=model: encode(model, x)
        for method in METHODS if seed == seeds[0] else ("autoencoder",):
            features = encoders[method](database)
            neighbours = nearest(features, encoders[method](queries))
            precision = precision_at_k(neighbours, database_labels, query_labels)
            run = {"method": method, "seed": seed if method == "autoencoder" else None,
                   "precision": float(precision.mean()), "by_class": by_class(precision, query_labels),
                   "seconds_per_query": time_queries(encoders[method], features, queries)}
            result["runs"].append(run)
            if seed == seeds[0]:
                result["examples"][method] = [neighbours[q].tolist() for q in QUERIES]
            if log is not None:
                log(f"{method:>12} seed {seed}: precision@{K} {run['precision']:.4f}, "
                    f"{run['seconds_per_query']['batched'] * 1e3:.3f} ms per query in a batch, "
                    f"{run['seconds_per_query']['single'] * 1e3:.2f} ms alone ({time.perf_counter() - start:.0f} s)")
    shown = sorted({i for method in METHODS for row in result["examples"][method] for i in row})
    result["examples"]["query_images"] = [_hex(queries[q]) for q in QUERIES]
    result["examples"]["query_labels"] = [int(query_labels[q]) for q in QUERIES]
    result["examples"]["database_images"] = {str(i): _hex(database[i]) for i in shown}
    result["examples"]["database_labels"] = {str(i): int(database_labels[i]) for i in shown}
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def summarize(runs) -> dict:
    """`{method: {"mean", "std", "by_class": [(mean, std), ...], "batched", "single"}}` over the runs of each
    method (std: the sample standard deviation over seeds, 0 for a single run; times: the mean)."""
    summary = {}
    for method in dict.fromkeys(run["method"] for run in runs):
        rows = [run for run in runs if run["method"] == method]
        spread = (lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0)
        by_class_values = np.array([run["by_class"] for run in rows])
        summary[method] = {
            "seeds": len(rows), "mean": float(np.mean([r["precision"] for r in rows])),
            "std": spread([r["precision"] for r in rows]),
            "by_class": [(float(np.mean(c)), spread(c)) for c in by_class_values.T],
            **{kind: float(np.mean([r["seconds_per_query"][kind] for r in rows])) for kind in ("batched", "single")}}
    return summary


def show_neighbours(result: dict, query: int = 0):
    """The query image `result["examples"]["queries"][query]` and its nearest training images by each method
    (seed 0's autoencoder), titled with their labels; a red title marks a neighbour of another digit."""
    examples = result["examples"]
    label = examples["query_labels"][query]
    k = len(examples[METHODS[0]][query])
    side = min(1.0, (MAX_WIDTH - 0.2) / (k + 1))
    fig, axes = plt.subplots(len(METHODS), k + 1, figsize=(side * (k + 1), (side + 0.3) * len(METHODS)))
    for row, method in zip(axes, METHODS):
        row[0].imshow(image(examples["query_images"][query]), cmap="gray", vmin=0, vmax=255)
        row[0].set_title(f"query: {label}", fontsize=TITLE_SIZE - 1)
        row[0].set_ylabel(method, fontsize=TITLE_SIZE - 1)
        for ax, index in zip(row[1:], examples[method][query]):
            found = examples["database_labels"][str(index)]
            ax.imshow(image(examples["database_images"][str(index)]), cmap="gray", vmin=0, vmax=255)
            ax.set_title(str(found), fontsize=TITLE_SIZE - 1, color="black" if found == label else "red")
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig
