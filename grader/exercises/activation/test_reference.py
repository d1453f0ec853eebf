"""Checks of the exercise "activation" against the reference solution (not in the students' copy)."""
import pytest

from grader.exercises import RELATIVE_TOLERANCE
from grader.checks import check, check_report_of_the_choice, constants_hint, show, within


@pytest.mark.points(1)
def test_comparison_matches_the_reference(run, ref):
    """every validation MSE of the comparison is within the tolerance of the reference's"""
    got = run.value("compare")
    expected = ref.value("compare")
    got = got if isinstance(got, dict) else {}
    off = [f"{name}: {show(got.get(name))} (reference {mse:.4f})" for name, mse in expected.items()
           if not within(got.get(name), mse)]
    check(not off, f"these validation MSEs of compare_activations(...) are more than {RELATIVE_TOLERANCE:.0%} away "
                   f"from the reference solution's, with the same data, seed and budget: {'; '.join(off)}"
                   + constants_hint(run, ref))


@pytest.mark.points(1)
def test_chosen_activation_matches_the_reference(run, ref):
    """the activation chosen from the comparison is the reference's"""
    got = run.value("choice")
    expected = ref.value("choice")
    check(got == expected, f"choose_activation(compare_activations(...)) returned {show(got)}; the answer is "
                           f"{expected!r}{constants_hint(run, ref)}")


@pytest.mark.points(1)
def test_test_mse_of_the_chosen_activation_matches_the_reference(run, ref):
    """the test MSE of the chosen activation is within the tolerance of the reference's"""
    check_report_of_the_choice(run, ref, "activation")
