"""The latent space: codes of images, 2-d projections of them, and what simple classifiers read from them."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .hparams import HParams
from .plots import MAX_WIDTH

#: The autoencoder with a code of 2 numbers: the book's model with an extra hidden layer of 64 units.
HP_2D = HParams(latent_size=2, hidden=(256, 64), lr=3e-3, epochs=3)

#: The classifiers that probe a representation. A linear one, on standardised features and lightly
#: regularised, and a local one, on the features as they are (it reads their geometry).
PROBES = {
    "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000)),
    "5-nearest neighbours": KNeighborsClassifier(n_neighbors=5),
}


@torch.no_grad()
def encode(model, pixels: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """The latent codes `(N, latent_size)` of images given as an `(N, 784)` array of pixels in [0, 1]."""
    model.eval()
    device = next(model.parameters()).device
    images = torch.as_tensor(pixels, dtype=torch.float32)
    return torch.cat([model.encode(batch.to(device)).cpu() for batch in images.split(batch_size)]).numpy()


def fit_pca(train_x: np.ndarray, n_components: int, seed: int = 0):
    """The first `n_components` principal components of the rows of `train_x` (a fitted scikit-learn `PCA`)."""
    return PCA(n_components=n_components, random_state=seed).fit(train_x)


def pca_features(train_x: np.ndarray, test_x: np.ndarray, n_components: int, seed: int = 0):
    """Both arrays projected on the first `n_components` principal components of `train_x`."""
    pca = fit_pca(train_x, n_components, seed)
    return pca.transform(train_x), pca.transform(test_x)


def probe_accuracy(train_x, train_y, test_x, test_y) -> dict[str, float]:
    """Test accuracy of each of the `PROBES` fitted on `(train_x, train_y)`."""
    return {name: float(clone(probe).fit(train_x, train_y).score(test_x, test_y))
            for name, probe in PROBES.items()}


def project_2d(codes: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """`codes` projected to 2-d by `"pca"` or `"tsne"` (perplexity 30, 500 iterations), seeded."""
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(codes)
    if method == "tsne":
        return TSNE(n_components=2, init="pca", max_iter=500, random_state=seed).fit_transform(codes)
    raise ValueError(f"unknown projection {method!r}: choose 'pca' or 'tsne'")


def plot_codes(panels: dict, labels):
    """One scatter of 2-d points per entry of `panels` (title → `(N, 2)` array), coloured by digit label.

    The axes keep their ticks, each panel its own scale: read them before comparing spreads. However many
    panels, the figure is at most `MAX_WIDTH` inches wide.
    """
    if not panels:
        raise ValueError("plot_codes needs at least one panel: a title and its (N, 2) array of points")
    side = min(4.2, (MAX_WIDTH - 1.1) / len(panels))  # inches: 0.9 for the colour bar, 0.2 of margins
    fig, axes = plt.subplots(1, len(panels), figsize=(side * len(panels) + 0.9, side + 0.5), squeeze=False,
                             layout="constrained")
    for ax, (title, points) in zip(axes.flat, panels.items()):
        dots = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", vmin=-0.5, vmax=9.5, s=2)
        ax.set_title(title, fontsize=11)
        ax.tick_params(labelsize=10)
        ax.grid(True, alpha=0.3)
    fig.colorbar(dots, ax=axes.ravel().tolist(), ticks=range(10), label="digit")
    return fig
