"""What the probes of an exercise are: the calls the grader makes on a submission, and the inputs it passes.

Each exercise folder (``grader/exercises/<name>/``) defines ``probes(seed)``: the list of :class:`Probe`
in the order they run, cheap calls first. Inside the sandbox a probe calls the submission's functions and
its value is sent out as plain data; outside, the checks of the folder compare those values with the rules
of the exercise and with the reference solution's.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from .wire import type_name

SAMPLE_IMAGES = 4  # test images the models and corruptions are run on
FEWER_IMAGES = 256  # the training images of the probe that checks a function trains on the set it is given
PUBLIC_SEED = 0  # the seed of the public inputs: the students' own checks and the book use it
LINE = (-3.0, 3.0, 13)  # where the activations are compared: start, end and number of evenly spaced points

# torch is imported by the functions that run inside the sandbox only: the grading process that defines the
# probes and judges their values never loads it (see grader.wire).


@dataclass(frozen=True)
class Probe:
    """One call of a submission: ``run(module, inputs, earlier)`` gives its value (``earlier``: the values of
    the probes run before, by name); ``show`` turns it into what is sent out; ``needs`` names a probe whose
    value it uses, so that it is not run when that one failed."""

    name: str
    call: str  # the call as messages show it
    run: Callable
    show: Callable | None = None
    needs: str | None = None


class Inputs:
    """What the probes pass, fresh for every call: the exercise data drawn with ``seed``, and that seed.

    The public inputs (``seed=PUBLIC_SEED``) are the images of ``ae.exercise_datasets()`` as on the book's pages
    (training, validation and test); any other seed draws other images and passes that seed to the submission's
    functions. Choices are made on the validation split; the test split only reports them.
    """

    def __init__(self, seed: int = PUBLIC_SEED):
        from ae.data import exercise_datasets

        self.seed = seed
        self._train, self._validation, self._test = exercise_datasets(None if seed == PUBLIC_SEED else seed)

    def train_set(self):
        return _copy(self._train)

    def validation_set(self):
        return _copy(self._validation)

    def test_set(self):
        return _copy(self._test)

    def images(self):
        """The first test images as floats in [0, 1], shape ``(SAMPLE_IMAGES, 1, 28, 28)``."""
        return self._test.data[:SAMPLE_IMAGES].unsqueeze(1).float().div(255)

    @staticmethod
    def gray():
        """Uniform gray images (0.5 everywhere), shape ``(SAMPLE_IMAGES, 1, 28, 28)``: a corruption's statistics
        show on them."""
        import torch

        return torch.full((SAMPLE_IMAGES, 1, 28, 28), 0.5)

    @staticmethod
    def line():
        """The points of ``LINE``, where the activations are compared."""
        import torch

        return torch.linspace(*LINE)

    @staticmethod
    def generator(seed: int):
        import torch

        return torch.Generator().manual_seed(seed)


def inverted(dataset):
    """A copy of `dataset` whose images are inverted (255 - pixel): white digits on black become black on white,
    so that an MSE measured on them is far from one measured on the images themselves."""
    fresh = _copy(dataset)
    fresh.data = 255 - fresh.data
    return fresh


def first(dataset, n: int = FEWER_IMAGES):
    """A copy of `dataset` with only its first `n` images."""
    fresh = _copy(dataset)
    fresh.data, fresh.targets = fresh.data[:n].clone(), fresh.targets[:n].clone()
    return fresh


def _copy(dataset):
    fresh = copy.copy(dataset)
    fresh.data, fresh.targets = dataset.data.clone(), dataset.targets.clone()
    return fresh


def describe_model(model, images):
    """What a returned model is and does: its type, its output on ``images`` and, if it has ``encode``, the codes."""
    import torch

    facts = {"type": type_name(model), "is_module": isinstance(model, torch.nn.Module)}
    if facts["is_module"]:
        model.eval()
        with torch.no_grad():
            facts["output"] = model(images)
            facts["code"] = model.encode(images) if callable(getattr(model, "encode", None)) else None
    return facts


def describe_activation(module, line):
    """What a returned activation is and does: its type and its output on ``line``."""
    import torch

    facts = {"type": type_name(module), "is_module": isinstance(module, torch.nn.Module)}
    if facts["is_module"]:
        facts["output"] = module(line)
    return facts
