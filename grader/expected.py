"""The expected results of the exercises, for their book pages: ``results/exercises.json``.

    python -m grader.expected [--out results/exercises.json] [--allow-dirty]

For each exercise it runs the reference solution (``solutions/``, in the instructor's copy only) on the public
inputs, as the grader computes its reference records, and writes the numbers the grader compares (within
``RELATIVE_TOLERANCE``), and the seconds that a student's ``pytest tests/grading -k <exercise>`` takes on a right
answer on this machine (the public checks, which are all the students' copy has). Where a page compares
settings, it also writes the same runs under the seeds ``SEEDS``, so that a difference is claimed only where it
exceeds the spread over seeds. The students' copy has no solutions but keeps the committed file, which the
exercise pages read.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

from ae.paths import course_root, results_dir

from .exercises import RELATIVE_TOLERANCE
from .probes import PUBLIC_SEED, Inputs
from .reference import SOLUTIONS, TIME_LIMIT
from .registry import names
from .sandbox import run_exercise

FILE = "exercises.json"
SEEDS = (0, 1, 2)  # the training seeds of the comparisons over seeds
REPORTED = {  # exercise: the probes whose values the page states, as the grader's reference records them
    "latent_size": ("constants", "sweep", "choice", "report"),
    "activation": ("constants", "compare", "choice", "report"),
    "denoising": ("constants", "report gaussian", "report mask"),
}


def reference_values(exercise: str) -> dict:
    """The values of the ``REPORTED`` probes of the reference solution on the public inputs."""
    run = run_exercise(SOLUTIONS, exercise, seed=PUBLIC_SEED, time_limit=TIME_LIMIT, isolation="none")
    if run.failure is not None:
        raise RuntimeError(f"the reference solution of {exercise} failed: {run.failure['message']}")
    return {probe: run.value(probe) for probe in REPORTED[exercise]}


def checks_seconds(exercise: str) -> float:
    """The seconds of ``pytest tests/grading -k <exercise>`` on the reference solution with the public inputs, as a
    student runs it in the students' copy (its public checks); RuntimeError unless every check passes."""
    command = [sys.executable, "-m", "pytest", "tests/grading", "-q", "-p", "no:cacheprovider", "-k",
               f"{exercise} and test_public", "--submission", str(SOLUTIONS), "--grading-seed", str(PUBLIC_SEED)]
    start = time.monotonic()
    done = subprocess.run(command, cwd=course_root(), capture_output=True, text=True, timeout=TIME_LIMIT)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise RuntimeError(f"the public checks of {exercise} failed on the reference solution:\n"
                           + done.stdout[-2000:])
    return round(seconds, 1)


def solution(exercise: str):
    """The module of the reference solution of ``exercise``."""
    spec = importlib.util.spec_from_file_location(f"solution_{exercise}", SOLUTIONS / f"{exercise}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def over_seeds(exercise: str) -> dict:
    """The comparisons of ``exercise`` on the public inputs under each seed of ``SEEDS``, run as the grader runs a
    probe (same seeds, one thread): ``{"sweep" or "compare": {seed: {setting: validation MSE}}}``."""
    from .child import reset_state

    inputs = Inputs(PUBLIC_SEED)
    module = solution(exercise)
    found = {}
    for seed in SEEDS:
        reset_state()
        if exercise == "latent_size":
            found.setdefault("sweep", {})[seed] = module.sweep(inputs.train_set(), inputs.validation_set(), seed=seed)
        elif exercise == "activation":
            found.setdefault("compare", {})[seed] = module.compare_activations(
                inputs.train_set(), inputs.validation_set(), names=module.NAMES, seed=seed)
    return found


def check_same(exercise: str, values: dict, seeds: dict) -> None:
    """RuntimeError unless the runs of seed 0 give exactly the reference records (the same code, the same numbers)."""
    for probe, runs in seeds.items():
        recorded = values[probe]
        again = {setting: runs[PUBLIC_SEED][setting] for setting in recorded}
        if again != recorded:
            raise RuntimeError(f"{exercise}: {probe} under seed {PUBLIC_SEED} gave {again} here, but {recorded} in "
                               "the grader's run: the reference solution is not reproducible")


def expected(command: str) -> dict:
    """The result written to ``results/exercises.json``: provenance, tolerance, and per exercise its values."""
    import torch

    from ae.results import provenance

    result = {**provenance(command, torch.device("cpu")), "tolerance": RELATIVE_TOLERANCE, "seeds": list(SEEDS),
              "exercises": {}}
    for exercise in names():
        values, seconds = reference_values(exercise), checks_seconds(exercise)
        seeds = over_seeds(exercise)
        check_same(exercise, values, seeds)
        result["exercises"][exercise] = {"seconds": seconds, "reference": values, "over_seeds": seeds}
        print(f"{exercise}: its checks took {seconds:.1f} s; {values}", flush=True)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.expected", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None, help=f"the JSON file to write (default: results/{FILE}, or "
                                                    f"$AE_RESULTS_DIR/{FILE})")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="write even from a git tree with uncommitted changes (the file records \"dirty\": true)")
    args = parser.parse_args(argv)
    if not SOLUTIONS.is_dir():
        parser.exit(2, "python -m grader.expected needs the reference solutions (solutions/), which only the "
                       f"instructor's copy has; this copy's pages read the committed results/{FILE}\n")
    from ae.results import DirtyTree, tree_is_dirty, write_result

    if tree_is_dirty() and not args.allow_dirty:
        parser.exit(2, "python -m grader.expected: the git tree has uncommitted changes, so the result's commit "
                       "would not say what produced it: commit them first, or pass --allow-dirty\n")
    out = Path(args.out) if args.out else results_dir() / FILE
    command = "python -m grader.expected" + (f" --out {args.out}" if args.out else "")
    command += " --allow-dirty" * args.allow_dirty
    start = time.monotonic()
    result = expected(command)
    try:
        print(f"written to {write_result(out, result, allow_dirty=args.allow_dirty)} "
              f"in {time.monotonic() - start:.0f} s")
    except DirtyTree as error:
        parser.exit(2, f"python -m grader.expected: {error}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
