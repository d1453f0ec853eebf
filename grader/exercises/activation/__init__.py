"""Exercise "activation": the probes of ``activation.py`` and the fixed inputs of its checks.

The activation is chosen from a comparison on the validation split; the test split only reports the chosen one's
MSE. ``train_and_evaluate`` must build its model with the submission's own ``get_activation``.
"""
from __future__ import annotations

from ...probes import FEWER_IMAGES, Probe, describe_activation, first, inverted

TITLE = "which nonlinearity trains best"
FUNCTIONS = ("get_activation", "train_and_evaluate", "compare_activations", "choose_activation")

CHOICES = {  # case: (results, activation with the lowest MSE)
    "in order": ({"relu": 0.03, "tanh": 0.05, "sigmoid": 0.06}, "relu"),
    "shuffled": ({"sigmoid": 0.06, "elu": 0.028, "relu": 0.03}, "elu"),
}
NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")
UNKNOWN = "swish"
COMPARED = ("relu", "tanh", "sigmoid")  # their gaps under the budget exceed run-to-run noise
MAX_ASKED = 20  # distinct names of get_activation's calls that the "train" probe records


def probes(seed: int) -> list[Probe]:
    """The calls on a submission, in order, for the inputs drawn with ``seed``."""
    found = [Probe("constants", "NAMES and BUDGET", lambda m, i, e: {"NAMES": m.NAMES, "BUDGET": m.BUDGET.asdict()})]
    for name in NAMES:
        found.append(Probe(f"get {name}", f"get_activation({name!r})",
                           lambda m, i, e, n=name: describe_activation(m.get_activation(n), i.line())))
    found.append(Probe("get unknown", f"get_activation({UNKNOWN!r})", lambda m, i, e: m.get_activation(UNKNOWN)))
    for case, (results, _) in CHOICES.items():
        found.append(Probe(f"choose {case}", f"choose_activation({results})",
                           lambda m, i, e, r=results: m.choose_activation(dict(r))))
    compare = f"compare_activations(train_set, validation_set, names={COMPARED}, seed={seed})"
    found += [
        Probe("train", f"train_and_evaluate('tanh', train_set, validation_set, seed={seed})",
              lambda m, i, e: train_recording(m, "tanh", i.train_set(), i.validation_set(), seed)),
        Probe("train inverted", f"train_and_evaluate('tanh', train_set, validation_set inverted, seed={seed})",
              lambda m, i, e: m.train_and_evaluate("tanh", i.train_set(), inverted(i.validation_set()), seed=seed)),
        Probe("train fewer", f"train_and_evaluate('tanh', the first {FEWER_IMAGES} images of train_set, "
                             f"validation_set, seed={seed})",
              lambda m, i, e: m.train_and_evaluate("tanh", first(i.train_set()), i.validation_set(), seed=seed)),
        Probe("compare", compare,
              lambda m, i, e: m.compare_activations(i.train_set(), i.validation_set(), names=COMPARED, seed=seed)),
        Probe("choice", f"choose_activation({compare})", lambda m, i, e: m.choose_activation(e["compare"]),
              needs="compare"),
        Probe("report", f"train_and_evaluate(chosen activation, train_set, test_set, seed={seed})",
              lambda m, i, e: m.train_and_evaluate(e["choice"], i.train_set(), i.test_set(), seed=seed),
              needs="choice"),
    ]
    return found


def train_recording(module, name: str, train_set, validation_set, seed: int) -> dict:
    """``{"mse": train_and_evaluate(name, ...), "asked": [the names it passed to get_activation]}``: the
    submission's ``get_activation`` is wrapped during the call, so that a check sees whether its model uses it."""
    asked, original = [], getattr(module, "get_activation", None)

    def recording(activation, *args, **kwargs):
        shown = activation if isinstance(activation, str) else type(activation).__name__
        if shown[:50] not in asked and len(asked) < MAX_ASKED:
            asked.append(shown[:50])
        return original(activation, *args, **kwargs)

    if original is not None:
        module.get_activation = recording
    try:
        mse = module.train_and_evaluate(name, train_set, validation_set, seed=seed)
    finally:
        if original is not None:
            module.get_activation = original
    return {"mse": mse, "asked": asked}
