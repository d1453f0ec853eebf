"""Public checks of the exercise "activation": its interface and behaviour, no reference solution needed."""
import math

import numpy as np
import pytest

from grader.probes import LINE
from grader.exercises.activation import CHOICES, NAMES, COMPARED, UNKNOWN
from grader.checks import check, check_uses_its_splits, is_number, number_hint, same, show

FUNCTIONS = {  # torch's functions with their default parameters, in numpy (the checks run without torch)
    "relu": lambda x: np.maximum(x, 0), "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x), "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "gelu": lambda x: x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))) / 2,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x))}


@pytest.mark.points(1)
def test_get_activation_returns_modules(run):
    """get_activation returns a new torch.nn.Module for each of the six names"""
    for name in NAMES:
        facts = run.value(f"get {name}")
        check(facts["is_module"], f"get_activation({name!r}) must return a torch.nn.Module such as torch.nn.ReLU(), "
                                  f"not a {facts['type']}")


@pytest.mark.points(2)
def test_get_activation_computes_the_named_function(run):
    """each activation computes torch's function of that name, with its default parameters"""
    line = np.linspace(*LINE)
    for name in NAMES:
        facts = run.value(f"get {name}")
        expected = FUNCTIONS[name](line)
        check(facts["is_module"] and same(facts["output"], expected),
              f"get_activation({name!r}) must compute torch's {name} with its default parameters: on "
              f"{[round(x, 1) for x in line.tolist()]} it should give {[round(x, 4) for x in expected.tolist()]}, "
              f"not {show(facts.get('output'))}")


@pytest.mark.points(1)
def test_get_activation_rejects_unknown_names(run):
    """an unknown name raises ValueError naming the choices"""
    error = run.error("get unknown")
    call = f"get_activation({UNKNOWN!r})"
    check(error is not None and error["type"] == "ValueError",
          f"{call} must raise ValueError; " + (f"it raised {error['type']}" if error else "it returned a value"))
    missing = [name for name in NAMES if name not in error["message"]]
    check(not missing, f"the ValueError of {call} must name the choices; its message lacks {', '.join(missing)}: "
                       f"{error['message']!r}")


@pytest.mark.points(1)
def test_choose_activation_picks_the_lowest_mse(run):
    """choose_activation picks the activation with the lowest MSE"""
    for case, (results, expected) in CHOICES.items():
        got = run.value(f"choose {case}")
        check(got == expected, f"choose_activation({results}) must return {expected!r}, the name with the lowest "
                               f"MSE; it returned {show(got)}")


@pytest.mark.points(1)
def test_compare_activations_gives_one_validation_mse_per_name(run):
    """compare_activations returns {name: validation MSE} for the names it is given"""
    compared = run.value("compare")
    check(isinstance(compared, dict) and sorted(compared) == sorted(COMPARED),
          f"compare_activations(train_set, validation_set, names={COMPARED}) must return a dict with one entry "
          f"per name given; it returned {show(compared)}")
    bad = {name: mse for name, mse in compared.items() if not (is_number(mse) and 0 < mse < 1)}
    shown = {name: show(mse) for name, mse in bad.items()}
    check(not bad, f"every value of compare_activations(...) must be an MSE on the images of its second argument, "
                   f"a float between 0 and 1; these are not: {shown}{number_hint(next(iter(bad.values()), None))}")


@pytest.mark.points(1)
def test_same_seed_same_numbers(run):
    """train_and_evaluate('tanh') gives exactly the validation MSE that compare_activations found for tanh"""
    alone = run.value("train")["mse"]
    compared = run.value("compare")
    check(is_number(alone), f"train_and_evaluate('tanh', ...) must return the MSE as a float, not {show(alone)}"
                            + number_hint(alone))
    found = compared.get("tanh") if isinstance(compared, dict) else None
    check(alone == found,
          f"train_and_evaluate('tanh', train_set, validation_set, seed=s) returned {show(alone)}, but "
          f"compare_activations(train_set, validation_set, seed=s) found {show(found)} for tanh: every run must "
          "depend on its seed only (seed the model, the shuffling of the training set and anything else random), "
          "so that the same call gives the same number")


@pytest.mark.points(1)
def test_train_and_evaluate_builds_its_model_with_get_activation(run):
    """train_and_evaluate('tanh') builds its model with the activation of get_activation('tanh')"""
    asked = run.value("train")["asked"]
    check("tanh" in asked,
          "train_and_evaluate('tanh', ...) must build its model with your get_activation: ae.Net(..., "
          "activation=get_activation('tanh')), so that the activation you wrote is the one trained; it "
          + (f"called get_activation with {', '.join(map(repr, asked))} only" if asked else "never called it"))


@pytest.mark.points(1)
def test_train_and_evaluate_uses_the_splits_it_is_given(run):
    """train_and_evaluate trains on its train_set and measures on its test_set"""
    check_uses_its_splits(run, "train_and_evaluate('tanh', train_set, test_set)", run.value("train")["mse"])
