"""Linear baselines: PCA is the best linear autoencoder, the line a non-linear one must beat."""
from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA


def as_matrix(dataset) -> np.ndarray:
    """The images of a torchvision MNIST split as an ``(N, 784)`` float array of pixels in [0, 1]."""
    return dataset.data.reshape(len(dataset.data), -1).numpy().astype(np.float64) / 255.0


def pca_reconstruct(train_x: np.ndarray, test_x: np.ndarray, n_components: int, seed: int = 0) -> np.ndarray:
    """``test_x`` projected on the first ``n_components`` principal components of ``train_x`` and back."""
    pca = PCA(n_components=n_components, svd_solver="full", random_state=seed).fit(train_x)
    return pca.inverse_transform(pca.transform(test_x))


def pca_mse(train_set, test_set, n_components: int) -> float:
    """Test MSE per pixel of a PCA with ``n_components`` fitted on the training split."""
    test_x = as_matrix(test_set)
    return float(np.mean((pca_reconstruct(as_matrix(train_set), test_x, n_components) - test_x) ** 2))
