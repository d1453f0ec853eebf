"""``make release``: the students' copy leaves out the solutions and the checks that need them, and still works."""
import subprocess
import sys
from pathlib import Path

import pytest

from grader.registry import names

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("release") / "course"
    subprocess.run([sys.executable, "tools/release.py", str(target)], cwd=REPO, check=True, capture_output=True)
    return target


def test_the_copy_leaves_out_the_solutions_and_the_checks_that_need_them(copy):
    assert not (copy / "solutions").exists()
    assert not (copy / "tests" / "submissions").exists()
    assert not (copy / "tests" / "test_grader.py").exists()
    assert not (copy / "tests" / "test_autograder.py").exists() and not (copy / "grader" / "autograder").exists()
    assert not list((copy / "grader" / "exercises").glob("*/test_reference.py"))
    for name in names():
        assert (copy / "exercises" / f"{name}.py").read_text() == (REPO / "exercises" / f"{name}.py").read_text()
        assert (copy / "grader" / "exercises" / name / "test_public.py").is_file()
    assert "students' copy" in (copy / "README.md").read_text().split("## ")[0]


def test_the_copys_own_suite_collects(copy):
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=copy, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "tests/test_model.py" in done.stdout


def test_the_public_checks_of_the_copy_give_a_right_answer_full_points(copy):
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "--submission", str(REPO / "solutions"),
                           "-q", "-p", "no:cacheprovider"], cwd=copy, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "failed" not in done.stdout and "passed" in done.stdout
