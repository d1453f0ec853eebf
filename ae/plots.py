"""Figures: a grid of labelled digits, loss curves, images with their reconstructions, a network diagram."""
from __future__ import annotations

import math

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


#: The layers `draw_network` shows as bands between two bars, and the name it gives each.
DRAWN_LAYERS = {nn.Linear: "Linear", nn.Conv2d: "Conv", nn.ConvTranspose2d: "ConvT"}


def _layers(half) -> list[tuple[nn.Module, str]]:
    """The Linear and convolution layers of an encoder or decoder, each with the name of the activation after it
    ("" if none): the next module that is not a reshaping (`Flatten`, `Unflatten`) nor a drawn layer."""
    leaves = [module for module in half.modules() if not list(module.children())]
    named = []
    for i, layer in enumerate(leaves):
        if isinstance(layer, tuple(DRAWN_LAYERS)):
            after = next((m for m in leaves[i + 1:] if not isinstance(m, (nn.Flatten, nn.Unflatten))), None)
            named.append((layer, "" if after is None or isinstance(after, tuple(DRAWN_LAYERS))
                          else type(after).__name__))
    return named


def _shapes(model, layers) -> list[tuple[int, ...]]:
    """The shape of one image's numbers before, between and after `layers`, recorded while `model` encodes and
    decodes a blank image (with its `encode` and `decode`, else its `encoder` and `decoder`). Between two layers, a
    reshaping (`Flatten`, `Unflatten`) may change the shape: the one with channels, height and width is kept."""
    encode, decode = (getattr(model, name, getattr(model, f"{name}r")) for name in ("encode", "decode"))
    inputs, outputs = {}, {}
    hooks = [hook for layer, _ in layers for hook in (
        layer.register_forward_pre_hook(lambda m, args: inputs.__setitem__(m, tuple(args[0].shape[1:]))),
        layer.register_forward_hook(lambda m, _, out: outputs.__setitem__(m, tuple(out.shape[1:]))))]
    try:
        with torch.no_grad():
            decode(encode(torch.zeros(1, 28 * 28, device=next(model.parameters()).device)))
    finally:
        for hook in hooks:
            hook.remove()
    shapes = [inputs[layers[0][0]]]
    for (before, _), (after, _) in zip(layers, layers[1:]):
        shapes.append(max(outputs[before], inputs[after], key=len))
    return shapes + [outputs[layers[-1][0]]]


def _band_label(layer, after: str) -> str:
    name = DRAWN_LAYERS[type(layer)]
    if not isinstance(layer, nn.Linear):
        name += f" {'×'.join(map(str, layer.kernel_size))}"
    return f"{name}\n+ {after}" if after else name


def draw_network(model, ax=None):
    """A diagram of an autoencoder such as `Net` or `ConvNet`: one bar per layer of numbers, as tall as how many.

    The layers are the `nn.Linear` (and `nn.Conv2d`, `nn.ConvTranspose2d`) layers of `model.encoder` and
    `model.decoder`, and their sizes are read from their outputs as the model encodes and decodes a blank image:
    a number for a vector, channels × height × width for feature maps. Between two bars, the layer and the
    activation after it. ValueError for a model without such layers. The heights are to scale: the largest layer
    takes the full height.
    """
    halves = [getattr(model, name, None) for name in ("encoder", "decoder")]
    encoder, decoder = [_layers(half) if isinstance(half, nn.Module) else [] for half in halves]
    if not (encoder and decoder):
        raise ValueError("draw_network needs a model with Linear layers in .encoder and .decoder "
                         f"(like ae.Net), got {type(model).__name__}")
    layers, code = encoder + decoder, len(encoder)
    shapes = _shapes(model, layers)
    widths = [math.prod(shape) for shape in shapes]
    names = ["×".join(map(str, shape)) for shape in shapes]
    heights = [width / max(widths) for width in widths]
    if ax is None:
        _, ax = plt.subplots(figsize=(min(MAX_WIDTH, 1.9 * len(widths)), 3.6))
    bar, last = 0.3, len(widths) - 1
    colors = ["tab:blue"] * code + ["tab:orange"] + ["tab:green"] * (last - code)
    ax.bar(range(len(widths)), heights, bottom=[-h / 2 for h in heights], width=bar, color=colors)
    for x, (name, height) in enumerate(zip(names, heights)):
        ax.text(x, height / 2 + 0.03, name, ha="center", va="bottom", fontsize=12)
    for x, name in [(0, "image"), (last, "reconstruction")]:
        ax.text(x, 0.66, name, ha="center", va="bottom", fontsize=12)
    for x, (layer, after) in enumerate(layers):
        left, right = heights[x] / 2, heights[x + 1] / 2
        ax.add_patch(Polygon([(x + bar / 2, -left), (x + bar / 2, left), (x + 1 - bar / 2, right),
                              (x + 1 - bar / 2, -right)], color="0.9", zorder=0))
        ax.text(x + 0.5, 0, _band_label(layer, after), ha="center", va="center", fontsize=10)
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
