"""How values travel from the sandboxed process to the grader: plain JSON, never pickles.

Tensors, tuples and dicts with non-string keys are tagged so that they come back as they left;
any other object arrives as ``Unknown`` with its type name, which no check accepts.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch

MAX_ITEMS = 100_000  # a larger value is refused: no check needs one


@dataclass(frozen=True)
class Unknown:
    """An object the wire cannot carry, known by its type name only."""

    type_name: str


def type_name(value) -> str:
    """The qualified name of ``value``'s type, as messages show it."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def encode(value, budget: list | None = None):
    """``value`` as JSON-ready data; raises ``ValueError`` when it holds more than ``MAX_ITEMS`` numbers."""
    budget = budget if budget is not None else [MAX_ITEMS]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    if isinstance(value, torch.Tensor):
        budget[0] -= value.numel()
        if budget[0] < 0:
            raise ValueError(f"the result holds more than {MAX_ITEMS} numbers")
        plain = value.detach().cpu()
        values = plain.double() if plain.is_floating_point() else plain
        return {"tensor": [encode(v) for v in values.flatten().tolist()], "shape": list(plain.shape),
                "dtype": str(plain.dtype).removeprefix("torch.")}
    if isinstance(value, (list, tuple)):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise ValueError(f"the result holds more than {MAX_ITEMS} items")
        items = [encode(v, budget) for v in value]
        return items if isinstance(value, list) else {"tuple": items}
    if isinstance(value, dict):
        budget[0] -= len(value)
        if budget[0] < 0:
            raise ValueError(f"the result holds more than {MAX_ITEMS} items")
        return {"dict": [[encode(k, budget), encode(v, budget)] for k, v in value.items()]}
    return {"unknown": type_name(value)}


def decode(data):
    """The value that :func:`encode` turned into ``data``."""
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "tensor" in data:
        values = [decode(v) for v in data["tensor"]]
        return torch.tensor(values, dtype=torch.float64).reshape(data["shape"]).to(getattr(torch, data["dtype"]))
    if "float" in data:
        return float(data["float"])
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {_hashable(decode(k)): decode(v) for k, v in data["dict"]}
    return Unknown(data["unknown"])


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key
