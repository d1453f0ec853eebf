"""The sweep over latent sizes, activations and seeds, its summary over seeds, and PCA for several sizes."""
import json
import math

import pytest

import ae
import ae.experiments
from ae.baselines import pca_mse
from ae.cli import main
from ae.paths import results_dir
from ae.experiments import (LATENT_SIZES, SEEDS, SWEEP_ACTIVATIONS, best_by_size, pca_mse_by_size, plot_sweep,
                            summarize, sweep)
from ae.results import read_result


def test_pca_by_size_matches_one_fit_per_size(small):
    train_set, test_set = small
    errors = pca_mse_by_size(train_set, test_set, [3, 12, 40])
    for k in (3, 12, 40):
        assert errors[k] == pytest.approx(pca_mse(train_set, test_set, k), rel=1e-6)
    assert errors[3] > errors[12] > errors[40] > 0


def test_pca_by_size_gives_the_papers_pca_row(mnist):
    assert pca_mse_by_size(*mnist, [30])[30] * 784 == pytest.approx(13.87, abs=0.05)


SMALL = ae.HParams(epochs=1, batch_size=512)


@pytest.fixture(scope="module")
def tiny_sweep():
    return sweep([2, 16], ["relu", "tanh"], [0, 1], SMALL, command="test", log=None)


def test_sweep_trains_every_setting_and_seed_on_the_training_part(tiny_sweep):
    runs = tiny_sweep["runs"]
    assert [(r["activation"], r["latent_size"], r["seed"]) for r in runs] == [
        (a, k, s) for a in ("relu", "tanh") for k in (2, 16) for s in (0, 1)]
    for run in runs:
        assert 0 < run["validation_mse"] < 0.07 and 0 < run["test_mse"] < 0.07
    for activation in ("relu", "tanh"):
        by_size = {r["latent_size"]: r["validation_mse"] for r in runs
                   if (r["activation"], r["seed"]) == (activation, 0)}
        assert by_size[16] < by_size[2]
    assert runs[0]["validation_mse"] != runs[1]["validation_mse"]  # another seed, another run
    assert tiny_sweep["seeds"] == [0, 1] and tiny_sweep["train_size"] == 50_000
    assert tiny_sweep["validation_size"] == 10_000
    assert [p["latent_size"] for p in tiny_sweep["pca"]] == [2, 16]
    for split in ("validation", "test"):
        assert tiny_sweep["pca"][0][f"{split}_mse"] > tiny_sweep["pca"][1][f"{split}_mse"]
    assert tiny_sweep["command"] == "test" and tiny_sweep["hparams"]["epochs"] == 1
    assert {"commit", "dirty", "machine", "started", "wall_seconds"} <= set(tiny_sweep)
    json.dumps(tiny_sweep)


def test_the_sweeps_pca_is_fitted_on_the_training_part(tiny_sweep):
    train_set, validation_set, test_set = ae.get_datasets(validation=True)
    for split, data in (("validation", validation_set), ("test", test_set)):
        live = pca_mse_by_size(train_set, data, [2, 16])
        assert [p[f"{split}_mse"] for p in tiny_sweep["pca"]] == pytest.approx([live[2], live[16]], rel=1e-9)


def test_sweep_repeats_exactly_with_the_same_seed(tiny_sweep):
    again = sweep([2], ["relu"], [0], SMALL, log=None)["runs"][0]
    assert (again["validation_mse"], again["test_mse"]) == (tiny_sweep["runs"][0]["validation_mse"],
                                                           tiny_sweep["runs"][0]["test_mse"])


@pytest.mark.parametrize("sizes, activations, seeds, message", [
    ([2], ["relu"], [0, 0], "seeds must be one or more different values, got [0, 0]"),
    ([2, 2], ["relu"], [0], "latent_sizes must be one or more different values, got [2, 2]"),
    ([2], [], [0], "activations must be one or more different values, got []"),
])
def test_sweep_refuses_repeated_or_missing_values_before_any_work(monkeypatch, sizes, activations, seeds, message):
    monkeypatch.setattr(ae.experiments, "get_datasets", lambda *a, **k: pytest.fail("loaded the data"))
    with pytest.raises(ValueError) as error:
        sweep(sizes, activations, seeds, log=None)
    assert str(error.value) == message


def runs(table):
    """Runs from ``{(activation, latent_size): [validation MSE of each seed]}``."""
    return [{"activation": a, "latent_size": k, "seed": seed, "validation_mse": mse, "test_mse": 2 * mse}
            for (a, k), values in table.items() for seed, mse in enumerate(values)]


def test_summarize_gives_the_mean_and_standard_deviation_over_seeds():
    summary = summarize(runs({("relu", 2): [1.0, 2.0, 3.0], ("tanh", 2): [4.0, 4.0, 4.0], ("relu", 8): [5.0]}))
    assert [(r["activation"], r["latent_size"], r["seeds"], r["mean"]) for r in summary] == [
        ("relu", 2, 3, 2.0), ("tanh", 2, 3, 4.0), ("relu", 8, 1, 5.0)]
    assert summary[0]["std"] == pytest.approx(1.0) and summary[1]["std"] == 0
    assert math.isnan(summary[2]["std"])  # one seed: no spread
    assert summarize(runs({("relu", 2): [1.0, 3.0]}), "test")[0]["mean"] == 4.0
    with pytest.raises(ValueError, match="unknown split 'train'"):
        summarize([], "train")


def test_a_best_activation_only_where_the_gap_exceeds_the_spread():
    best = best_by_size(summarize(runs({
        ("relu", 2): [1.0, 1.2, 1.4], ("tanh", 2): [1.1, 1.3, 1.5],  # lower mean, but within the spread
        ("relu", 64): [1.0, 1.1, 1.2], ("tanh", 64): [2.0, 2.1, 2.2], ("sigmoid", 64): [1.4, 1.5, 1.6],
        ("relu", 8): [1.0], ("tanh", 8): [3.0],  # one seed: no spread, so nothing is clear
    })))
    assert list(best) == [2, 64, 8]
    assert best[2]["activation"] == "relu" and not best[2]["clear"] and best[2]["margin"] < 0
    assert best[64]["activation"] == "relu" and best[64]["clear"]
    assert best[64]["margin"] == pytest.approx((1.5 - 0.1) - (1.1 + 0.1))  # against the runner-up, sigmoid
    assert best[8]["activation"] == "relu" and not best[8]["clear"]


def test_plot_sweep_draws_mean_and_spread_per_activation_beside_pca(tiny_sweep):
    figure = plot_sweep(tiny_sweep)
    assert figure.get_figwidth() <= 9.5
    left, right = figure.axes
    assert [c.get_label() for c in left.containers] == ["relu", "tanh"] == [c.get_label() for c in right.containers]
    relu = [r for r in summarize(tiny_sweep["runs"]) if r["activation"] == "relu"]
    assert list(left.containers[0].lines[0].get_ydata()) == [r["mean"] for r in relu]
    pca = next(line for line in left.get_lines() if line.get_label() == "PCA")
    assert list(pca.get_ydata()) == [p["validation_mse"] for p in tiny_sweep["pca"]]
    assert list(right.containers[0].lines[0].get_ydata()) == pytest.approx(
        [r["mean"] / p["validation_mse"] for r, p in zip(relu, tiny_sweep["pca"])])


@pytest.mark.parametrize("args, message", [
    (["--latent-sizes", "2", "0"], "latent_size must be a positive integer, got 0"),
    (["--activations", "swish"], "unknown activation 'swish'"),
    (["--seeds", "0", "-1"], "seed must be an integer from 0 to 2**32 - 1"),
    (["--epochs", "0"], "epochs must be a positive integer, got 0"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--seeds", "1", "1", "--allow-dirty"], "seeds must be one or more different values, got [1, 1]"),
])
def test_bad_sweep_values_exit_2_with_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(ae.experiments, "get_datasets", lambda *a, **k: pytest.fail("loaded the data"))
    with pytest.raises(SystemExit) as exit:
        main(["sweep", *args, "--out", str(tmp_path / "sweep.json")])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "sweep.json").exists()


def test_committed_sweep_is_complete_and_its_pca_column_is_reproduced():
    result = read_result(results_dir() / "sweep.json")
    assert {"command", "commit", "dirty", "machine", "started", "wall_seconds", "hparams", "seeds"} <= set(result)
    assert result["command"].startswith("python -m ae sweep ")
    assert result["command"].endswith(" --out results/sweep.json")
    assert result["seeds"] == list(SEEDS)
    assert (result["train_size"], result["validation_size"]) == (50_000, 10_000)
    sizes = [p["latent_size"] for p in result["pca"]]
    assert sizes == list(LATENT_SIZES)
    assert sorted((r["activation"], r["latent_size"], r["seed"]) for r in result["runs"]) == sorted(
        (a, k, s) for a in SWEEP_ACTIVATIONS for k in LATENT_SIZES for s in SEEDS)
    assert ae.HParams(**result["hparams"]) == ae.HParams()
    train_set, validation_set, test_set = ae.get_datasets(validation=True)
    for split, data in (("validation", validation_set), ("test", test_set)):
        live = pca_mse_by_size(train_set, data, sizes)
        assert [p[f"{split}_mse"] for p in result["pca"]] == pytest.approx([live[k] for k in sizes], rel=1e-9)
