import matplotlib

matplotlib.use("Agg")

import torch  # noqa: E402

import ae  # noqa: E402


def test_grid_shows_25_digits_titled_with_their_labels(mnist):
    _, test_set = mnist
    fig = ae.show_grid(test_set)
    assert [ax.get_title() for ax in fig.axes] == [str(test_set[i][1]) for i in range(25)]
    assert all(len(ax.images) == 1 for ax in fig.axes)


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
    assert left.get_position().y0 == right.get_position().y0 and left.get_position().x0 < right.get_position().x0
    assert [ax.images[0].get_array().shape for ax in fig.axes] == [(28, 28), (28, 28)]


def test_several_images_are_shown_in_one_row_per_title():
    rows = {"noisy": torch.rand(4, 784), "clean": torch.rand(4, 1, 28, 28), "denoised": torch.rand(4, 28, 28)}
    fig = ae.show_images(rows)
    assert len(fig.axes) == 12
    assert [fig.axes[k * 4].get_title(loc="left") for k in range(3)] == list(rows)
