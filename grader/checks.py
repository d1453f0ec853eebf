"""Helpers of the grading checks (``grader/exercises/*/test_*.py``): fail with a message a student can act on, compare numbers and tensors.

The checks run outside the sandbox, without torch: a tensor a submission returned arrives as a numpy array
(:mod:`grader.wire`)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from .exercises import RELATIVE_TOLERANCE
from .sandbox import ProbeFailed
from .wire import Unknown


def check(condition, message: str) -> None:
    """Fail the check with ``message`` (no traceback: the message says what was expected) unless ``condition``."""
    if not condition:
        pytest.fail(message, pytrace=False)


def is_number(value) -> bool:
    """A finite Python int or float (not a bool, not a tensor)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_tensor(value, shape=None) -> bool:
    """A tensor (a numpy array, as it arrived), of ``shape`` if given."""
    return isinstance(value, np.ndarray) and (shape is None or tuple(value.shape) == tuple(shape))


def same(a, b, atol: float = 1e-6) -> bool:
    """Two tensors of the same shape whose values agree within ``atol``."""
    return is_tensor(a) and is_tensor(b) and a.shape == b.shape and bool(
        np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=0, atol=atol))


def within(value, reference: float, tolerance: float = RELATIVE_TOLERANCE) -> bool:
    """A number within ``tolerance`` (a fraction) of ``reference``."""
    return is_number(value) and abs(value - reference) <= tolerance * abs(reference)


def show(value) -> str:
    """A short description of a returned value for a message."""
    if is_tensor(value):
        return f"a tensor of shape {tuple(value.shape)}" if value.ndim else f"a 0-d tensor ({value.item():.5g})"
    if isinstance(value, Unknown):
        return f"a {value.type_name}"
    if isinstance(value, float):
        return f"{value:.5g}"
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def number_hint(value) -> str:
    """What to do when a test MSE is not a plain number."""
    if is_tensor(value):
        return " (return a Python float: use .item() on a 0-d tensor)"
    return ""


def constants_hint(run, ref) -> str:
    """A hint when the submission changed the constants the exercise gives (empty when it did not, or is broken)."""
    try:
        mine, given = run.run.value("constants"), ref.run.value("constants")
    except ProbeFailed:
        return ""
    changed = [name for name, value in given.items() if not isinstance(mine, dict) or mine.get(name) != value]
    return f" (keep the constants the exercise gives: {', '.join(changed)} differ)" if changed else ""


def check_report_of_the_choice(run, ref, setting: str) -> None:
    """The test MSE reported for the chosen ``setting`` (probes "choice" and "report") is the reference's, within the
    tolerance; a different choice fails first, naming both."""
    chosen, expected_choice = run.value("choice"), ref.value("choice")
    check(chosen == expected_choice, f"the test MSE is reported for the {setting} you chose, {show(chosen)}, and "
                                     f"the reference chose {expected_choice!r}: compare the validation MSEs first")
    got, expected = run.value("report"), ref.value("report")
    check(within(got, expected),
          f"train_and_evaluate({expected_choice!r}, train_set, test_set) returned {show(got)}{number_hint(got)}; the "
          f"reference solution's test MSE is {expected:.4f}, and the tolerance {RELATIVE_TOLERANCE:.0%}"
          + constants_hint(run, ref))


def check_uses_its_splits(run, function: str, measured) -> None:
    """`function` (the call, as messages show it) trains on its `train_set` and measures on its `test_set`: the
    probes `train inverted` (test_set's images inverted) and `train fewer` (the first images of train_set only)
    must change its MSE `measured` (probe `train`); the message says which argument was ignored."""
    from .probes import FEWER_IMAGES

    inverted, fewer = run.value("train inverted"), run.value("train fewer")
    check(is_number(measured) and is_number(inverted) and inverted > 2 * measured,
          f"the test_set argument was ignored: {function} gave {show(inverted)} when test_set's images were "
          f"inverted (black digits on white), and {show(measured)} for the images themselves, while a model trained "
          "on MNIST reconstructs inverted images far worse; measure the model on the images of test_set (the "
          "validation split to choose, the test split to report), not on the training images")
    check(is_number(fewer) and fewer != measured,
          f"the train_set argument was ignored: {function} gave exactly the same MSE, {show(measured)}, when "
          f"train_set held only its first {FEWER_IMAGES} images; train on the images of train_set")
