"""What the grader runs: the data it passes to the exercises, the fixed inputs, and the calls it makes.

The probes of an exercise call a submission's functions in a fixed order, cheap calls first, and
``record`` what each call returns (or raises). The checks in ``tests/grading`` compare these records
with the rules of the exercise and with the records of the reference solutions.
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from ..data import get_datasets
from .wire import type_name

EXERCISES = ("latent_size", "activation", "denoising")

TRAIN_IMAGES, TEST_IMAGES = 2048, 1000  # the first images of each MNIST split: the grading budget's data
RELATIVE_TOLERANCE = 0.10  # a test MSE passes within this fraction of the reference solution's

# Fixed inputs of the "choose" functions, with the answers the exercise pages ask for.
LATENT_CHOICES = {  # case: (results, target, smallest latent size whose MSE is at most the target)
    "in order": ({2: 0.06, 4: 0.04, 8: 0.03, 16: 0.02}, 0.035, 8),
    "shuffled": ({16: 0.02, 2: 0.06, 8: 0.03, 4: 0.04}, 0.035, 8),
    "equal to the target": ({2: 0.06, 4: 0.035, 8: 0.03}, 0.035, 4),
    "not monotonic": ({2: 0.05, 4: 0.03, 8: 0.036, 16: 0.02}, 0.035, 4),
}
LATENT_UNREACHABLE = ({2: 0.06, 4: 0.04}, 0.035)  # no size reaches the target: ValueError
ACTIVATION_CHOICES = {  # case: (results, activation with the lowest MSE)
    "in order": ({"relu": 0.03, "tanh": 0.05, "sigmoid": 0.06}, "relu"),
    "shuffled": ({"sigmoid": 0.06, "elu": 0.028, "relu": 0.03}, "elu"),
}
ACTIVATION_NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")
UNKNOWN_ACTIVATION = "swish"
COMPARED_ACTIVATIONS = ("relu", "tanh", "sigmoid")  # their gaps under the budget exceed run-to-run noise
NOISE_LEVELS = {"gaussian": 0.5, "mask": 0.5}  # std, masked fraction: the calls on real images
GRAY_LEVELS = {"gaussian": 0.2, "mask": 0.3}  # the calls on a gray image, whose statistics are checked
SAMPLE_IMAGES = 4


def exercise_datasets():
    """The data the grader passes to the exercises: the first ``TRAIN_IMAGES`` training and ``TEST_IMAGES``
    test images of MNIST, as torchvision datasets (``.data`` holds the uint8 images, ``.targets`` the labels)."""
    train_set, test_set = get_datasets()
    return _head(train_set, TRAIN_IMAGES), _head(test_set, TEST_IMAGES)


def _head(dataset, n: int):
    """A shallow copy of ``dataset`` that holds copies of its first ``n`` images and labels."""
    head = copy.copy(dataset)
    head.data, head.targets = dataset.data[:n].clone(), dataset.targets[:n].clone()
    return head


class Inputs:
    """Fresh copies of everything the probes pass, so that a call that changes its input cannot change the next."""

    def __init__(self):
        self._train, self._test = exercise_datasets()

    def train_set(self):
        return _head(self._train, TRAIN_IMAGES)

    def test_set(self):
        return _head(self._test, TEST_IMAGES)

    def images(self):
        """The first test images as floats in [0, 1], shape ``(SAMPLE_IMAGES, 1, 28, 28)``."""
        return self._test.data[:SAMPLE_IMAGES].unsqueeze(1).float().div(255)

    @staticmethod
    def gray():
        return torch.full((SAMPLE_IMAGES, 1, 28, 28), 0.5)

    @staticmethod
    def line():
        return torch.linspace(-3, 3, 13)

    @staticmethod
    def generator(seed: int):
        return torch.Generator().manual_seed(seed)


@torch.no_grad()
def describe_model(model, images):
    """What a returned model is and does: its type, its output on ``images`` and, if it has ``encode``, the codes."""
    facts = {"type": type_name(model), "is_module": isinstance(model, nn.Module)}
    if facts["is_module"]:
        model.eval()
        facts["output"] = model(images)
        facts["code"] = model.encode(images) if callable(getattr(model, "encode", None)) else None
    return facts


def describe_activation(module, line):
    """What a returned activation is and does: its type and its output on ``line``."""
    facts = {"type": type_name(module), "is_module": isinstance(module, nn.Module)}
    if facts["is_module"]:
        facts["output"] = module(line)
    return facts


def corruption_calls(corrupt, images, level, generator):
    """The input before and after three calls of ``corrupt``, and their outputs: seeds 0, 0 again, and 1."""
    before = images.clone()
    outputs = [corrupt(images, level, generator(seed)) for seed in (0, 0, 1)]
    return {"input": before, "input_after": images, "output": outputs[0], "same_seed": outputs[1],
            "other_seed": outputs[2]}


def latent_size(module, record, inputs: Inputs):
    m = module
    record("constants", "GRID, TARGET_MSE and BUDGET",
           lambda: {"GRID": m.GRID, "TARGET_MSE": m.TARGET_MSE, "BUDGET": m.BUDGET.asdict()})
    for name, seed in (("build", 0), ("build_again", 0), ("build_seed1", 1)):
        record(name, f"build_autoencoder(8, seed={seed})",
               lambda seed=seed: describe_model(m.build_autoencoder(8, seed=seed), inputs.images()))
    for case, (results, target, _) in LATENT_CHOICES.items():
        record(f"choose {case}", f"choose_latent_size({results}, target={target})",
               lambda results=results, target=target: m.choose_latent_size(dict(results), target))
    results, target = LATENT_UNREACHABLE
    record("choose unreachable", f"choose_latent_size({results}, target={target})",
           lambda: m.choose_latent_size(dict(results), target))
    record("train", "train_and_evaluate(8, train_set, test_set, seed=0)",
           lambda: m.train_and_evaluate(8, inputs.train_set(), inputs.test_set(), seed=0))
    sweep = record("sweep", "sweep(train_set, test_set, seed=0)",
                   lambda: m.sweep(inputs.train_set(), inputs.test_set(), seed=0))
    record("choice", "choose_latent_size(sweep(train_set, test_set, seed=0))",
           lambda: m.choose_latent_size(sweep), needs=sweep)


def activation(module, record, inputs: Inputs):
    m = module
    record("constants", "NAMES and BUDGET", lambda: {"NAMES": m.NAMES, "BUDGET": m.BUDGET.asdict()})
    for name in ACTIVATION_NAMES:
        record(f"get {name}", f"get_activation({name!r})",
               lambda name=name: describe_activation(m.get_activation(name), inputs.line()))
    record("get unknown", f"get_activation({UNKNOWN_ACTIVATION!r})", lambda: m.get_activation(UNKNOWN_ACTIVATION))
    for case, (results, _) in ACTIVATION_CHOICES.items():
        record(f"choose {case}", f"choose_activation({results})",
               lambda results=results: m.choose_activation(dict(results)))
    record("train", "train_and_evaluate('tanh', train_set, test_set, seed=0)",
           lambda: m.train_and_evaluate("tanh", inputs.train_set(), inputs.test_set(), seed=0))
    compared = record("compare", f"compare_activations(train_set, test_set, names={COMPARED_ACTIVATIONS}, seed=0)",
                      lambda: m.compare_activations(inputs.train_set(), inputs.test_set(),
                                                    names=COMPARED_ACTIVATIONS, seed=0))
    record("choice", f"choose_activation(compare_activations(train_set, test_set, names={COMPARED_ACTIVATIONS}))",
           lambda: m.choose_activation(compared), needs=compared)


def denoising(module, record, inputs: Inputs):
    m = module
    record("constants", "NOISE_STD, MASK_FRACTION and BUDGET",
           lambda: {"NOISE_STD": m.NOISE_STD, "MASK_FRACTION": m.MASK_FRACTION, "BUDGET": m.BUDGET.asdict()})
    for kind, corrupt in (("gaussian", "gaussian_noise"), ("mask", "mask_noise")):
        level, gray = NOISE_LEVELS[kind], GRAY_LEVELS[kind]
        record(kind, f"{corrupt}(images, {level}, generator) with generators seeded 0, 0 and 1",
               lambda corrupt=corrupt, level=level: corruption_calls(getattr(m, corrupt), inputs.images(), level,
                                                                     inputs.generator))
        record(f"{kind} gray", f"{corrupt}(gray images, {gray}, generator)",
               lambda corrupt=corrupt, gray=gray: getattr(m, corrupt)(inputs.gray(), gray, inputs.generator(0)))
        record(f"{kind} none", f"{corrupt}(images, 0.0, generator)",
               lambda corrupt=corrupt: getattr(m, corrupt)(inputs.images(), 0.0, inputs.generator(0)))
        record(f"{kind} default generator", f"{corrupt}(images, {level})",
               lambda corrupt=corrupt, level=level: getattr(m, corrupt)(inputs.images(), level))
    record("mask all", "mask_noise(images, 1.0, generator)",
           lambda: m.mask_noise(inputs.images(), 1.0, inputs.generator(0)))
    record("train unknown", "train_denoiser(train_set, 'salt', seed=0)",
           lambda: m.train_denoiser(inputs.train_set(), "salt", seed=0))
    for kind in NOISE_LEVELS:
        model = record(f"train {kind}", f"train_denoiser(train_set, {kind!r}, seed=0)",
                       lambda kind=kind: m.train_denoiser(inputs.train_set(), kind, seed=0),
                       show=lambda model: describe_model(model, inputs.images()))
        record(f"report {kind}", f"denoising_mse(model, test_set, {kind!r}, seed=0)",
               lambda kind=kind, model=model: m.denoising_mse(model, inputs.test_set(), kind, seed=0), needs=model)


PROBES = {"latent_size": latent_size, "activation": activation, "denoising": denoising}
