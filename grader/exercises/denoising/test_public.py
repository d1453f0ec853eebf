"""Public checks of the exercise "denoising": its interface and behaviour, no reference solution needed."""
import numpy as np
import pytest

from grader.probes import SAMPLE_IMAGES
from grader.exercises.denoising import GRAY_LEVELS, LEVELS
from grader.checks import check, is_number, is_tensor, same, show

IMAGES = (SAMPLE_IMAGES, 1, 28, 28)
FUNCTIONS = {"gaussian": "gaussian_noise", "mask": "mask_noise"}


def corruption(run, kind: str) -> dict:
    """The calls of one corruption on the sample images, after checking that it returns new images."""
    facts = run.value(kind)
    call = f"{FUNCTIONS[kind]}(images, {LEVELS[kind]}, generator)"
    output, images = facts["output"], facts["input"]
    check(is_tensor(output, IMAGES) and output.dtype == images.dtype,
          f"{call} must return a tensor like its input (shape {IMAGES}, {images.dtype}); it returned {show(output)}")
    check(same(facts["input_after"], images, atol=0),
          f"{call} changed its input: it must leave `images` as they are and return new images (no in-place "
          "operations such as add_ or clamp_ on them)")
    check(not same(output, images), f"{call} returned its input unchanged: it must corrupt it")
    return facts


def check_reproducible(run, kind: str, facts: dict) -> None:
    name = FUNCTIONS[kind]
    check(same(facts["same_seed"], facts["output"], atol=0),
          f"{name}(images, level, generator) must give the same images for two generators seeded alike: draw "
          "every random number from `generator`")
    check(not same(facts["other_seed"], facts["output"]),
          f"{name}(images, level, generator) must give other images for a generator with another seed")
    default = run.value(f"{kind} default generator")
    check(is_tensor(default, IMAGES), f"{name}(images, level) without a generator must work too (use torch's global "
                                      f"generator); it returned {show(default)}")


@pytest.mark.points(1)
def test_gaussian_noise_returns_new_noisy_images_in_range(run):
    """gaussian_noise returns new images in [0, 1] and leaves its input alone"""
    output = corruption(run, "gaussian")["output"]
    check(output.min() >= 0 and output.max() <= 1, "gaussian_noise must clip its output to [0, 1]; its values "
                                                    f"range from {output.min():.3f} to {output.max():.3f}")


@pytest.mark.points(1)
def test_gaussian_noise_is_reproducible(run):
    """gaussian_noise depends on its generator only, and std 0 changes nothing"""
    facts = corruption(run, "gaussian")
    check_reproducible(run, "gaussian", facts)
    check(same(run.value("gaussian none"), facts["input"]), "gaussian_noise(images, 0.0, generator) must return the "
                                                           "images unchanged (no noise at all)")


@pytest.mark.points(1)
def test_gaussian_noise_has_the_asked_standard_deviation(run):
    """on a gray image, the noise has mean 0 and the standard deviation asked for"""
    std = GRAY_LEVELS["gaussian"]
    output = run.value("gaussian gray")
    check(is_tensor(output, IMAGES), f"gaussian_noise(gray, {std}, generator) returned {show(output)}")
    noise = output.astype(np.float64) - 0.5
    check(abs(noise.mean()) < 0.02 and abs(noise.std(ddof=1) - std) < 0.02,
          f"gaussian_noise(images of 0.5, {std}, generator) must add noise of mean 0 and standard deviation {std}; "
          f"the noise it added has mean {noise.mean():.3f} and standard deviation {noise.std(ddof=1):.3f}")


@pytest.mark.points(1)
def test_mask_noise_sets_a_fraction_of_pixels_to_zero(run):
    """mask_noise sets pixels to 0, keeps the others, and masks the fraction asked for"""
    facts = corruption(run, "mask")
    output, images = facts["output"], facts["input"]
    kept = np.abs(output - images) < 1e-6
    check(bool(((output == 0) | kept).all()), "mask_noise must set pixels to 0 and leave the others exactly as they "
                                              "were; some pixels got other values")
    fraction = GRAY_LEVELS["mask"]
    gray = run.value("mask gray")
    check(is_tensor(gray, IMAGES), f"mask_noise(gray, {fraction}, generator) returned {show(gray)}")
    masked = float((gray == 0).mean())
    check(abs(masked - fraction) < 0.03, f"mask_noise(images, {fraction}, generator) must set about {fraction:.0%} "
                                         f"of the pixels to 0; it set {masked:.1%}")


@pytest.mark.points(1)
def test_mask_noise_is_reproducible(run):
    """mask_noise depends on its generator only; fraction 0 masks nothing, fraction 1 everything"""
    facts = corruption(run, "mask")
    check_reproducible(run, "mask", facts)
    check(same(run.value("mask none"), facts["input"]), "mask_noise(images, 0.0, generator) must return the images "
                                                       "unchanged")
    everything = run.value("mask all")
    check(is_tensor(everything, IMAGES) and bool((everything == 0).all()),
          "mask_noise(images, 1.0, generator) must set every pixel to 0")


@pytest.mark.points(1)
def test_train_denoiser_returns_an_autoencoder(run):
    """train_denoiser returns a model of images to images, and rejects unknown corruptions"""
    error = run.error("train unknown")
    check(error is not None and error["type"] == "ValueError",
          "train_denoiser(train_set, 'salt') must raise ValueError (an unknown kind of corruption), before training; "
          + (f"it raised {error['type']}" if error else "it returned a model"))
    for kind in LEVELS:
        facts = run.value(f"train {kind}")
        check(facts["is_module"], f"train_denoiser(train_set, {kind!r}) must return the trained torch.nn.Module, "
                                  f"not a {facts['type']}")
        output = facts["output"]
        check(is_tensor(output, IMAGES) and output.min() >= 0 and output.max() <= 1,
              f"the model of train_denoiser(train_set, {kind!r}) must map images {IMAGES} to images of the same "
              f"shape with pixels in [0, 1]; it returned {show(output)}")


@pytest.mark.points(1)
def test_denoising_mse_reports_less_error_after_denoising(run):
    """denoising_mse reports the noisy and the denoised MSE on the test_set it is given, and the denoiser lowers
    it"""
    for kind in LEVELS:
        report = run.value(f"report {kind}")
        call = f"denoising_mse(model, test_set, {kind!r})"
        check(isinstance(report, dict) and all(is_number(report.get(key)) for key in ("noisy", "denoised")),
              f"{call} must return {{'noisy': float, 'denoised': float}}; it returned {show(report)}")
        check(report["denoised"] < report["noisy"],
              f"{call} reports a denoised MSE ({report['denoised']:.4f}) no lower than the noisy one "
              f"({report['noisy']:.4f}): the model must learn to map corrupted images to the clean ones (the "
              "target of the loss is the clean batch)")
    measured, inverted = run.value("report gaussian")["denoised"], run.value("report gaussian inverted")
    denoised = inverted.get("denoised") if isinstance(inverted, dict) else None
    check(is_number(denoised) and denoised > 2 * measured,
          f"the test_set argument was ignored: denoising_mse(model, test_set, 'gaussian') gave a denoised MSE of "
          f"{show(denoised)} when test_set's images were inverted (black digits on white), and {measured:.4f} for "
          "the images themselves, while a denoiser trained on MNIST reconstructs inverted images far worse; measure "
          "on the images of test_set")
