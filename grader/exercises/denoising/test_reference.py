"""Checks of the exercise "denoising" against the reference solution (not in the students' copy)."""
import pytest

from grader.exercises import RELATIVE_TOLERANCE
from grader.exercises.denoising import LEVELS
from grader.checks import check, constants_hint, show, within


def compare(run, ref, kind: str, key: str) -> None:
    got = run.value(f"report {kind}")
    expected = ref.value(f"report {kind}")[key]
    value = got.get(key) if isinstance(got, dict) else None
    check(within(value, expected),
          f"denoising_mse(model, test_set, {kind!r}) reports a {key} MSE of {show(value)}; the reference solution's "
          f"is {expected:.4f}, and the tolerance {RELATIVE_TOLERANCE:.0%}{constants_hint(run, ref)}")


@pytest.mark.points(1)
def test_noisy_mse_matches_the_reference(run, ref):
    """the MSE of the corrupted test images is within the tolerance of the reference's"""
    for kind in LEVELS:
        compare(run, ref, kind, "noisy")


@pytest.mark.points(1)
def test_gaussian_denoiser_matches_the_reference(run, ref):
    """the denoised test MSE under Gaussian noise is within the tolerance of the reference's"""
    compare(run, ref, "gaussian", "denoised")


@pytest.mark.points(1)
def test_mask_denoiser_matches_the_reference(run, ref):
    """the denoised test MSE under masking is within the tolerance of the reference's"""
    compare(run, ref, "mask", "denoised")
