"""Figures: a labelled grid of digits, loss curves, and originals beside their reconstructions."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch


def show_grid(dataset, rows: int = 5, cols: int = 5):
    """The first ``rows × cols`` images of ``dataset`` with their labels as titles."""
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.8 * rows))
    for i, ax in enumerate(axes.flat):
        image, label = dataset[i]
        ax.imshow(image.squeeze().numpy(), cmap="gray")
        ax.set_title(str(label))
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_losses(logs: dict, ax=None):
    """Training and test loss against training steps, on a log scale."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(logs["steps"], logs["train_loss"], marker=".", label="train")
    ax.plot(logs["steps"], logs["test_loss"], marker=".", label="test")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("reconstruction loss")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    ax.figure.tight_layout()
    return ax.figure


def show_images(rows: dict):
    """A grid of 28×28 images: one row per entry of ``rows`` (title → batch), one column per image.

    A single image per row is drawn side by side instead, one column per title.
    """
    titles, batches = list(rows), [batch.detach().cpu().reshape(-1, 28, 28).numpy() for batch in rows.values()]
    n = len(batches[0])
    side_by_side = n == 1
    shape = (1, len(titles)) if side_by_side else (len(titles), n)
    fig, axes = plt.subplots(*shape, figsize=(2.2 * shape[1], 2.3 * shape[0]), squeeze=False)
    for k, (title, batch) in enumerate(zip(titles, batches)):
        for i in range(n):
            ax = axes[0, k] if side_by_side else axes[k, i]
            ax.imshow(batch[i], cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
        (axes[0, k] if side_by_side else axes[k, 0]).set_title(title, loc="left")
    fig.tight_layout()
    return fig


@torch.no_grad()
def show_reconstructions(model, images):
    """Images beside (or above) their reconstructions by ``model``."""
    model.eval()
    images = images.reshape(-1, 1, 28, 28)
    output = model(images.to(next(model.parameters()).device))
    return show_images({"original": images, "reconstruction": output})
