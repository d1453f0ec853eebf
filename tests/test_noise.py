import math

import pytest
import torch
from torch import nn

import ae
from ae import HParams, TensorLoader
from ae.noise import GaussianNoise, Masking, denoising_mse, psnr


def gray(n=4):
    return torch.full((n, 1, 28, 28), 0.5)


def test_gaussian_noise_is_reproducible_clipped_and_leaves_its_input_alone():
    images = torch.rand(8, 1, 28, 28)
    before = images.clone()
    noisy = GaussianNoise(0.5, seed=3)(images)
    assert torch.equal(images, before)
    assert noisy.shape == images.shape and noisy.min() >= 0 and noisy.max() <= 1
    assert torch.equal(noisy, GaussianNoise(0.5, seed=3)(images))
    assert not torch.equal(noisy, GaussianNoise(0.5, seed=4)(images))


def test_gaussian_noise_has_the_asked_standard_deviation():
    noisy = GaussianNoise(0.1)(gray(50))
    assert (noisy - 0.5).std().item() == pytest.approx(0.1, rel=0.02)
    assert torch.equal(GaussianNoise(0)(gray()), gray())


def test_successive_calls_draw_new_noise():
    corrupt = GaussianNoise(0.3)
    assert not torch.equal(corrupt(gray()), corrupt(gray()))


def test_masking_zeroes_the_asked_fraction_and_keeps_the_other_pixels():
    images = torch.rand(50, 1, 28, 28) * 0.9 + 0.1
    masked = Masking(0.3, seed=1)(images)
    zeroed = masked == 0
    assert zeroed.float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert torch.equal(masked[~zeroed], images[~zeroed])
    assert torch.equal(masked, Masking(0.3, seed=1)(images))
    assert str(Masking(0.125)) == "masking 12.5%" and str(GaussianNoise(0.5)) == "Gaussian σ = 0.5"


@pytest.mark.parametrize("make, message", [
    (lambda: GaussianNoise(-0.1), "std must be a non-negative number"),
    (lambda: GaussianNoise(float("nan")), "std must be a non-negative number"),
    (lambda: GaussianNoise(True), "std must be a non-negative number"),
    (lambda: Masking(1.0), "fraction must be a number in \\[0, 1\\)"),
    (lambda: Masking("half"), "fraction must be a number in \\[0, 1\\)"),
    (lambda: Masking(0.5, seed=-1), "seed must be a non-negative integer"),
])
def test_bad_settings_are_refused_with_a_clear_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_integer_images_are_refused_with_a_fix():
    with pytest.raises(ValueError, match=r"float images .* got torch.uint8: convert them with \.float\(\)\.div\(255\)"):
        GaussianNoise(0.2)(torch.zeros(1, 28, 28, dtype=torch.uint8))


def test_psnr_of_images_in_the_unit_range():
    assert psnr(0.01) == pytest.approx(20.0)
    assert psnr(1.0) == 0.0
    assert psnr(0.002) == pytest.approx(10 * math.log10(500))
    assert psnr(0.0) == math.inf
    with pytest.raises(ValueError, match="mse must be a non-negative number, got -0.1"):
        psnr(-0.1)


def test_denoising_mse_scores_every_model_on_the_same_noisy_batches(small):
    loader = TensorLoader(small[1], batch_size=128, shuffle=False)
    model, _, _ = ae.reset(HParams(latent_size=8, hidden=(32,)))
    scores = denoising_mse({"identity": nn.Identity(), "model": model}, loader, GaussianNoise(0.4, seed=7))
    assert list(scores) == ["noisy input", "identity", "model"]
    assert scores["identity"] == pytest.approx(scores["noisy input"])
    corrupt = GaussianNoise(0.4, seed=7)
    pairs = [(corrupt(images), images) for images, _ in loader]
    with torch.no_grad():
        noisy_error = sum(((noisy - images) ** 2).sum().item() for noisy, images in pairs)
        model_error = sum(((model(noisy) - images) ** 2).sum().item() for noisy, images in pairs)
    assert scores["noisy input"] == pytest.approx(noisy_error / loader.images.numel(), rel=1e-5)
    assert scores["model"] == pytest.approx(model_error / loader.images.numel(), rel=1e-5)


# The optional ``corrupt`` argument of ae.train.train / evaluate / fit (the denoising autoencoder).

def small_run(small, corrupt=None, epochs=1):
    model, criterion, optimizer = ae.reset(HParams(latent_size=8, hidden=(32,)))
    train_loader = TensorLoader(small[0], batch_size=250, seed=0)
    test_loader = TensorLoader(small[1], batch_size=250, shuffle=False)
    logs = ae.train(model, criterion, optimizer, train_loader, test_loader, epochs, progress=False, log=None,
                    corrupt=corrupt)
    return model, logs


def test_train_with_an_identity_corruption_is_plain_training(small):
    _, plain = small_run(small)
    _, identity = small_run(small, corrupt=lambda images: images)
    del plain["seconds"], identity["seconds"]  # times, the one thing that may differ
    assert plain == identity


def test_train_corrupts_every_training_and_test_batch(small):
    seen = []

    def corrupt(images):
        seen.append(len(images))
        return images

    small_run(small, corrupt, epochs=2)
    assert seen == [250] * 8 + [250] * 2 + [250] * 8 + [250] * 2


def test_evaluate_compares_the_output_of_the_corrupted_input_with_the_clean_images(small):
    model, _ = small_run(small)
    loader = TensorLoader(small[1], batch_size=100, shuffle=False)
    mse, accuracy = ae.evaluate(model, loader, corrupt=torch.zeros_like)
    with torch.no_grad():
        output = model(torch.zeros_like(loader.images))
    assert mse == pytest.approx(torch.mean((output - loader.images) ** 2).item(), rel=1e-5)
    assert accuracy == pytest.approx(ae.pixel_accuracy(output, loader.images).item(), rel=1e-5)
    assert mse > ae.evaluate(model, loader)[0]


def test_a_denoiser_learns_to_remove_noise(small):
    model, criterion, optimizer = ae.reset(HParams(latent_size=16, hidden=(64,), lr=3e-3))
    test_loader = TensorLoader(small[1], batch_size=250, shuffle=False)
    logs = ae.train(model, criterion, optimizer, TensorLoader(small[0], batch_size=50), test_loader, 4,
                    progress=False, log=None, corrupt=GaussianNoise(0.5))
    scores = denoising_mse({"denoiser": model}, test_loader, GaussianNoise(0.5, seed=1))
    assert scores["denoiser"] < 0.6 * scores["noisy input"]
    assert logs["test_loss"][-1] < logs["test_loss"][0]


def test_fit_passes_corrupt_on_to_training():
    class Called(Exception):
        pass

    def corrupt(images):
        raise Called

    with pytest.raises(Called):
        ae.fit(HParams(latent_size=4, hidden=(8,), epochs=1), progress=False, log=None, corrupt=corrupt)
