import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from torch import nn  # noqa: E402

import ae  # noqa: E402
from ae.plots import MAX_WIDTH, draw_network  # noqa: E402


def test_grid_shows_25_digits_titled_with_their_labels(mnist):
    _, test_set = mnist
    fig = ae.show_grid(test_set)
    assert [ax.get_title() for ax in fig.axes] == [str(test_set[i][1]) for i in range(25)]
    assert all(len(ax.images) == 1 for ax in fig.axes)


def test_grid_titles_name_the_classes_when_names_are_given(mnist):
    _, test_set = mnist
    names = [f"class {label}" for label in range(10)]
    fig = ae.show_grid(test_set, rows=2, cols=8, names=names)
    assert [ax.get_title() for ax in fig.axes] == [names[test_set[i][1]] for i in range(16)]
    assert fig.get_size_inches()[0] <= MAX_WIDTH


def test_losses_are_plotted_on_a_log_scale():
    logs = {"steps": [10, 20, 30], "train_loss": [0.1, 0.05, 0.02], "test_loss": [0.09, 0.04, 0.03]}
    ax = ae.plot_losses(logs).axes[0]
    assert ax.get_yscale() == "log"
    assert [list(line.get_ydata()) for line in ax.lines] == [logs["train_loss"], logs["test_loss"]]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["train", "test"]


def test_one_image_is_shown_beside_its_reconstruction():
    fig = ae.show_reconstructions(ae.Net(latent_size=4, hidden=(8,)), torch.rand(1, 28, 28))
    assert len(fig.axes) == 2
    (left, right) = fig.axes
    assert left.get_position().y0 == pytest.approx(right.get_position().y0)
    assert left.get_position().x0 < right.get_position().x0
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(28, 28), (28, 28)]


def test_several_images_are_shown_in_one_row_per_title():
    rows = {"noisy": torch.rand(4, 784), "clean": torch.rand(4, 1, 28, 28), "denoised": torch.rand(4, 28, 28)}
    fig = ae.show_images(rows)
    assert len(fig.axes) == 12
    assert [fig.axes[k * 4].get_title(loc="left") for k in range(3)] == list(rows)


@pytest.mark.parametrize("n", [1, 8, 20])
def test_image_strips_fit_the_column_with_legible_titles(n):
    fig = ae.show_images({"original": torch.rand(n, 784), "reconstruction": torch.rand(n, 784)})
    assert fig.get_size_inches()[0] <= MAX_WIDTH
    assert all(ax.title.get_fontsize() >= 10 and ax._left_title.get_fontsize() >= 10 for ax in fig.axes)


def drawn_widths(fig):
    return [int(text.get_text()) for text in fig.axes[0].texts if text.get_text().isdigit()]


@pytest.mark.parametrize("latent_size, hidden, widths", [
    (64, (256,), [784, 256, 64, 256, 784]),
    (8, (512, 128), [784, 512, 128, 8, 128, 512, 784]),
])
def test_network_diagram_shows_the_models_widths(latent_size, hidden, widths):
    fig = draw_network(ae.Net(latent_size=latent_size, hidden=hidden, activation="tanh"))
    ax = fig.axes[0]
    assert drawn_widths(fig) == widths
    bars = [patch.get_height() for patch in ax.patches if isinstance(patch, Rectangle)]
    assert bars == pytest.approx([width / 784 for width in widths])
    labels = [text.get_text() for text in ax.texts]
    assert {"image", "encoder", "code", "decoder", "reconstruction"} <= set(labels)
    assert labels.count("Linear\n+ Tanh") == 2 * len(hidden) and labels.count("Linear\n+ Sigmoid") == 1
    assert fig.get_size_inches()[0] <= MAX_WIDTH


def test_network_diagram_draws_on_a_given_axes():
    fig, ax = matplotlib.pyplot.subplots()
    assert draw_network(ae.Net(latent_size=4, hidden=(16,)), ax=ax) is fig
    assert drawn_widths(fig) == [784, 16, 4, 16, 784]


@pytest.mark.parametrize("model", [nn.Linear(784, 64), nn.Sequential(nn.ReLU())])
def test_network_diagram_refuses_a_model_without_encoder_and_decoder(model):
    with pytest.raises(ValueError, match="Linear layers in .encoder and .decoder"):
        draw_network(model)
