from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

import ae
from ae.baselines import as_matrix, fixed_output_scores, pca_mse, pca_reconstruct


def test_pca_reconstruction_is_the_projection_on_the_top_components():
    rng = np.random.default_rng(0)
    mixing = rng.random((10, 30))
    train, test = rng.random((200, 10)) @ mixing, rng.random((50, 10)) @ mixing
    mean = train.mean(0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    expected = (test - mean) @ vt[:3].T @ vt[:3] + mean
    assert np.allclose(pca_reconstruct(train, test, 3), expected)
    assert np.allclose(pca_reconstruct(train, test, 10), test)


def test_pca_error_falls_with_more_components(small):
    train_set, test_set = small
    errors = [pca_mse(train_set, test_set, k) for k in (2, 16, 64)]
    assert errors[0] > errors[1] > errors[2] > 0
    assert as_matrix(test_set).shape == (500, 784)
    assert errors[0] < np.mean(as_matrix(test_set) ** 2)


@pytest.mark.parametrize("k", [0, 1000])
def test_impossible_component_counts_are_refused(small, k):
    with pytest.raises(ValueError):
        pca_mse(small[0], small[1], k)


def test_fixed_output_scores_on_two_known_images():
    white_and_black = SimpleNamespace(data=torch.stack([torch.full((28, 28), 255, dtype=torch.uint8),
                                                        torch.zeros(28, 28, dtype=torch.uint8)]))
    assert fixed_output_scores(torch.zeros(28, 28), white_and_black) == (0.5, 0.5)
    assert fixed_output_scores(np.full(784, 0.5), white_and_black) == (0.25, 0.5)
    assert fixed_output_scores(torch.ones(1, 28, 28), white_and_black) == (0.5, 0.5)


class Fixed(nn.Module):
    """A model that outputs the same image whatever its input."""

    def __init__(self, image):
        super().__init__()
        self.image = nn.Parameter(image.reshape(1, 1, 28, 28))

    def forward(self, x):
        return self.image.expand_as(x)


def test_fixed_output_scores_are_what_evaluate_measures(small):
    train_set, test_set = small
    loader = ae.TensorLoader(test_set, batch_size=100, shuffle=False)
    mean_image = train_set.data.float().mean(0) / 255
    for image in (torch.zeros(28, 28), mean_image):
        mse, accuracy = fixed_output_scores(image, test_set)
        expected_mse, expected_accuracy = ae.evaluate(Fixed(image), loader)
        assert mse == pytest.approx(expected_mse, rel=1e-5)
        assert accuracy == pytest.approx(expected_accuracy, abs=1e-6)


def test_the_mean_image_beats_black_on_mnist(small):
    train_set, test_set = small
    black_mse, black_accuracy = fixed_output_scores(torch.zeros(28, 28), test_set)
    mean_mse, _ = fixed_output_scores(train_set.data.float().mean(0) / 255, test_set)
    assert 0.8 < black_accuracy < 0.95  # most pixels of a digit are background
    assert mean_mse < 0.7 * black_mse


@pytest.mark.parametrize("image, message", [(torch.zeros(27, 27), "784 pixels"), (torch.zeros(10, 784), "784 pixels"),
                                            (torch.full((28, 28), 255.0), r"\[0, 1\]"),
                                            (torch.full((28, 28), float("nan")), r"\[0, 1\]")])
def test_fixed_output_scores_refuses_a_bad_image(small, image, message):
    with pytest.raises(ValueError, match=message):
        fixed_output_scores(image, small[1])
