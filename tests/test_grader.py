"""The grader graded: a class of known submissions must get exactly the points they deserve.

One ``python -m ae.grade`` run grades the solutions, the untouched stubs and the faulty submissions of
``tests/submissions`` (see its README); every test below reads that run's CSV and Gradescope files.
"""
import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
TIME_LIMIT = 60  # per exercise: a hanging submission costs this long

# Points (latent_size, activation, denoising) out of (10, 10, 10), and a word the row's notes must hold.
EXPECTED = {
    "solutions": ((10, 10, 10), ""),
    "exercises": ((0, 0, 0), "not implemented"),
    # latent_size: sweep raises; its interface, seeding, choice and build checks pass (1+1+1+1+1).
    "raises": ((5, 0, 0), "ZeroDivisionError"),
    # activation: compare_activations never returns; the checks of get_activation and choose pass (1+2+1+1).
    "hangs": ((0, 5, 0), "time limit"),
    # denoising: train_denoiser exhausts memory; the five checks of the corruptions pass.
    "memory": ((0, 0, 5), "out of memory"),
    # activation: train_and_evaluate calls os._exit; the checks of the calls made before it pass (1+2+1+1).
    "exits": ((0, 5, 0), "exited"),
    "syntax_error": ((0, 0, 0), "SyntaxError"),
    # latent_size is right and prints fake results: full points; activation prints fake results only: zero.
    "fake_output": ((10, 0, 0), "NotImplementedError"),
    "imports_solutions": ((0, 0, 0), "does not let submissions read"),
    # latent_size: sweep replaces torch.manual_seed: the checks of the calls made before it pass (1+1+1+1+1);
    # activation replaces ae.evaluate on import: zero; denoising only reseeds the generators: full points.
    "tampers": ((5, 0, 10), "torch.manual_seed"),
    # every model has a code of 64: build's shape and its match, the sweep (2) and the choice fail.
    "wrong_latent_size": ((5, 0, 0), "checks failed"),
    # the largest size reaching the target: the fixed choices and the chosen size fail.
    "choose_largest": ((8, 0, 0), "checks failed"),
    # the target is noisy: masking gets worse (the sanity check fails) and both denoised MSEs miss the reference.
    "noise_in_target": ((0, 0, 7), "checks failed"),
    "noise_in_target_again": ((0, 0, 7), "checks failed"),
    # GELU's tanh approximation: only the check of the six functions' values fails.
    "wrong_gelu": ((0, 8, 0), "checks failed"),
}


def build(name: str, folder: Path) -> None:
    """Lay out the faulty submission ``name`` in ``folder`` (see tests/submissions/README.md)."""
    folder.mkdir(parents=True)
    for path in (SUBMISSIONS / name).glob("*.py"):
        exercise, _, kind = path.name.partition(".")
        if kind == "after_solution.py":
            text = (REPO / "solutions" / f"{exercise}.py").read_text() + "\n\n" + path.read_text()
            (folder / f"{exercise}.py").write_text(text)
        else:
            shutil.copy(path, folder / path.name)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The CSV rows (by submission) and the Gradescope folder of one grading of the whole class."""
    work = tmp_path_factory.mktemp("class")
    folders = []
    for name in EXPECTED:
        if name in ("solutions", "exercises"):
            shutil.copytree(REPO / name, work / name)
        else:
            build(name.removesuffix("_again"), work / name)
        folders.append(str(work / name))
    command = [sys.executable, "-m", "ae.grade", *folders, "--csv", str(work / "grades.csv"),
               "--gradescope", str(work / "gradescope"), "--jobs", "2", "--timeout", str(TIME_LIMIT)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(work / "grades.csv") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return rows, work / "gradescope", done.stdout


@pytest.mark.parametrize("name", EXPECTED)
def test_each_submission_gets_the_points_it_deserves(graded, name):
    rows, _, _ = graded
    row = rows[name]
    points, word = EXPECTED[name]
    assert (int(row["latent_size"]), int(row["activation"]), int(row["denoising"])) == points, row
    assert int(row["total"]) == sum(points) and int(row["max"]) == 30
    assert word in row["notes"], row["notes"]


def test_same_submission_same_points(graded):
    rows, _, _ = graded
    assert {k: v for k, v in rows["noise_in_target"].items() if k != "submission"} == \
           {k: v for k, v in rows["noise_in_target_again"].items() if k != "submission"}


def test_the_printed_table_has_one_row_per_submission(graded):
    _, _, printed = graded
    lines = printed.splitlines()
    assert lines[0].split()[:5] == ["submission", "latent_size", "activation", "denoising", "total"]
    assert [line.split()[0] for line in lines[1:]] == list(EXPECTED)


def test_gradescope_results_hold_every_check_with_its_points(graded):
    rows, folder, _ = graded
    for name in ("solutions", "wrong_gelu"):
        results = json.loads((folder / name / "results.json").read_text())
        assert results["score"] == int(rows[name]["total"])
        assert sum(test["score"] for test in results["tests"]) == results["score"]
        assert sum(test["max_score"] for test in results["tests"]) == 30
        assert all(set(test) == {"name", "score", "max_score", "output"} for test in results["tests"])
    tests = json.loads((folder / "wrong_gelu" / "results.json").read_text())["tests"]
    failed = [t for t in tests if t["name"].startswith("activation:") and t["score"] < t["max_score"]]
    assert len(failed) == 1 and "gelu" in failed[0]["output"] and failed[0]["max_score"] == 2


def test_student_self_check_says_what_is_expected():
    """``pytest tests/grading`` on the untouched stubs: zero points, and each failure points to the page."""
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "-k", "latent_size and not reference",
                           "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert "latent_size      0 / 6" in done.stdout and "total            0 / 6" in done.stdout
    assert "build_autoencoder(8, seed=0) raised NotImplementedError (it is not written yet)" in done.stdout
    assert "see book/exercises/latent_size.md" in done.stdout
    assert "Traceback" not in done.stdout


def test_a_missing_submission_folder_is_one_clear_error():
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "--submission", "no/such/folder"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 4
    assert "--submission no/such/folder: no such folder" in done.stderr
    done = subprocess.run([sys.executable, "-m", "ae.grade", "no/such/folder", "--csv", "grades.csv"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no/such/folder: no such folder" in done.stderr
