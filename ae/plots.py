"""Figures: a grid of labelled digits, loss curves, images with their reconstructions, a network diagram."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Polygon
from torch import nn

#: Widest figure, in inches: the book's content column is 960 pixels wide, and figures are drawn at 100 dpi
#: (a notebook saves them with 0.1 inch of margin around what they show).
MAX_WIDTH = 9.5
#: Font size of the titles above images, in points.
TITLE_SIZE = 11


def show_grid(dataset, rows: int = 5, cols: int = 5, names=None):
    """The first `rows × cols` images of `dataset` with their labels as titles.

    `names` (e.g. `dataset.classes` of Fashion-MNIST) gives the title of each label instead of its number.
    """
    side = min(1.6, (MAX_WIDTH - 0.2) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(side * cols, (side + 0.2) * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        image, label = dataset[i]
        ax.imshow(image.squeeze().numpy(), cmap="gray")
        ax.set_title(str(label) if names is None else names[label], fontsize=TITLE_SIZE)
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
    """A grid of 28×28 images: one row per entry of `rows` (title → batch), one column per image.

    A single image per row is drawn side by side instead, one column per title. The figure is at most
    `MAX_WIDTH` inches wide, whatever the number of images, and the titles keep their size.
    """
    titles = list(rows)
    batches = [batch.detach().cpu().reshape(-1, 28, 28).numpy() for batch in rows.values()]
    n = len(batches[0])
    side_by_side = n == 1
    n_rows, n_cols = (1, len(titles)) if side_by_side else (len(titles), n)
    # Inches: the cell of one image (the image and a margin), the room above a row for its title.
    cell, gap, title = min(2.2, (MAX_WIDTH - 0.2) / n_cols), 0.06, 0.35
    width, height = cell * n_cols, (cell - gap + title) * n_rows
    fig = plt.figure(figsize=(width, height))
    for k, (name, batch) in enumerate(zip(titles, batches)):
        for i in range(n):
            row, col = (0, k) if side_by_side else (k, i)
            bottom = height - (row + 1) * (cell - gap + title)
            ax = fig.add_axes(((col * cell + gap / 2) / width, bottom / height, (cell - gap) / width,
                               (cell - gap) / height))
            ax.imshow(batch[i], cmap="gray", vmin=0, vmax=1)
            ax.axis("off")
            if side_by_side or i == 0:
                ax.set_title(name, loc="center" if side_by_side else "left", fontsize=TITLE_SIZE)
    return fig


@torch.no_grad()
def show_reconstructions(model, images):
    """Images beside (or above) their reconstructions by `model`."""
    model.eval()
    images = images.reshape(-1, 1, 28, 28)
    output = model(images.to(next(model.parameters()).device))
    return show_images({"original": images, "reconstruction": output})


def _layers(half) -> list[tuple[nn.Linear, str]]:
    """The Linear layers of an encoder or decoder, each with the name of the module after it ("" if none)."""
    leaves = [module for module in half.modules() if not list(module.children())]
    return [(layer, "" if after is None or isinstance(after, nn.Linear) else type(after).__name__)
            for layer, after in zip(leaves, leaves[1:] + [None]) if isinstance(layer, nn.Linear)]


def draw_network(model, ax=None):
    """A diagram of an autoencoder such as `Net`: one bar per layer, as tall as its width.

    The widths are read from the `nn.Linear` layers of `model.encoder` and `model.decoder`; between two
    bars, the Linear layer and the activation after it. ValueError for a model without such layers.
    The heights are to scale: the largest width (the image's 784 pixels) takes the full height.
    """
    halves = [getattr(model, name, None) for name in ("encoder", "decoder")]
    encoder, decoder = [_layers(half) if isinstance(half, nn.Module) else [] for half in halves]
    if not (encoder and decoder):
        raise ValueError("draw_network needs a model with Linear layers in .encoder and .decoder "
                         f"(like ae.Net), got {type(model).__name__}")
    layers, code = encoder + decoder, len(encoder)
    widths = [layers[0][0].in_features] + [layer.out_features for layer, _ in layers]
    heights = [width / max(widths) for width in widths]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(MAX_WIDTH, 1.9 * len(widths)), 3.6))
    bar, last = 0.3, len(widths) - 1
    colors = ["tab:blue"] * code + ["tab:orange"] + ["tab:green"] * (last - code)
    ax.bar(range(len(widths)), heights, bottom=[-h / 2 for h in heights], width=bar, color=colors)
    for x, (width, height) in enumerate(zip(widths, heights)):
        ax.text(x, height / 2 + 0.03, str(width), ha="center", va="bottom", fontsize=12)
    for x, name in [(0, "image"), (last, "reconstruction")]:
        ax.text(x, 0.66, name, ha="center", va="bottom", fontsize=12)
    for x, (_, after) in enumerate(layers):
        left, right = heights[x] / 2, heights[x + 1] / 2
        ax.add_patch(Polygon([(x + bar / 2, -left), (x + bar / 2, left), (x + 1 - bar / 2, right),
                              (x + 1 - bar / 2, -right)], color="0.9", zorder=0))
        label = f"Linear\n+ {after}" if after else "Linear"
        ax.text(x + 0.5, 0, label, ha="center", va="center", fontsize=10)
    for name, start, end, color in [("encoder", -bar / 2, code - 0.25, "tab:blue"),
                                    ("code", code - bar / 2, code + bar / 2, "tab:orange"),
                                    ("decoder", code + 0.25, last + bar / 2, "tab:green")]:
        ax.plot([start, end], [-0.6, -0.6], color=color, linewidth=2)
        ax.text((start + end) / 2, -0.65, name, ha="center", va="top", fontsize=12, color=color)
    ax.set_xlim(-0.5, last + 0.5)
    ax.set_ylim(-0.85, 0.76)
    ax.set_axis_off()
    ax.figure.tight_layout()
    return ax.figure
