"""Exercise "activation", reference answer: which non-linearity trains best under a fixed budget.

The task is on the book page ``book/exercises/activation.md``.
"""
from __future__ import annotations

import torch
from torch import nn

import ae

NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")  # the activations to compare
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set

MODULES = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
           "elu": nn.ELU}


def get_activation(name: str) -> nn.Module:
    """A new activation module from its name, one of ``NAMES``; ValueError naming the choices otherwise."""
    if name not in MODULES:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(MODULES)}")
    return MODULES[name]()


def train_and_evaluate(activation: str, train_set, test_set, seed: int = 0) -> float:
    """The MSE on the images of ``test_set`` of the book's autoencoder built with ``get_activation(activation)``,
    trained on ``train_set`` under ``BUDGET``: pass the validation split to choose, the test split to report."""
    hp = BUDGET.replace(seed=seed)
    ae.set_seed(hp.seed)  # as ae.reset does: the same seed, the same weights
    model = ae.Net(hp.latent_size, hp.hidden, activation=get_activation(activation))
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr)
    train_loader = ae.TensorLoader(train_set, hp.batch_size, seed=hp.seed)
    test_loader = ae.TensorLoader(test_set, 1000, shuffle=False)
    logs = ae.train(model, criterion, optimizer, train_loader, test_loader, hp.epochs, progress=False, log=None)
    return logs["test_loss"][-1]


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    """The MSE on ``test_set`` (the validation split, to choose) of every activation in ``names``, each trained from
    scratch under the same budget and seed."""
    return {name: train_and_evaluate(name, train_set, test_set, seed) for name in names}


def choose_activation(results: dict[str, float]) -> str:
    """The activation with the lowest (validation) MSE."""
    return min(results, key=results.get)
