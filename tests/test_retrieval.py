"""ae.retrieval on small synthetic data, and the committed result its page reads."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ae.data
import ae.retrieval
from ae.anomaly import image
from ae.model import Net
from ae.paths import results_dir
from ae.results import read_result
from ae.retrieval import by_class, chance, nearest, precision_at_k, summarize, time_queries


def separable(n_per_class: int, classes: int = 3, seed: int = 0):
    """Points of each class around its own far-apart centre, and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(classes), n_per_class)
    return (labels[:, None] * 100.0 + rng.normal(0, 1, (len(labels), 4))).astype(np.float32), labels


def test_precision_at_k_is_one_on_a_trivially_separable_set_and_falls_when_the_labels_are_shuffled():
    database, database_labels = separable(20)
    queries, query_labels = separable(5, seed=1)
    neighbours = nearest(database, queries, k=10)
    assert neighbours.shape == (15, 10)
    assert precision_at_k(neighbours, database_labels, query_labels) == pytest.approx(np.ones(15))
    shuffled = np.random.default_rng(0).permutation(database_labels)
    assert precision_at_k(neighbours, shuffled, query_labels).mean() < 0.8


def test_the_nearest_come_first():
    database = np.array([[0.0], [5.0], [1.0], [9.0]])
    assert nearest(database, np.array([[0.2]]), k=3).tolist() == [[0, 2, 1]]


def test_by_class_and_chance():
    values, labels = np.array([1.0, 0.0, 0.5, 0.5]), np.array([0, 0, 1, 1])
    assert by_class(values, labels, classes=range(2)) == pytest.approx([0.5, 0.5])
    overall, share = chance(np.array([0, 0, 0, 1]), np.array([0, 1]), classes=range(2))
    assert share == pytest.approx([0.75, 0.25]) and overall == pytest.approx(0.5)


def test_time_queries_gives_positive_seconds_per_query():
    database, _ = separable(20)
    times = time_queries(lambda x: x, database, database[:7], k=3, singles=5)
    assert set(times) == {"batched", "single"} and all(0 < t < 1 for t in times.values())


def test_retrieval_runs_end_to_end_on_small_data(monkeypatch):
    rng = np.random.default_rng(0)

    def split(n):
        labels = torch.arange(n) % 10
        data = torch.zeros(n, 28, 28, dtype=torch.uint8)
        for i, label in enumerate(labels):  # each digit a bright band of its own rows, a little noise
            data[i, 2 * label : 2 * label + 3] = 200
        data += torch.as_tensor(rng.integers(0, 30, (n, 28, 28)), dtype=torch.uint8)
        return SimpleNamespace(data=data, targets=labels)

    splits = {True: split(200), False: split(30)}
    monkeypatch.setattr(ae.data, "load_mnist", lambda train: splits[train])
    torch.manual_seed(0)
    monkeypatch.setattr(ae.retrieval, "trained", lambda hp, device, **kwargs: (Net(hp.latent_size, hp.hidden), {}))
    monkeypatch.setattr(ae.retrieval, "provenance", lambda command, device: {"command": command, "dirty": False})
    result = ae.retrieval.retrieval(seeds=(0, 1), hp=ae.HParams(latent_size=8, hidden=(16,)), device="cpu",
                                    log=None)
    summary = summarize(result["runs"])
    assert list(summary) == ["pixels", "PCA", "autoencoder"] and summary["autoencoder"]["seeds"] == 2
    assert summary["pixels"]["mean"] == pytest.approx(1.0) and result["chance"] == pytest.approx(0.1)
    assert len(summary["PCA"]["by_class"]) == 10
    assert image(result["examples"]["query_images"][0]).shape == (28, 28)
    assert all(str(i) in result["examples"]["database_images"] for i in result["examples"]["autoencoder"][0])


def test_the_committed_result_holds_what_the_page_reads():
    result = read_result(results_dir() / "retrieval.json")
    assert result["dirty"] is False and result["command"].endswith("--out results/retrieval.json")
    assert len(result["seeds"]) >= 3 and result["k"] == 10
    summary = summarize(result["runs"])
    assert set(summary) == set(ae.retrieval.METHODS) and summary["autoencoder"]["seeds"] == len(result["seeds"])
    for values in summary.values():
        assert len(values["by_class"]) == 10 and values["batched"] > 0 and values["single"] > 0
    examples = result["examples"]
    for method in ae.retrieval.METHODS:
        assert len(examples[method]) == len(examples["queries"])
        assert all(str(i) in examples["database_images"] for row in examples[method] for i in row)
