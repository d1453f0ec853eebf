"""The Gradescope bundle: ``tools/autograder.py`` builds it, and its ``run_autograder`` grades what it should.

Each run unzips the bundle in a simulated Gradescope folder (``ROOT/source``), puts a submission in
``ROOT/submission`` and runs ``ROOT/source/run_autograder`` with this venv's Python, as Gradescope would run it
after ``setup.sh``. The reference records are cached in one folder for every run, so they are computed once.
"""
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from grader.registry import names

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "autograder.py"
TIME_LIMIT = 600  # seconds for one run of run_autograder (a cold one computes the reference records)
STUBS = REPO / "exercises"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The zip that ``tools/autograder.py`` writes."""
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    done = subprocess.run([sys.executable, str(TOOL), "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """The AE_CACHE_DIR of every run: the reference records are computed by the first."""
    return tmp_path_factory.mktemp("cache")


def unzip(bundle: Path, folder: Path) -> None:
    """Extract the bundle with the files' modes, as Gradescope's unzip does."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, folder))
            path.chmod(stat.S_IMODE(info.external_attr >> 16))


def autograde(bundle: Path, cache: Path, root: Path, submission: dict[str, Path], *args: str, container=(),
              **env: str):
    """``(results.json, the finished process)`` of run_autograder on the files ``submission`` (name -> file);
    ``container``: the command that runs it (``tools/container.py``'s), else it runs as it is."""
    unzip(bundle, root / "source")
    (root / "submission").mkdir(parents=True)
    for name, path in submission.items():
        shutil.copyfile(path, root / "submission" / name)
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
                   "AE_CACHE_DIR": str(cache), **env}
    done = subprocess.run([*container, str(root / "source" / "run_autograder"), *args], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=TIME_LIMIT)
    results = root / "results" / "results.json"
    assert results.is_file(), done.stdout + done.stderr
    return json.loads(results.read_text()), done


def python_files(folder: Path) -> dict[str, Path]:
    return {path.name: path for path in folder.glob("*.py")}


@pytest.fixture(scope="module")
def graded(bundle, cache, tmp_path_factory) -> dict:
    """results.json of the solutions and of the untouched stubs, by submission."""
    found = {}
    for name in ("solutions", "exercises"):
        results, done = autograde(bundle, cache, tmp_path_factory.mktemp(name) / "autograder",
                                  python_files(REPO / name))
        assert done.returncode == 0, done.stdout + done.stderr
        found[name] = results
    return found


def test_bundle_layout(bundle):
    with zipfile.ZipFile(bundle) as archive:
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    for name in ("_toc.yml", "pyproject.toml", "constraints.txt", "README.md", "solutions/grading.json",
                 "grader/gradescope.py", "grader/exercises/conftest.py", "data/MNIST/raw/train-images-idx3-ubyte"):
        assert name in modes
    assert not [name for name in modes if "__pycache__" in name or "/." in name
                or name.startswith((".", "exercises/", "dist/", "tests/"))]


def test_build_refusals(bundle, tmp_path):
    again = subprocess.run([sys.executable, str(TOOL), "--out", str(bundle)], capture_output=True, text=True)
    assert again.returncode == 1 and "--force" in again.stderr and len(again.stderr.splitlines()) == 1
    no_data = subprocess.run([sys.executable, str(TOOL), "--out", str(tmp_path / "autograder.zip")],
                             env={**os.environ, "AE_DATA_DIR": str(tmp_path)}, capture_output=True, text=True)
    assert no_data.returncode == 1 and "AE_DATA_DIR" in no_data.stderr and len(no_data.stderr.splitlines()) == 1
    assert not (tmp_path / "autograder.zip").exists()


def test_solutions_get_every_point(graded):
    results = graded["solutions"]
    assert results["score"] == sum(test["max_score"] for test in results["tests"]) > 0
    # What students see at once says nothing of the checks against the reference, not even that they passed.
    hidden = sum(test["visibility"] == "after_published" for test in results["tests"])
    assert sorted(results["output"].splitlines()) == sorted(
        [*(f"{exercise}: every public check passed" for exercise in names()),
         f"{hidden} checks against the reference solution are graded after the grades are published."])


def test_stubs_get_none(graded):
    results = graded["exercises"]
    assert results["score"] == 0 and all(test["score"] == 0 for test in results["tests"])
    assert "not implemented" in results["output"]


def test_results_shape(graded):
    for results in graded.values():
        assert {"score", "output", "tests"} <= set(results) and results["tests"]
        for test in results["tests"]:
            assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
            assert test["visibility"] in {"visible", "after_published"}
        assert {test["visibility"] for test in results["tests"]} == {"visible", "after_published"}
    maxima = {name: [test["max_score"] for test in results["tests"]] for name, results in graded.items()}
    assert maxima["solutions"] == maxima["exercises"]


def test_a_grader_that_dies_still_writes_results(bundle, tmp_path):
    """Killed (the container out of memory, say) before it wrote results.json: run_autograder writes one of zero
    points that says so, rather than Gradescope's "the autograder failed to execute"."""
    root = tmp_path / "autograder"
    unzip(bundle, root / "source")
    (root / "results").mkdir(parents=True)
    (root / "results" / "results.json").write_text('{"score": 40}')  # a stale one is not taken for this run's
    killed = tmp_path / "killed"
    killed.write_text("#!/bin/sh\nkill -9 $$\n")
    killed.chmod(0o755)
    done = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(killed)},
                          timeout=60)
    assert done.returncode == 137
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == [] and results["stdout_visibility"] == "hidden"
    assert "could not be graded" in results["output"] and "ran out of memory" in results["output"]


def test_user_isolation(bundle, cache):
    """Gradescope's containers have no bubblewrap: the submission runs as an unprivileged user, who cannot read
    the solutions."""
    if os.geteuid() != 0:
        pytest.skip("user isolation needs root")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    python = Path(sys.executable).resolve()
    if not all(os.stat(folder).st_mode & 0o001 for folder in python.parents):
        pytest.skip(f"{python} is not reachable by other users here (on Gradescope, setup.sh installs it so)")
    folder = Path(tempfile.mkdtemp(prefix="ae-autograder-"))  # outside pytest's folder, which nobody cannot pass
    try:
        hostile = REPO / "tests" / "submissions" / "imports_solutions" / "latent_size.py"
        submission = {**python_files(STUBS), "latent_size.py": hostile}
        results, done = autograde(bundle, cache, folder / "autograder", submission, "--isolation", "user",
                                  GRADER_SANDBOX_USER="nobody")
        assert done.returncode == 0, done.stdout + done.stderr
        assert results["score"] == 0 and "user isolation" in done.stdout
        assert "latent_size: importing latent_size.py failed" in results["output"]
        assert "activation: not implemented" in results["output"] and "denoising: not implemented" in results["output"]
        for private in (folder / "autograder/source/solutions", cache, folder / "autograder/results"):
            assert stat.S_IMODE(private.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(folder)


# --- Gradescope's default container: 768 MB and half a CPU -----------------------------------------------------


def in_default_container(bundle, cache, root: Path, submission: dict[str, Path]):
    """``(results.json, what tools/container.py measured)`` of run_autograder in a cgroup of Gradescope's default
    size; skipped, with tools/container.py's line, where no such cgroup can be made."""
    container = [sys.executable, str(REPO / "tools" / "container.py"), "--"]
    probe = subprocess.run([*container, "true"], capture_output=True, text=True, timeout=60)
    if probe.returncode == 3:
        pytest.skip(probe.stderr.strip())
    results, done = autograde(bundle, cache, root, submission, container=container)
    measured = json.loads(done.stderr.strip().splitlines()[-1])
    return results, measured, done


def test_gradescopes_default_container_grades_the_solutions(graded, bundle, cache, tmp_path):
    """768 MB and half a CPU for everything (the grading process holds no torch: the sandbox's process fits
    beside it), well inside Gradescope's default time limit of 10 minutes."""
    results, measured, done = in_default_container(bundle, cache, tmp_path / "autograder",
                                                   python_files(REPO / "solutions"))
    assert measured["status"] == 0 and measured["oom_kills"] == 0, (measured, done.stdout + done.stderr)
    assert results["score"] == graded["solutions"]["score"] > 0, results["output"]
    assert measured["seconds"] < 300, measured


def test_a_submission_out_of_memory_in_the_default_container_is_told_so(graded, bundle, cache, tmp_path):
    """The kernel kills the sandbox's process (oom_score_adj 1000), not the grader: results.json says which call
    ran out of memory, and the other exercises keep their points."""
    submission = python_files(REPO / "solutions")
    hog = tmp_path / "denoising.py"
    hog.write_text((REPO / "solutions" / "denoising.py").read_text() + "\n\n"
                   + (REPO / "tests" / "submissions" / "memory" / "denoising.after_solution.py").read_text())
    results, measured, done = in_default_container(bundle, cache, tmp_path / "autograder",
                                                   {**submission, "denoising.py": hog})
    assert measured["oom_kills"] >= 1 and measured["status"] == 0, (measured, done.stdout + done.stderr)
    assert "denoising: train_denoiser" in results["output"] and "ran out of memory" in results["output"], \
        results["output"]
    full = {test["name"]: test["max_score"] for test in graded["solutions"]["tests"]}
    for test in results["tests"]:
        if not test["name"].startswith("denoising"):
            assert test["score"] == full[test["name"]], test
