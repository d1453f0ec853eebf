import json

import pytest
import torch

import ae
from ae.cli import main
from ae.conv import CHANNELS, MODELS, ConvNet, count_parameters, format_comparison, summarize, train_for
from ae.paths import results_dir
from ae.plots import draw_network


@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (5, 28, 28), (5, 784)])
def test_convnet_has_the_interface_of_net(shape):
    model = ConvNet(latent_size=12)
    x = torch.rand(shape)
    assert model.encode(x).shape == (5, 12)
    assert model.decode(model.encode(x)).shape == (5, 784)
    output = model(x)
    assert output.shape == x.shape and 0 <= output.min() and output.max() <= 1


def test_convnet_copies_its_activation_and_counts_its_parameters():
    model = ConvNet(latent_size=64, hidden=(4, 8), activation="tanh")
    tanhs = [m for m in model.modules() if isinstance(m, torch.nn.Tanh)]
    assert len(tanhs) == 4 and len({id(m) for m in tanhs}) == 4
    expected = (1 * 4 * 9 + 4) + (4 * 8 * 9 + 8) + (8 * 49 * 64 + 64) + (64 * 8 * 49 + 8 * 49) + (8 * 4 * 9 + 4) + (
        4 * 9 + 1)
    assert count_parameters(model) == expected


def test_reset_and_fit_build_and_train_a_convnet():
    images = torch.rand(64, 1, 28, 28)
    train_set = type("Split", (), {"data": (images[:, 0] * 255).byte(), "targets": torch.zeros(64, dtype=torch.long)})
    hp = ae.HParams(hidden=CHANNELS, epochs=2, batch_size=16, lr=1e-2)
    model, logs = ae.fit(hp, "cpu", progress=False, log=None, train_set=train_set, test_set=train_set,
                         model_class=ConvNet)
    assert isinstance(model, ConvNet)
    assert logs["test_loss"][-1] < logs["test_loss"][0] or logs["train_loss"][-1] < logs["train_loss"][0]


def test_train_for_stops_when_the_cpu_time_is_spent():
    model, criterion, optimizer = ae.reset(ae.HParams(hidden=(4, 8), lr=1e-2), "cpu", ConvNet)
    batches = [(torch.rand(8, 1, 28, 28), None)] * 3
    run = train_for(model, criterion, optimizer, batches, cpu_seconds=0.3)
    assert run["cpu_seconds"] >= 0.3 and run["steps"] >= 1
    assert run["epochs"] == pytest.approx(run["steps"] / 3, abs=0.01)


def test_the_diagram_shows_the_feature_maps_of_a_convnet():
    fig = draw_network(ConvNet(latent_size=10, hidden=(4, 8)))
    labels = [text.get_text() for text in fig.axes[0].texts]
    assert ["1×28×28", "4×14×14", "8×7×7", "10", "8×7×7", "4×14×14", "1×28×28"] == [
        label for label in labels if label[0].isdigit()]
    assert labels.count("Conv 3×3\n+ ReLU") == 2 and labels.count("ConvT 3×3\n+ Sigmoid") == 1


def test_the_models_compared_share_the_code_size_and_the_settings():
    (net, net_hp), (conv, conv_hp) = MODELS.values()
    assert net is ae.Net and conv is ConvNet and net_hp == ae.HParams()
    assert conv_hp == net_hp.replace(hidden=CHANNELS)


FAKE = {"cpu_seconds": 1, "seeds": [0, 1], "models": {"a": {"parameters": 10}},
        "runs": [{"model": "a", "seed": s, "epochs": 1.0 + s, "test_mse": 0.01 * (1 + s), "probe_x": 0.5}
                 for s in (0, 1)], "baselines": {"mean image": {"test_mse": 0.07}}}


def test_summarize_gives_mean_and_spread_over_seeds():
    row = summarize(FAKE)["a"]
    assert row["test_mse"]["mean"] == pytest.approx(0.015) and row["test_mse"]["std"] == pytest.approx(0.00707, 1e-3)
    assert row["probe_x"]["std"] == 0 and row["seeds"] == 2
    assert "mean image" in format_comparison(FAKE)


@pytest.mark.parametrize("args, message", [
    (["--cpu-seconds", "0"], "cpu_seconds must be a positive number"),
    (["--seeds", "1", "1"], "seeds must be one or more different values"),
    (["--train-size", "0"], "train_size must be an integer from 1 to 50000"),
])
def test_conv_refuses_bad_values(capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["conv", *args])
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_the_committed_result_has_what_the_page_reads():
    result = json.loads((results_dir() / "conv.json").read_text())
    assert result["dirty"] is False and result["command"].startswith("python -m ae conv")
    assert set(result["models"]) == set(MODELS) and len(result["seeds"]) == 3
    for name, model in result["models"].items():
        model_class, hp = MODELS[name]
        assert model["parameters"] == count_parameters(model_class(hp.latent_size, hp.hidden, hp.activation))
        assert len(model["reconstructions"]) == len(result["shown"]) and len(model["reconstructions"][0]) == 784
    for run in result["runs"]:
        assert run["cpu_seconds"] >= result["cpu_seconds"] and 0 < run["test_mse"] < 0.1
        assert 0.1 < run["probe_logistic regression"] <= 1
    assert {"mean image", "PCA, 64 components", "most frequent digit"} <= set(result["baselines"])
