"""Hostile, nothing but an attack: rewrites the grader's code inside its own process (module attributes, a
function's ``__code__`` swapped in place) so that every probe reports a "perfect" value, and implements
nothing. Every verdict is made outside, on plain values: 0 points."""
import sys


def perfect(*args, **kwargs):
    return {"value": {"dict": [["relu", 0.0], ["tanh", 0.0], ["sigmoid", 0.0]]}}


for name, module in list(sys.modules.items()):
    if name.startswith("grader"):
        for attr, value in list(vars(module).items()):
            if callable(value) and getattr(value, "__module__", "") == name:
                try:
                    value.__code__ = perfect.__code__
                except (AttributeError, TypeError, ValueError):
                    pass
                setattr(module, attr, perfect)


def get_activation(name):
    raise NotImplementedError


def train_and_evaluate(activation, train_set, test_set, seed=0):
    raise NotImplementedError


def compare_activations(train_set, test_set, names=(), seed=0):
    raise NotImplementedError


def choose_activation(results):
    raise NotImplementedError
