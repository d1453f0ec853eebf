import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402

import ae  # noqa: E402
from ae import latent  # noqa: E402
from ae.baselines import as_matrix  # noqa: E402


def test_encode_gives_the_model_codes_whatever_the_batch_size(small):
    model, _, _ = ae.reset(ae.HParams(latent_size=5, hidden=(16,)))
    pixels = as_matrix(small[1])[:300]
    codes = latent.encode(model, pixels, batch_size=64)
    with torch.no_grad():
        expected = model.encode(torch.as_tensor(pixels, dtype=torch.float32)).numpy()
    assert codes.shape == (300, 5)
    np.testing.assert_allclose(codes, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(latent.encode(model, pixels, batch_size=1000), codes, rtol=1e-5, atol=1e-6)


def test_pca_features_project_both_sets_on_the_training_components(small):
    train_x, test_x = as_matrix(small[0]), as_matrix(small[1])
    train_f, test_f = latent.pca_features(train_x, test_x, 3)
    assert train_f.shape == (2000, 3) and test_f.shape == (500, 3)
    variances = train_f.var(axis=0)
    assert variances[0] > variances[1] > variances[2]
    np.testing.assert_allclose(train_f.mean(axis=0), 0, atol=1e-8)


def blobs(centers, seed=0):
    x, y = make_blobs(n_samples=600, centers=centers, n_features=8, cluster_std=1.0, random_state=seed)
    return x[:400], y[:400], x[400:], y[400:]


def test_probes_read_labels_from_informative_features():
    accuracy = latent.probe_accuracy(*blobs(centers=4))
    assert set(accuracy) == set(latent.PROBES)
    assert all(value > 0.95 for value in accuracy.values())


def test_probes_are_at_chance_on_features_that_say_nothing():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(1000, 8)), rng.integers(0, 4, size=1000)
    accuracy = latent.probe_accuracy(x[:800], y[:800], x[800:], y[800:])
    assert all(value < 0.4 for value in accuracy.values())


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_project_2d_is_seeded(method):
    codes = np.random.default_rng(0).normal(size=(120, 6))
    points = latent.project_2d(codes, method, seed=1)
    assert points.shape == (120, 2)
    np.testing.assert_allclose(latent.project_2d(codes, method, seed=1), points)


def test_project_2d_refuses_an_unknown_method():
    with pytest.raises(ValueError, match="unknown projection 'umap': choose 'pca' or 'tsne'"):
        latent.project_2d(np.zeros((10, 3)), "umap")


def test_plot_codes_draws_one_panel_per_entry_and_a_colour_bar():
    points = np.random.default_rng(0).normal(size=(50, 2))
    labels = np.arange(50) % 10
    fig = latent.plot_codes({"a": points, "b": -points}, labels)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["a", "b"]
    assert len(fig.axes) == 3 and fig.axes[2].get_ylabel() == "digit"
    plt.close(fig)


def test_plot_codes_keeps_the_axes_ticks_so_that_spreads_can_be_read():
    rng = np.random.default_rng(0)
    fig = latent.plot_codes({"wide": 10 * rng.normal(size=(200, 2)), "narrow": rng.normal(size=(200, 2))},
                            np.arange(200) % 10)
    fig.canvas.draw()
    wide, narrow = fig.axes[:2]
    assert len(wide.get_xticks()) > 2 and len(narrow.get_yticks()) > 2
    assert all(label.get_text() for label in wide.get_xticklabels() if label.get_visible())
    assert wide.get_xlim()[1] - wide.get_xlim()[0] > 3 * (narrow.get_xlim()[1] - narrow.get_xlim()[0])
    plt.close(fig)


@pytest.mark.parametrize("panels", [1, 2, 3])
def test_plot_codes_fits_the_book_column(panels):
    points = np.random.default_rng(0).normal(size=(20, 2))
    fig = latent.plot_codes({f"panel {k}": points for k in range(panels)}, np.arange(20) % 10)
    width, height = fig.get_size_inches()
    assert width <= latent.MAX_WIDTH and height < width
    plt.close(fig)


def test_plot_codes_needs_a_panel():
    with pytest.raises(ValueError, match="needs at least one panel"):
        latent.plot_codes({}, np.arange(3))
