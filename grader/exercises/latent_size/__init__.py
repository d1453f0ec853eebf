"""Exercise "latent size": the probes of ``latent_size.py`` and the fixed inputs of its checks.

The latent size is chosen from a sweep on the validation split; the test split only reports the chosen size's MSE.
"""
from __future__ import annotations

from ...probes import FEWER_IMAGES, Probe, describe_model, first, inverted

TITLE = "the smallest code that reconstructs well enough"
FUNCTIONS = ("build_autoencoder", "train_and_evaluate", "sweep", "choose_latent_size")

CHOICES = {  # case: (results, target, smallest latent size whose MSE is at most the target)
    "in order": ({2: 0.06, 4: 0.04, 8: 0.03, 16: 0.02}, 0.035, 8),
    "shuffled": ({16: 0.02, 2: 0.06, 8: 0.03, 4: 0.04}, 0.035, 8),
    "equal to the target": ({2: 0.06, 4: 0.035, 8: 0.03}, 0.035, 4),
    "not monotonic": ({2: 0.05, 4: 0.03, 8: 0.036, 16: 0.02}, 0.035, 4),
}
UNREACHABLE = ({2: 0.06, 4: 0.04}, 0.035)  # no size reaches the target: ValueError


def probes(seed: int) -> list[Probe]:
    """The calls on a submission, in order, for the inputs drawn with ``seed``."""
    found = [
        Probe("constants", "GRID, TARGET_MSE and BUDGET",
              lambda m, i, e: {"GRID": m.GRID, "TARGET_MSE": m.TARGET_MSE, "BUDGET": m.BUDGET.asdict()}),
    ]
    for name, s in (("build", seed), ("build_again", seed), ("build_other_seed", seed + 1)):
        found.append(Probe(name, f"build_autoencoder(8, seed={s})",
                           lambda m, i, e, s=s: describe_model(m.build_autoencoder(8, seed=s), i.images())))
    for case, (results, target, _) in CHOICES.items():
        found.append(Probe(f"choose {case}", f"choose_latent_size({results}, target={target})",
                           lambda m, i, e, r=results, t=target: m.choose_latent_size(dict(r), t)))
    results, target = UNREACHABLE
    found += [
        Probe("choose unreachable", f"choose_latent_size({results}, target={target})",
              lambda m, i, e: m.choose_latent_size(dict(results), target)),
        Probe("train", f"train_and_evaluate(8, train_set, validation_set, seed={seed})",
              lambda m, i, e: m.train_and_evaluate(8, i.train_set(), i.validation_set(), seed=seed)),
        Probe("train inverted", f"train_and_evaluate(8, train_set, validation_set inverted, seed={seed})",
              lambda m, i, e: m.train_and_evaluate(8, i.train_set(), inverted(i.validation_set()), seed=seed)),
        Probe("train fewer", f"train_and_evaluate(8, the first {FEWER_IMAGES} images of train_set, validation_set, "
                             f"seed={seed})",
              lambda m, i, e: m.train_and_evaluate(8, first(i.train_set()), i.validation_set(), seed=seed)),
        Probe("sweep", f"sweep(train_set, validation_set, seed={seed})",
              lambda m, i, e: m.sweep(i.train_set(), i.validation_set(), seed=seed)),
        Probe("choice", f"choose_latent_size(sweep(train_set, validation_set, seed={seed}))",
              lambda m, i, e: m.choose_latent_size(e["sweep"]), needs="sweep"),
        Probe("report", f"train_and_evaluate(chosen size, train_set, test_set, seed={seed})",
              lambda m, i, e: m.train_and_evaluate(e["choice"], i.train_set(), i.test_set(), seed=seed),
              needs="choice"),
    ]
    return found
