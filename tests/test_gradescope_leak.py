"""What Gradescope shows a student before the grades are published reveals no check against the reference solution.

Gradescope's specification (gradescope-autograders.readthedocs.io, "Autograder Specifications"): the top-level
``output`` is shown to students; a test is shown at once when its ``visibility`` is ``visible`` (the default),
``after_published`` only once the grades are published; "if test cases are hidden, students will not be able to
see their total score"; ``stdout`` is shown only as ``stdout_visibility`` says (the instructor alone when
``hidden``). The checks against the reference solution (``hidden`` in the report) carry the reference's numbers
for the instructor's seed in their messages: a student who resubmits must learn nothing of them, not even
whether they passed, before the grades are published.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader import reference
from grader.gradescope import results
from grader.report import Report

REPO = Path(__file__).resolve().parent.parent
KNOWN_FIELDS = {"score", "output", "stdout_visibility", "tests"}  # a new field must be judged here first
# The message of the leak: the first failed check of latent_size was a check against the reference.
REFERENCE_MESSAGE = ("these validation MSEs of sweep(...) are more than 10% away from the reference solution's, with "
                     "the same data, seed and budget: 2: 0.052075 (reference 0.0408); 4: 0.031 (reference 0.0302)")
REFERENCE_NUMBERS = ("0.0408", "0.0302")


def seen_before_publication(found: dict) -> list[str]:
    """Everything of a results.json that a student sees before the grades are published, as text."""
    assert set(found) <= KNOWN_FIELDS, f"judge what students see of {set(found) - KNOWN_FIELDS} first"
    default = found.get("visibility", "visible")
    tests = found.get("tests", [])
    visibility = [test.get("visibility", default) for test in tests]
    assert set(visibility) <= {"visible", "after_published"}
    seen = [found.get("output", "")]
    if found.get("stdout_visibility", "hidden") != "hidden":
        seen.append("<stdout: run_autograder's whole output>")
    if all(v == "visible" for v in visibility):  # the total is shown only when no test is hidden
        seen.append(f"total {found.get('score')}")
    seen += [json.dumps(test, sort_keys=True) for test, v in zip(tests, visibility) if v == "visible"]
    return seen


def check(exercise, name, points, max_points, message="", hidden=False):
    return {"name": name, "check": f"test_{name.replace(' ', '_')}", "exercise": exercise, "hidden": hidden,
            "max_points": max_points, "points": points, "message": message}


def report_of(reference_passed: bool, public_failed: bool = False) -> Report:
    """A report of two exercises, as grader.plugin writes it; its checks against the reference fail (with the
    reference's numbers in their messages) unless ``reference_passed``."""
    public_message = "sweep(...) must return a dict with one entry per latent size of GRID (2, 4)"
    checks = [check("latent_size", "sweep gives one MSE per size", 0 if public_failed else 1, 1,
                    public_message if public_failed else ""),
              check("latent_size", "same seed same numbers", 1, 1),
              check("latent_size", "sweep matches the reference", 2 if reference_passed else 0, 2,
                    "" if reference_passed else REFERENCE_MESSAGE, hidden=True),
              check("latent_size", "chosen size matches the reference", 1 if reference_passed else 0, 1,
                    "" if reference_passed else "choose_latent_size(sweep(...)) returned 16; the answer is 8",
                    hidden=True),
              check("activation", "get_activation computes the named function", 1, 1),
              check("activation", "comparison matches the reference", 2, 2, hidden=True)]
    checks.sort(key=lambda c: not c["hidden"])  # so that the "first" failed check of the reason is a hidden one
    exercises = {}
    for exercise in ("latent_size", "activation"):
        mine = [c for c in checks if c["exercise"] == exercise]
        failed = [c for c in mine if c["points"] < c["max_points"]]
        reason = f"{len(failed)} of {len(mine)} checks failed, first: {failed[0]['message']}" if failed else None
        exercises[exercise] = {"points": sum(c["points"] for c in mine),
                               "max_points": sum(c["max_points"] for c in mine), "reason": reason}
    return Report.from_json(json.dumps({"seed": 123, "isolation": "bwrap", "exercises": exercises, "checks": checks,
                                        "error": None}))


def assert_reveals_nothing_hidden(found: dict, report: Report, numbers) -> None:
    seen = "\n".join(seen_before_publication(found))
    for number in numbers:
        assert number not in seen, f"the reference's {number} is shown before publication"
    for hidden in (c for c in report.checks if c.hidden):
        assert hidden.name not in seen
        if hidden.message:
            assert hidden.message[:40] not in seen, "a hidden check's message is shown before publication"


@pytest.mark.parametrize("public_failed", [False, True], ids=["only reference checks fail", "a public one too"])
def test_nothing_seen_before_publication_depends_on_the_reference_checks(public_failed):
    failing, passing = report_of(False, public_failed), report_of(True, public_failed)
    found = results(failing)
    assert_reveals_nothing_hidden(found, failing, REFERENCE_NUMBERS)
    # Not even whether they passed: what a student sees is the same either way.
    assert seen_before_publication(found) == seen_before_publication(results(passing))
    # The reference checks' own messages stay in their tests, shown once the grades are published.
    hidden = [test for test in found["tests"] if test["visibility"] == "after_published"]
    assert len(hidden) == 3 and REFERENCE_MESSAGE in [test["output"] for test in hidden]
    assert found["score"] == failing.points and found["stdout_visibility"] == "hidden"
    assert "3 checks against the reference solution are graded after the grades are published" in found["output"]
    if public_failed:
        assert "latent_size: 1 of 2 public checks failed, first: sweep(...) must return a dict" in found["output"]
    else:
        assert "latent_size: every public check passed" in found["output"]


def test_a_failed_run_is_still_said_in_the_output():
    report = report_of(False, public_failed=True)
    report.exercises["latent_size"].reason = "not implemented"
    assert "latent_size: not implemented" in results(report)["output"]
    assert "activation: every public check passed" in results(report)["output"]


def test_a_grader_error_is_said_and_its_total_is_nothing():
    found = results(Report.failed("grader error: no submission"))
    assert found["output"] == "grader error: no submission" and found["score"] == 0 and found["tests"] == []


SCALED_SWEEP = '''

def sweep(train_set, test_set, grid=GRID, seed: int = 0) -> dict[int, float]:
    # An honest slip: every size but 8 (which a public check compares with train_and_evaluate) is off by 30 %.
    return {size: train_and_evaluate(size, train_set, test_set, seed) * (1 if size == 8 else 1.3) for size in grid}
'''


@pytest.mark.slow
def test_a_graded_submission_that_fails_only_reference_checks(tmp_path):
    """The same, on a real report: latent_size graded with the instructor's seed (grader.plugin's report)."""
    if not reference.available():
        pytest.skip("the reference checks need solutions/")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "latent_size.py").write_text((REPO / "solutions" / "latent_size.py").read_text() + SCALED_SWEEP)
    report_path = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "-k", "latent_size", "--submission",
                           str(submission), "--grading-report", str(report_path), "-q", "-p", "no:cacheprovider",
                           "-o", "addopts="], cwd=REPO, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"})
    assert report_path.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    report = Report.from_json(report_path.read_text())
    failed = [c for c in report.checks if c.points < c.max_points]
    assert failed and all(c.hidden for c in failed), [c.name for c in failed if not c.hidden]
    assert "reference" in report.exercises["latent_size"].reason  # the leak the issue found, in the report
    expected = reference.reference("latent_size", report.seed).value("sweep")
    numbers = [f"{mse:.4f}" for mse in expected.values()]
    assert any(number in c.message for c in failed for number in numbers)  # the hidden messages carry them
    found = results(report)
    assert_reveals_nothing_hidden(found, report, numbers)
    assert "latent_size: every public check passed" in found["output"]


def test_a_report_reads_back_what_it_wrote_and_refuses_anything_else():
    report = report_of(False, public_failed=True)
    report.exercises["activation"].output = "epoch 1: loss 0.05\n"
    again = Report.from_json(report.to_json())
    assert again == report and again.points == report.points == json.loads(report.to_json())["points"]
    assert Report.failed("grader error: x").points == 0
    for text in ("{}", "[]", '{"exercises": {"a": {"points": 1}}, "checks": [], "error": null, "isolation": null, '
                            '"seed": 0}', "not json"):
        with pytest.raises(ValueError, match="not a grading report"):
            Report.from_json(text)
