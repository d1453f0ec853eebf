"""Exercise "denoising": the probes of ``denoising.py`` and the fixed inputs of its checks."""
from __future__ import annotations

from ...probes import Probe, describe_model, inverted

TITLE = "an autoencoder that removes noise"
FUNCTIONS = ("gaussian_noise", "mask_noise", "train_denoiser", "denoising_mse")

CORRUPTIONS = {"gaussian": "gaussian_noise", "mask": "mask_noise"}
LEVELS = {"gaussian": 0.5, "mask": 0.5}  # std, masked fraction: the calls on real images
GRAY_LEVELS = {"gaussian": 0.2, "mask": 0.3}  # the calls on a gray image, whose statistics are checked


def corruption_calls(corrupt, images, level, generator, seed: int):
    """The input before and after three calls of ``corrupt``, and their outputs: ``seed``, ``seed`` again, another."""
    before = images.clone()
    outputs = [corrupt(images, level, generator(s)) for s in (seed, seed, seed + 1)]
    return {"input": before, "input_after": images, "output": outputs[0], "same_seed": outputs[1],
            "other_seed": outputs[2]}


def probes(seed: int) -> list[Probe]:
    """The calls on a submission, in order, for the inputs drawn with ``seed``."""
    found = [Probe("constants", "NOISE_STD, MASK_FRACTION and BUDGET",
                   lambda m, i, e: {"NOISE_STD": m.NOISE_STD, "MASK_FRACTION": m.MASK_FRACTION,
                                    "BUDGET": m.BUDGET.asdict()})]
    for kind, function in CORRUPTIONS.items():
        level, gray = LEVELS[kind], GRAY_LEVELS[kind]
        found += [
            Probe(kind, f"{function}(images, {level}, generator) with generators seeded {seed}, {seed} and {seed + 1}",
                  lambda m, i, e, f=function, level=level: corruption_calls(getattr(m, f), i.images(), level,
                                                                            i.generator, seed)),
            Probe(f"{kind} gray", f"{function}(gray images, {gray}, generator)",
                  lambda m, i, e, f=function, g=gray: getattr(m, f)(i.gray(), g, i.generator(seed))),
            Probe(f"{kind} none", f"{function}(images, 0.0, generator)",
                  lambda m, i, e, f=function: getattr(m, f)(i.images(), 0.0, i.generator(seed))),
            Probe(f"{kind} default generator", f"{function}(images, {level})",
                  lambda m, i, e, f=function, level=level: getattr(m, f)(i.images(), level)),
        ]
    found += [
        Probe("mask all", "mask_noise(images, 1.0, generator)",
              lambda m, i, e: m.mask_noise(i.images(), 1.0, i.generator(seed))),
        Probe("train unknown", f"train_denoiser(train_set, 'salt', seed={seed})",
              lambda m, i, e: m.train_denoiser(i.train_set(), "salt", seed=seed)),
    ]
    for kind in CORRUPTIONS:
        found += [
            Probe(f"train {kind}", f"train_denoiser(train_set, {kind!r}, seed={seed})",
                  lambda m, i, e, k=kind: m.train_denoiser(i.train_set(), k, seed=seed),
                  show=lambda model, i: describe_model(model, i.images())),
            Probe(f"report {kind}", f"denoising_mse(model, test_set, {kind!r}, seed={seed})",
                  lambda m, i, e, k=kind: m.denoising_mse(e[f"train {k}"], i.test_set(), k, seed=seed),
                  needs=f"train {kind}"),
        ]
    found.append(Probe("report gaussian inverted", f"denoising_mse(model, test_set inverted, 'gaussian', seed={seed})",
                       lambda m, i, e: m.denoising_mse(e["train gaussian"], inverted(i.test_set()), "gaussian",
                                                       seed=seed),
                       needs="train gaussian"))
    return found
