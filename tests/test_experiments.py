"""The sweep over latent sizes and activations, and PCA for several sizes from one fit."""
import json

import pytest

import ae
from ae.baselines import pca_mse
from ae.cli import main
from ae.paths import results_dir
from ae.experiments import LATENT_SIZES, SWEEP_ACTIVATIONS, pca_mse_by_size, plot_sweep, sweep
from ae.results import read_result


def test_pca_by_size_matches_one_fit_per_size(small):
    train_set, test_set = small
    errors = pca_mse_by_size(train_set, test_set, [3, 12, 40])
    for k in (3, 12, 40):
        assert errors[k] == pytest.approx(pca_mse(train_set, test_set, k), rel=1e-6)
    assert errors[3] > errors[12] > errors[40] > 0


def test_pca_by_size_gives_the_papers_pca_row(mnist):
    assert pca_mse_by_size(*mnist, [30])[30] * 784 == pytest.approx(13.87, abs=0.05)


@pytest.fixture(scope="module")
def tiny_sweep():
    return sweep([2, 16], ["relu", "tanh"], ae.HParams(epochs=1, batch_size=512), command="test", log=None)


def test_sweep_trains_every_pair_and_records_where_it_ran(tiny_sweep):
    runs = tiny_sweep["runs"]
    assert [(r["activation"], r["latent_size"]) for r in runs] == [("relu", 2), ("relu", 16), ("tanh", 2), ("tanh", 16)]
    for activation in ("relu", "tanh"):
        by_size = {r["latent_size"]: r["test_mse"] for r in runs if r["activation"] == activation}
        assert 0 < by_size[16] < by_size[2] < 0.07
    assert [p["latent_size"] for p in tiny_sweep["pca"]] == [2, 16]
    assert tiny_sweep["pca"][0]["test_mse"] > tiny_sweep["pca"][1]["test_mse"]
    assert tiny_sweep["command"] == "test" and tiny_sweep["hparams"]["epochs"] == 1
    assert {"commit", "dirty", "machine", "started", "wall_seconds"} <= set(tiny_sweep)
    json.dumps(tiny_sweep)


def test_sweep_repeats_exactly_with_the_same_seed(tiny_sweep):
    again = sweep([2], ["relu"], ae.HParams(epochs=1, batch_size=512), log=None)
    assert again["runs"][0]["test_mse"] == tiny_sweep["runs"][0]["test_mse"]


def test_plot_sweep_draws_one_line_per_activation_and_pca(tiny_sweep):
    lines = plot_sweep(tiny_sweep).axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["relu", "tanh", "PCA"]
    assert list(lines[2].get_ydata()) == [p["test_mse"] for p in tiny_sweep["pca"]]


@pytest.mark.parametrize("args, message", [
    (["--latent-sizes", "2", "0"], "latent_size must be a positive integer, got 0"),
    (["--activations", "swish"], "unknown activation 'swish'"),
    (["--epochs", "0"], "epochs must be a positive integer, got 0"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
])
def test_bad_sweep_values_exit_2_with_one_line(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["sweep", *args, "--out", str(tmp_path / "sweep.json")])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "sweep.json").exists()


def test_committed_sweep_is_complete_and_its_pca_column_is_reproduced(mnist):
    result = read_result(results_dir() / "sweep.json")
    assert {"command", "commit", "dirty", "machine", "started", "wall_seconds", "hparams"} <= set(result)
    assert result["command"].startswith("python -m ae sweep ") and result["command"].endswith(" --out results/sweep.json")
    sizes = [p["latent_size"] for p in result["pca"]]
    assert sizes == list(LATENT_SIZES)
    assert sorted((r["activation"], r["latent_size"]) for r in result["runs"]) == sorted(
        (a, k) for a in SWEEP_ACTIVATIONS for k in LATENT_SIZES)
    assert ae.HParams(**result["hparams"]) == ae.HParams()
    live = pca_mse_by_size(*mnist, sizes)
    assert [p["test_mse"] for p in result["pca"]] == pytest.approx([live[k] for k in sizes], rel=1e-9)
