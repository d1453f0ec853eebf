"""The course's models as plain weights for the browser: what the book's in-page models run.

`explorer()` gives the files of the page `book/further/explorer.md`, which decodes codes in the
reader's browser with no kernel, no server and nothing from elsewhere (`book/_static/explorer.js`):

- `explorer.json`: each model's decoder as a list of dense layers (sizes, activation, where its numbers are), the
  labels of the scattered test images, and which of them the page offers as ends of an interpolation;
- `explorer.bin`: the numbers, little-endian: the float32 weights, biases and codes, then the uint8 pixels;
- `parity.json`: three codes per model and the pixels torch decodes from them, for the browser test.

`drawing()` gives those of `book/further/draw.md`, where the book's model reconstructs a digit the
reader draws (`book/_static/draw.js`): `draw.json` and `draw.bin` (its encoder and decoder as dense layers, and the
reconstruction errors of the test images, sorted) and `draw_parity.json` (three test images, torch's
reconstructions and errors). `denoising()` gives those of the denoising page (`book/further/denoising.md`,
`book/_static/denoise.js`): `denoise.json` and `denoise.bin` (one of that page's denoisers, its weights rounded to
bfloat16 to halve the download, and ten test digits) and `denoise_parity.json` (three noisy digits and what torch
makes of them with the same rounded weights). The pages compute with `book/_static/dense.js`; `write_files` writes
any of these sets.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from . import latent, noise, vae
from .baselines import as_matrix
from .cache import TRAINING_CODE, cached, trained
from .data import TensorLoader, get_datasets
from .hparams import HParams
from .paths import atomic_write
from .train import get_device

# The code that decides the explorer's files, besides the training code: a change to any of them makes them again.
EXPORT_CODE = tuple(Path(__file__).parent / name for name in ("baselines.py", "export.py", "latent.py", "noise.py",
                                                              "vae.py"))

N_POINTS = 1000  # test images scattered in each code space, drawn at random (seed 0)
DIGITS_PER_CLASS = 2  # of them, the first of each digit: the ends of an interpolation the reader picks from
N_PARITY = 3  # codes per model in the parity file (those of the first of these digits), test images in draw's
BOOK_MODEL = HParams()  # the book's model, trained by step 14 (with test evaluations every 100 steps)
DENOISER = (0.5, 0)  # the denoising page's denoiser in the page: trained on salt and pepper at 50 %, seed 0
TEST_NOISE_SEED = 10  # the noise of the test images on the denoising page, and of the parity file's


@dataclass(frozen=True)
class Plane:
    """One model's 2-d code space: `encode` maps images `(N, 784)` to codes `(N, 2)`, `decoder` maps them back."""

    name: str
    title: str
    encode: Callable[[torch.Tensor], torch.Tensor]
    decoder: nn.Sequential


def pca_plane(train_x: np.ndarray) -> Plane:
    """PCA's plane of the training images as two linear maps; decoded pixels are clipped to [0, 1] to be shown."""
    pca = latent.fit_pca(train_x, 2)
    components, mean = (torch.tensor(a, dtype=torch.float32) for a in (pca.components_, pca.mean_))
    encoder, decoder = nn.Linear(784, 2), nn.Linear(2, 784)
    with torch.no_grad():
        encoder.weight.copy_(components)
        encoder.bias.copy_(-components @ mean)
        decoder.weight.copy_(components.T)
        decoder.bias.copy_(mean)
    return Plane("pca", "PCA, 2 components", encoder, nn.Sequential(decoder, nn.Hardtanh(0.0, 1.0)))


def planes(train_set) -> list[Plane]:
    """The three code spaces of the explorer: the 2-d autoencoder and the 2-d VAE of the book (from the cache,
    on the CPU; the VAE's code of an image is its mean) and PCA's plane, fitted on `train_set`'s images."""
    autoencoder = trained(latent.HP_2D, progress=False)[0].cpu()
    variational = trained(vae.HP_2D, progress=False, model_class=vae.VAE, criterion=vae.elbo_terms)[0].cpu()
    return [Plane("autoencoder", "2-d autoencoder", autoencoder.encode, autoencoder.decoder),
            Plane("vae", "2-d VAE (code means)", lambda x: variational.encode(x)[0], variational.decoder),
            pca_plane(as_matrix(train_set))]


def activation_name(module: nn.Module) -> str:
    """The name `explorer.js` knows an activation by; ValueError for one it does not run."""
    if isinstance(module, nn.Hardtanh) and (module.min_val, module.max_val) == (0.0, 1.0):
        return "clip"
    names = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid"}
    if type(module) not in names:
        raise ValueError(f"the page runs ReLU, sigmoid and a clip to [0, 1] only, not {type(module).__name__}")
    return names[type(module)]


def dense_layers(decoder: nn.Sequential) -> list[tuple[torch.Tensor, torch.Tensor, str | None]]:
    """The decoder as `(weight, bias, activation name or None)` per linear layer, in order."""
    layers = []
    for module in decoder:
        if isinstance(module, nn.Linear):
            layers.append((module.weight.detach(), module.bias.detach(), None))
        elif layers and layers[-1][2] is None:
            layers[-1] = (*layers[-1][:2], activation_name(module))
        else:
            raise ValueError(f"{type(module).__name__} does not follow a linear layer")
    return layers


class _Numbers:
    """The binary file being built: arrays appended one after the other, each described by where it is."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, array: np.ndarray) -> dict:
        """Append `array` (float32, or uint8 when it holds integers); where it is: offset in bytes, length."""
        data = np.ascontiguousarray(array, dtype="<f4" if array.dtype.kind == "f" else "u1").tobytes()
        self.parts.append(data)
        self.size += len(data)
        return {"offset": self.size - len(data), "length": int(array.size)}

    def add_bfloat16(self, tensor: torch.Tensor) -> dict:
        """Append `tensor` rounded to bfloat16 (the upper 16 bits of a float32), and say so in where it is."""
        bits = tensor.detach().to(torch.bfloat16).view(torch.int16).numpy().view("<u2")
        self.parts.append(bits.tobytes())
        self.size += bits.nbytes
        return {"offset": self.size - bits.nbytes, "length": int(bits.size), "dtype": "bfloat16"}

    def layers(self, network: nn.Sequential, bfloat16: bool = False) -> list[dict]:
        """Append the weights and biases of `network`'s `dense_layers` (as float32, or rounded to bfloat16); each
        layer's sizes, activation and numbers."""
        add = self.add_bfloat16 if bfloat16 else (lambda tensor: self.add(tensor.numpy()))
        return [{"in": weight.shape[1], "out": weight.shape[0], "activation": activation,
                 "weight": add(weight), "bias": add(bias)} for weight, bias, activation in dense_layers(network)]


def explorer_files(train_set, test_set) -> dict[str, bytes]:
    """The files of the explorer (see the module's docstring), by name, for the models of `planes(train_set)`."""
    models = planes(train_set)  # trained first when the cache lacks them: not under no_grad
    shown = np.sort(np.random.default_rng(0).choice(len(test_set.data), N_POINTS, replace=False))
    images = torch.as_tensor(as_matrix(test_set)[shown], dtype=torch.float32)
    labels = test_set.targets.numpy()[shown]
    digits = [int(i) for d in range(10) for i in np.flatnonzero(labels == d)[:DIGITS_PER_CLASS]]
    numbers, described, parity = _Numbers(), [], {}
    for plane in models:
        with torch.no_grad():
            codes = plane.encode(images)
            fixed = codes[digits[:N_PARITY]]
            parity[plane.name] = {"codes": fixed.tolist(), "pixels": plane.decoder(fixed).tolist()}
        described.append({"name": plane.name, "title": plane.title, "codes": numbers.add(codes.numpy()),
                          "layers": numbers.layers(plane.decoder)})
    header = {"bin": "explorer.bin", "models": described, "labels": labels.tolist(), "digits": digits,
              "pixels": numbers.add((images[digits] * 255).round().numpy().astype(np.uint8))}
    return {"explorer.json": json.dumps(header).encode(), "explorer.bin": b"".join(numbers.parts),
            "parity.json": json.dumps(parity).encode()}


def _save(files: dict[str, bytes], path: Path) -> None:
    """Write files (name → bytes) into one `.npz` archive: the cache's entry."""
    with open(path, "wb") as stream:
        np.savez(stream, **{name: np.frombuffer(data, dtype=np.uint8) for name, data in files.items()})


def _load(path: Path) -> dict[str, bytes]:
    """The files that `_save` wrote."""
    with np.load(path) as archive:
        return {name: archive[name].tobytes() for name in archive.files}


def explorer() -> dict[str, bytes]:
    """The explorer's files for MNIST and the book's models: from the cache, or made once by `explorer_files`."""
    key = {"models": [latent.HP_2D.asdict(), vae.HP_2D.asdict()], "device": get_device().type}
    return cached("explorer", key, lambda: explorer_files(*get_datasets()), _save, _load,
                  files=TRAINING_CODE + EXPORT_CODE, suffix=".npz")


def drawing_files(test_set) -> dict[str, bytes]:
    """The files of the page where the reader draws a digit (see the module's docstring): the book's model, from
    the cache, and the squared error per pixel of its reconstruction of each of `test_set`'s images."""
    model = trained(BOOK_MODEL, eval_every=100, progress=False)[0].cpu()
    pixels = test_set.data.reshape(-1, 784)
    images = pixels.float() / 255
    with torch.no_grad():
        reconstructions = model(images)
    errors = ((reconstructions - images) ** 2).mean(1)
    numbers = _Numbers()
    header = {"bin": "draw.bin", "encoder": numbers.layers(model.encoder), "decoder": numbers.layers(model.decoder),
              "errors": numbers.add(np.sort(errors.numpy()))}
    parity = {"pixels": pixels[:N_PARITY].tolist(), "reconstructions": reconstructions[:N_PARITY].tolist(),
              "errors": errors[:N_PARITY].tolist()}
    return {"draw.json": json.dumps(header).encode(), "draw.bin": b"".join(numbers.parts),
            "draw_parity.json": json.dumps(parity).encode()}


def drawing() -> dict[str, bytes]:
    """The drawing page's files for MNIST's test set and the book's model: from the cache, or made once."""
    key = {"model": BOOK_MODEL.asdict(), "device": get_device().type}
    return cached("drawing", key, lambda: drawing_files(get_datasets()[1]), _save, _load,
                  files=TRAINING_CODE + EXPORT_CODE, suffix=".npz")


def rounded_to_bfloat16(model: nn.Module) -> nn.Module:
    """A copy of `model` whose weights are rounded to bfloat16 and back to float32: what the page runs."""
    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for parameter in rounded.parameters():
            parameter.copy_(parameter.to(torch.bfloat16).float())
    return rounded


def denoising_files(train_set, test_set) -> dict[str, bytes]:
    """The files of the denoising page's model in the page (see the module's docstring): the denoiser of
    `ae.noise.denoiser` trained at `DENOISER`'s level and seed, the first test image of each digit, and the test
    MSE of the denoiser at its level (test noise of seed `TEST_NOISE_SEED`) before and after the rounding."""
    fraction, seed = DENOISER
    book_model = trained(BOOK_MODEL, eval_every=100, progress=False)[0]
    model = noise.denoiser(book_model, train_set, noise.SaltAndPepper(fraction, seed), seed)[0].cpu()
    rounded = rounded_to_bfloat16(model)
    images = test_set.data.reshape(-1, 784).float() / 255
    digits = [int(np.flatnonzero(test_set.targets.numpy() == d)[0]) for d in range(10)]
    loader = TensorLoader(test_set, batch_size=1000, shuffle=False)  # as the denoising page scores its models
    mse = noise.denoising_mse({"float32": model, "bfloat16": rounded}, loader,
                              noise.SaltAndPepper(fraction, TEST_NOISE_SEED))
    numbers = _Numbers()
    layers = numbers.layers(nn.Sequential(*model.encoder, *model.decoder), bfloat16=True)
    header = {"bin": "denoise.bin", "layers": layers, "fraction": fraction, "seed": seed, "test_mse": mse,
              "digits": digits, "pixels": numbers.add(test_set.data[digits].reshape(-1, 784).numpy())}
    noisy = noise.SaltAndPepper(fraction, TEST_NOISE_SEED)(images[digits[:N_PARITY]])
    with torch.no_grad():
        parity = {"noisy": noisy.tolist(), "pixels": rounded(noisy).tolist()}
    return {"denoise.json": json.dumps(header).encode(), "denoise.bin": b"".join(numbers.parts),
            "denoise_parity.json": json.dumps(parity).encode()}


def denoising() -> dict[str, bytes]:
    """The denoising page's files for MNIST and the book's model: from the cache, or made once."""
    key = {"model": BOOK_MODEL.asdict(), "denoiser": DENOISER, "device": get_device().type}
    return cached("denoising", key, lambda: denoising_files(*get_datasets()), _save, _load,
                  files=TRAINING_CODE + EXPORT_CODE, suffix=".npz")


def write_files(folder, files: dict[str, bytes]) -> dict[str, int]:
    """Write `files` (name → bytes, as `explorer()` or `drawing()` gives them) into `folder`; their sizes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        atomic_write(folder / name, lambda path, data=data: path.write_bytes(data))
    return {name: len(data) for name, data in files.items()}
