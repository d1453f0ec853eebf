"""Baselines: a fixed output image (all black, the mean image), and PCA, the best linear autoencoder."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def as_matrix(dataset) -> np.ndarray:
    """The images of a torchvision MNIST split as an `(N, 784)` float array of pixels in [0, 1]."""
    return dataset.data.reshape(len(dataset.data), -1).numpy().astype(np.float64) / 255.0


def fixed_output_scores(image, dataset) -> tuple[float, float]:
    """The MSE per pixel and the pixel accuracy on `dataset` of a model that outputs `image`, whatever its input.

    `image` holds 784 pixels in [0, 1] (an array or a tensor, 28×28 or flat). An all-black image and the mean
    training image are the trivial baselines: a trained model must do better than both.
    """
    x = as_matrix(dataset)
    output = np.asarray(image, dtype=np.float64).reshape(-1)
    if output.shape != (x.shape[1],):
        raise ValueError(f"image must have {x.shape[1]} pixels (28×28), got shape {tuple(np.shape(image))}")
    if not np.all((output >= 0) & (output <= 1)):
        raise ValueError("image pixels must be in [0, 1]: divide uint8 pixels by 255")
    return float(np.mean((x - output) ** 2)), float(np.mean((x > 0.5) == (output > 0.5)))


def pca_reconstruct(train_x: np.ndarray, test_x: np.ndarray, n_components: int, seed: int = 0) -> np.ndarray:
    """`test_x` projected on the first `n_components` principal components of `train_x` and back."""
    pca = PCA(n_components=n_components, svd_solver="full", random_state=seed).fit(train_x)
    return pca.inverse_transform(pca.transform(test_x))


def pca_mse(train_set, test_set, n_components: int) -> float:
    """Test MSE per pixel of a PCA with `n_components` fitted on the training split."""
    test_x = as_matrix(test_set)
    return float(np.mean((pca_reconstruct(as_matrix(train_set), test_x, n_components) - test_x) ** 2))
