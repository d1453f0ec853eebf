"""Checks of the exercise "latent size" against the reference solution (not in the students' copy)."""
import pytest

from grader.exercises import RELATIVE_TOLERANCE
from grader.checks import check, check_report_of_the_choice, constants_hint, same, show, within


@pytest.mark.points(1)
def test_build_autoencoder_matches_the_reference(run, ref):
    """build_autoencoder(8, seed=s) is the reference's model, weight for weight"""
    got = run.value("build")
    expected = ref.value("build")
    check(got["is_module"] and same(got.get("output"), expected["output"]),
          "build_autoencoder(8, seed=s) must compute what the reference computes: an ae.Net with latent size 8 and "
          "the book's hidden width (256,), created right after seeding with `seed` (as ae.reset does)")


@pytest.mark.points(1)
def test_sweep_matches_the_reference(run, ref):
    """every validation MSE of the sweep is within the tolerance of the reference's"""
    got = run.value("sweep")
    expected = ref.value("sweep")
    got = got if isinstance(got, dict) else {}
    off = [f"{size}: {show(got.get(size))} (reference {mse:.4f})" for size, mse in expected.items()
           if not within(got.get(size), mse)]
    check(not off, f"these validation MSEs of sweep(...) are more than {RELATIVE_TOLERANCE:.0%} away from the "
                   f"reference solution's, with the same data, seed and budget: {'; '.join(off)}"
                   + constants_hint(run, ref))


@pytest.mark.points(1)
def test_chosen_latent_size_matches_the_reference(run, ref):
    """the latent size chosen from the sweep is the reference's"""
    got = run.value("choice")
    expected = ref.value("choice")
    check(got == expected, f"choose_latent_size(sweep(...)) returned {show(got)}; with the exercise's GRID, "
                           f"TARGET_MSE and BUDGET the answer is {expected}{constants_hint(run, ref)}")


@pytest.mark.points(1)
def test_test_mse_of_the_chosen_size_matches_the_reference(run, ref):
    """the test MSE of the chosen latent size is within the tolerance of the reference's"""
    check_report_of_the_choice(run, ref, "latent size")
