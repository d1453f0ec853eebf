"""Logistic PCA (Collins, Dasgupta and Schapire, 2001; Schein, Saul and Ungar, 2003): PCA for binary data.

PCA models each image as its mean plus a linear combination of components, fitted by least squares. Logistic PCA
keeps the linear combination but reads it as the *logits* of the pixels: each pixel is 1 with probability
`sigmoid(code · components + bias)`, and the codes, the components and the bias are fitted together to minimise
the cross-entropy with the pixels (their negative log-likelihood). There is no encoder: the code of a new
image is fitted too, with the components and the bias held fixed (a convex problem). `python -m ae
logistic-pca` recomputes the logistic PCA row of Hinton & Salakhutdinov's (2006) MNIST table with it.
"""
from __future__ import annotations

import time

import numpy as np
import torch
from torch.nn import functional as F

from .baselines import as_matrix, fixed_output_scores

# Pixel values clipped to [EPS, 1 - EPS] before their logit, to start the bias from the mean image.
EPS = 1e-3


def cross_entropy(codes, components, bias, x):
    """The mean cross-entropy per image (summed over pixels) of `x` under logits `codes @ components.T + bias`."""
    logits = torch.addmm(bias, codes, components.T)
    return F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / len(x)


def minimise(parameters, loss_fn, iterations: int) -> dict:
    """Minimise `loss_fn()` over `parameters` with L-BFGS (strong Wolfe line search) for at most `iterations`
    iterations; return the loss before and after, and the iterations and evaluations of `loss_fn` it took."""
    optimizer = torch.optim.LBFGS(parameters, lr=1, max_iter=iterations, max_eval=2 * iterations, history_size=20,
                                  line_search_fn="strong_wolfe")
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        losses.append(loss.item())
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        final = loss_fn().item()
    return {"start": losses[0], "end": final, "iterations": optimizer.state[parameters[0]]["n_iter"],
            "evaluations": len(losses)}


class LogisticPCA:
    """Logistic PCA with `n_components` components, fitted by `fit(x)` on rows of pixels in [0, 1].

    `fit` starts from PCA (the components of the first 10,000 rows, the projections as codes, the logit of the
    mean image as the bias) and minimises the cross-entropy over the codes, the components and the bias together
    with L-BFGS.
    `transform` fits the codes of new images with the rest held fixed; `inverse_transform` gives the pixels
    (probabilities in [0, 1]) of codes; `reconstruct` does both.
    """

    def __init__(self, n_components: int = 30, iterations: int = 500, seed: int = 0):
        self.n_components, self.iterations, self.seed = n_components, iterations, seed

    def fit(self, x):
        x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
        torch.manual_seed(self.seed)
        mean = x.mean(0)
        _, _, v = torch.linalg.svd(x[:10_000] - mean, full_matrices=False)
        components = v[:self.n_components].T.contiguous()  # (784, k), orthonormal columns
        codes = ((x - mean) @ components).requires_grad_()
        components.requires_grad_()
        bias = torch.logit(mean.clamp(EPS, 1 - EPS)).requires_grad_()
        self.fit_ = minimise([codes, components, bias], lambda: cross_entropy(codes, components, bias, x),
                             self.iterations)
        self.components_, self.bias_, self.train_codes_ = components.detach(), bias.detach(), codes.detach()
        return self

    def transform(self, x, iterations: int | None = None) -> torch.Tensor:
        """The codes `(N, n_components)` that minimise the cross-entropy of the rows of `x`, the components and the
        bias held fixed (started from zero: the bias alone)."""
        x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
        codes = torch.zeros(len(x), self.n_components, requires_grad=True)
        self.transform_ = minimise([codes], lambda: cross_entropy(codes, self.components_, self.bias_, x),
                                   iterations or self.iterations)
        return codes.detach()

    def inverse_transform(self, codes) -> torch.Tensor:
        """The pixels, probabilities in [0, 1], of `codes`."""
        return torch.sigmoid(torch.addmm(self.bias_, torch.as_tensor(codes), self.components_.T))

    def reconstruct(self, x, iterations: int | None = None) -> torch.Tensor:
        """The pixels of the rows of `x` through their fitted codes: `inverse_transform(transform(x))`."""
        return self.inverse_transform(self.transform(x, iterations))


def squared_error_per_image(reconstructions, x) -> float:
    """The paper's measure: squared error summed over the 784 pixels, averaged over the images."""
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    return float(((reconstructions - x) ** 2).sum(1).mean())


# The images the components are fitted on (the first of the 50,000 training images) and the most L-BFGS iterations
# of each fit: every evaluation of the loss touches every pixel of every image, so both set the run's time.
TRAIN_SIZE = 10_000
ITERATIONS = 300


def hinton2006_row(n_components: int = 30, train_size: int = TRAIN_SIZE, iterations: int = ITERATIONS,
                   command: str = "", log=print) -> dict:
    """The logistic PCA row of Hinton & Salakhutdinov's (2006) MNIST table, recomputed, with its provenance.

    Fits `LogisticPCA(n_components)` on the first `train_size` of the 50,000 training images (the validation
    images held out, as `ae.reproduce.hinton2006` does), then fits the codes of the test images with the
    components fixed, and measures the paper's squared error per image (nothing is chosen on it). Beside it, on
    the same test images: PCA with as many components fitted on the same images and on all 50,000, and the
    mean image.
    """
    from .data import get_datasets, subset
    from .experiments import pca_mse_by_size
    from .model import IMAGE_SIZE
    from .reproduce import HINTON2006_TABLE, REFERENCE
    from .results import provenance

    train_set, _, test_set = get_datasets(validation=True)
    if isinstance(train_size, bool) or not isinstance(train_size, int) or not 1 <= train_size <= len(train_set):
        raise ValueError(f"train_size must be an integer from 1 to {len(train_set)}, got {train_size!r}")
    fitted_on = subset(train_set, slice(train_size))
    result = {"paper": "hinton2006", "reference": REFERENCE, **provenance(command, "cpu"),
              "n_components": n_components, "train_size": train_size, "iterations": iterations,
              "paper_table": HINTON2006_TABLE}
    start = time.perf_counter()
    model = LogisticPCA(n_components, iterations).fit(as_matrix(fitted_on))
    result["fit"] = model.fit_ | {"seconds": round(time.perf_counter() - start, 1)}
    result["train_error"] = squared_error_per_image(model.inverse_transform(model.train_codes_),
                                                    as_matrix(fitted_on))
    if log is not None:
        log(f"fitted on {train_size} images: cross-entropy {model.fit_['start']:.2f} -> {model.fit_['end']:.2f} "
            f"per image in {model.fit_['iterations']} iterations ({result['fit']['seconds']:.0f} s); squared error "
            f"{result['train_error']:.2f} per training image")
    x = as_matrix(test_set)
    result["test_error"] = squared_error_per_image(model.reconstruct(x), x)
    result["test_codes"] = model.transform_
    if log is not None:
        log(f"test: squared error {result['test_error']:.2f} per image (codes fitted in "
            f"{model.transform_['iterations']} iterations)")
    mean_error, _ = fixed_output_scores(as_matrix(train_set).mean(0), test_set)
    result["baselines"] = {
        f"PCA on the same {train_size} images": pca_mse_by_size(fitted_on, test_set, [n_components])[n_components]
        * IMAGE_SIZE,
        f"PCA on all {len(train_set)} images": pca_mse_by_size(train_set, test_set, [n_components])[n_components]
        * IMAGE_SIZE,
        "the mean training image": mean_error * IMAGE_SIZE}
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def format_row(result: dict) -> str:
    """The recomputed row beside the paper's table and the baselines, as text."""
    paper = result["paper_table"]
    lines = [f"{result['n_components']}-dimensional codes, MNIST test set: squared error per image",
             f"{'logistic PCA, here':<40}{result['test_error']:>8.2f}   (paper: {paper['logistic PCA']:.2f})"]
    lines += [f"{name:<40}{value:>8.2f}" for name, value in result["baselines"].items()]
    lines += [f"{'PCA, paper':<40}{paper['PCA']:>8.2f}", f"{'autoencoder, paper':<40}{paper['autoencoder']:>8.2f}"]
    return "\n".join(lines)
