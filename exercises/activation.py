"""Exercise "activation": which non-linearity trains best under a fixed budget.

Write the four functions below; the task, the hints and the expected results are on the book page
`book/exercises/activation.md`. Check your work from the root of the course with

    .venv/bin/python -m pytest tests/grading -k activation

Keep the names, the arguments and the constants as they are: the grader calls these functions with the data of
`ae.exercise_datasets()`, chooses the activation from a comparison on the validation split, and only reports
the test MSE of the activation chosen.
"""
from __future__ import annotations

from torch import nn

import ae

NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")  # the activations to compare
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set

PAGE = "see book/exercises/activation.md"


def get_activation(name: str) -> nn.Module:
    """A new activation module from its name, one of `NAMES`; ValueError naming the choices otherwise."""
    raise NotImplementedError(f"get_activation: write it ({PAGE})")


def train_and_evaluate(activation: str, train_set, test_set, seed: int = 0) -> float:
    """The MSE on the images of `test_set` of the book's autoencoder built with `get_activation(activation)`,
    trained on `train_set` under `BUDGET`: pass the validation split to choose, the test split to report.

    Seed first (`ae.set_seed(seed)`, as `ae.reset` does), build `ae.Net(..., activation=get_activation(...))`
    with the budget's sizes, and train it with `ae.train`: the activation you wrote is the one trained.
    """
    raise NotImplementedError(f"train_and_evaluate: write it ({PAGE})")


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    """The MSE on `test_set` (the validation split, to choose) of every activation in `names`, each trained from
    scratch under the same budget and seed."""
    raise NotImplementedError(f"compare_activations: write it ({PAGE})")


def choose_activation(results: dict[str, float]) -> str:
    """The activation with the lowest (validation) MSE."""
    raise NotImplementedError(f"choose_activation: write it ({PAGE})")
