import json

import numpy as np
import pytest
import torch

from ae.cli import main
from ae.logistic_pca import LogisticPCA, cross_entropy, format_row, squared_error_per_image
from ae.paths import results_dir
from ae.reproduce import HINTON2006_TABLE


@pytest.fixture
def binary_images():
    """200 'images' of 64 pixels from 3 hidden factors through a sigmoid, thresholded at random: binary data
    of low rank, as logistic PCA models it."""
    generator = torch.Generator().manual_seed(0)
    codes, components = torch.randn(200, 3, generator=generator), 3 * torch.randn(64, 3, generator=generator)
    p = torch.sigmoid(codes @ components.T - 1)
    return (torch.rand(200, 64, generator=generator) < p).float().numpy()


def test_fit_lowers_the_cross_entropy_and_reconstructs_in_0_1(binary_images):
    model = LogisticPCA(n_components=3, iterations=100).fit(binary_images)
    assert model.fit_["end"] < model.fit_["start"]
    assert model.components_.shape == (64, 3) and model.bias_.shape == (64,)
    reconstructions = model.reconstruct(binary_images[:20])
    assert reconstructions.shape == (20, 64)
    assert 0 <= reconstructions.min() and reconstructions.max() <= 1


def test_it_beats_the_mean_image_and_pca_on_binary_data(binary_images):
    train, test = binary_images[:150], binary_images[150:]
    model = LogisticPCA(n_components=3, iterations=200).fit(train)
    error = squared_error_per_image(model.reconstruct(test), test)
    mean_error = float(((test - train.mean(0)) ** 2).sum(1).mean())
    assert error < 0.8 * mean_error
    centred = train - train.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    projected = (test - train.mean(0)) @ vt[:3].T @ vt[:3] + train.mean(0)
    assert error < float(((test - projected) ** 2).sum(1).mean())


def test_the_codes_of_new_images_are_fitted_with_the_components_fixed(binary_images):
    model = LogisticPCA(n_components=3, iterations=50).fit(binary_images)
    components = model.components_.clone()
    codes = model.transform(binary_images[:10])
    assert torch.equal(model.components_, components)
    x = torch.as_tensor(binary_images[:10])
    assert cross_entropy(codes, components, model.bias_, x) < cross_entropy(torch.zeros_like(codes), components,
                                                                             model.bias_, x)


@pytest.mark.parametrize("args, message", [
    (["--train-size", "0"], "train_size must be an integer from 1 to 50000"),
    (["--iterations", "0"], "iterations must be an integer from 1 to 100000"),
])
def test_logistic_pca_refuses_bad_values(capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["logistic-pca", *args])
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_logistic_pca_checks_the_tree_and_its_output_first(tmp_path, capsys, monkeypatch):
    import ae.logistic_pca
    import ae.results

    monkeypatch.setattr(ae.logistic_pca, "hinton2006_row", lambda *a, **k: pytest.fail("started its work"))
    for argv, expected in ([["--out", str(tmp_path)], "is a folder"],
                           [["--out", str(tmp_path / "no" / "x.json")], "does not exist"]):
        with pytest.raises(SystemExit) as exit:
            main(["logistic-pca", *argv])
        assert exit.value.code == 2 and expected in capsys.readouterr().err
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: True)
    with pytest.raises(SystemExit) as exit:
        main(["logistic-pca", "--out", str(tmp_path / "x.json")])
    assert exit.value.code == 2 and "uncommitted changes" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_committed_result_has_what_the_pages_read():
    result = json.loads((results_dir() / "logistic_pca.json").read_text())
    assert result["dirty"] is False and result["command"].startswith("python -m ae logistic-pca")
    assert result["paper_table"] == HINTON2006_TABLE and result["n_components"] == 30
    assert 0 < result["test_error"] < result["baselines"]["the mean training image"]
    assert result["fit"]["end"] < result["fit"]["start"]
    assert "logistic PCA, here" in format_row(result)
