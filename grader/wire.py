"""How values travel out of the sandbox: plain JSON data, never pickles, checked strictly on arrival.

Inside, :func:`encode` turns what a submission's function returned into JSON data: numbers, strings,
``None``, lists, and tagged tensors, tuples, dicts and non-finite floats. Outside, :func:`decode` accepts
only that shape and refuses anything else with :class:`Refused`, so a record is data and nothing more.
A tensor arrives as a numpy array: the grading process never imports torch, so that it needs little memory
beside the sandbox (Gradescope's default container has 768 MB for both).
"""
from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass

import numpy as np

MAX_ITEMS = 100_000  # numbers and items in one value: no check needs more
MAX_DEPTH = 32  # nesting of lists, tuples and dicts
MAX_STRING = 10_000  # characters of one string
MAX_INT_DIGITS = 30  # digits of one int (JSON readers refuse very long ints; no check needs them)
DTYPES = {"float16", "bfloat16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"}
AS_NUMPY = {"bfloat16": "float32"}  # numpy has no bfloat16; float32 holds its values exactly


class Refused(ValueError):
    """A value the wire does not carry: too large, too deep, cyclic, or not of the accepted shape."""


@dataclass(frozen=True)
class Unknown:
    """An object the wire cannot carry, known by its type name only; no check accepts it."""

    type_name: str


def type_name(value) -> str:
    """The qualified name of ``value``'s type, as messages show it."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


class _Budget:
    def __init__(self):
        self.items = MAX_ITEMS

    def spend(self, n: int) -> None:
        self.items -= n
        if self.items < 0:
            raise Refused(f"it holds more than {MAX_ITEMS} numbers or items")


def encode(value, _budget: _Budget | None = None, _seen: tuple = ()):
    """``value`` as JSON data; :class:`Refused` when it is too large, too deep or holds itself."""
    budget = _budget or _Budget()
    if len(_seen) > MAX_DEPTH:
        raise Refused(f"it is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise Refused(f"it holds a string of more than {MAX_STRING} characters")
        return value
    if isinstance(value, numbers.Integral):
        number = int(value)
        if abs(number) >= 10**MAX_INT_DIGITS:
            raise Refused(f"it holds an int of more than {MAX_INT_DIGITS} digits")
        return number
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else {"float": repr(number)}
    torch = sys.modules.get("torch")  # a tensor exists only where torch was imported (inside the sandbox)
    if torch is not None and isinstance(value, torch.Tensor):
        budget.spend(value.numel())
        plain = value.detach().cpu()
        if plain.is_complex() or str(plain.dtype).removeprefix("torch.") not in DTYPES:
            return {"unknown": f"tensor of {plain.dtype}"}
        values = plain.double() if plain.is_floating_point() else plain.long()
        return {"tensor": [v if math.isfinite(v) else {"float": repr(v)} for v in map(float, values.flatten())]
                if plain.is_floating_point() else values.flatten().tolist(),
                "shape": list(plain.shape), "dtype": str(plain.dtype).removeprefix("torch.")}
    if isinstance(value, (list, tuple, dict)):
        if any(value is seen for seen in _seen):
            raise Refused("it holds itself (a cyclic value)")
        budget.spend(len(value))
        inner = (*_seen, value)
        if isinstance(value, dict):
            return {"dict": [[encode(k, budget, inner), encode(v, budget, inner)] for k, v in value.items()]}
        items = [encode(v, budget, inner) for v in value]
        return items if isinstance(value, list) else {"tuple": items}
    return {"unknown": type_name(value)[:200]}


def decode(data, _budget: _Budget | None = None, _depth: int = 0):
    """The value that :func:`encode` turned into ``data``; :class:`Refused` for anything encode never makes."""
    budget = _budget or _Budget()
    if _depth > MAX_DEPTH + 2:
        raise Refused(f"it is nested more than {MAX_DEPTH} levels deep")
    if data is None or isinstance(data, (bool, float)):
        return data
    if isinstance(data, str):
        if len(data) > MAX_STRING:
            raise Refused(f"it holds a string of more than {MAX_STRING} characters")
        return data
    if isinstance(data, int):
        if abs(data) >= 10**MAX_INT_DIGITS:
            raise Refused(f"it holds an int of more than {MAX_INT_DIGITS} digits")
        return data
    if isinstance(data, list):
        budget.spend(len(data))
        return [decode(v, budget, _depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 3):
        raise Refused(f"it is not a value the grader reads ({type_name(data)})")
    if set(data) == {"tensor", "shape", "dtype"}:
        return _tensor(data, budget)
    (tag, inner), = data.items()
    if tag == "float" and inner in ("nan", "inf", "-inf"):
        return float(inner)
    if tag == "unknown" and isinstance(inner, str) and len(inner) <= 200:
        return Unknown(inner)
    if tag in ("tuple", "dict") and isinstance(inner, list):
        budget.spend(len(inner))
        items = [decode(v, budget, _depth + 1) for v in inner]
        if tag == "tuple":
            return tuple(items)
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in items):
            raise Refused("it holds a dict entry that is not a key and a value")
        return {_hashable(k): v for k, v in items}
    raise Refused(f"it holds a tag the grader does not read ({str(tag)[:40]!r})")


def _tensor(data: dict, budget: _Budget) -> np.ndarray:
    values, shape, dtype = data["tensor"], data["shape"], data["dtype"]
    if not (isinstance(values, list) and isinstance(shape, list) and dtype in DTYPES
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_ITEMS for n in shape)
            and math.prod(shape) == len(values)):
        raise Refused("it holds a tensor whose values, shape and dtype do not agree")
    budget.spend(len(values))
    numbers_ = [float(v["float"]) if isinstance(v, dict) and set(v) == {"float"} and v["float"] in
                ("nan", "inf", "-inf") else v for v in values]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in numbers_):
        raise Refused("it holds a tensor with values that are not numbers")
    floating = "float" in dtype
    try:
        with np.errstate(all="ignore"):
            values = np.array(numbers_, dtype=np.float64 if floating else np.int64)
            return values.reshape(shape).astype(AS_NUMPY.get(dtype, dtype))
    except (ValueError, TypeError, OverflowError) as error:
        raise Refused(f"it holds a tensor that cannot be built ({error})") from None


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return repr(key)[:200]
    return key
