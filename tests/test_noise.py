import math

import pytest
import torch
from torch import nn

import ae
from ae import HParams, TensorLoader
from ae.noise import ErasedSquare, SaltAndPepper, denoising_mse, psnr


def gray(n=4):
    return torch.full((n, 1, 28, 28), 0.5)


def test_salt_and_pepper_is_reproducible_and_leaves_its_input_alone():
    images = torch.rand(8, 1, 28, 28)
    before = images.clone()
    noisy = SaltAndPepper(0.3, seed=3)(images)
    assert torch.equal(images, before)
    assert noisy.shape == images.shape and noisy.dtype == images.dtype
    assert torch.equal(noisy, SaltAndPepper(0.3, seed=3)(images))
    assert not torch.equal(noisy, SaltAndPepper(0.3, seed=4)(images))


def test_salt_and_pepper_replaces_the_asked_fraction_by_white_or_black_with_even_odds():
    noisy = SaltAndPepper(0.4, seed=1)(gray(50))
    replaced = noisy != 0.5
    assert replaced.float().mean().item() == pytest.approx(0.4, abs=0.01)
    assert set(noisy[replaced].unique().tolist()) == {0.0, 1.0}
    assert (noisy[replaced] == 1).float().mean().item() == pytest.approx(0.5, abs=0.02)
    assert torch.equal(SaltAndPepper(0)(gray()), gray())
    assert set(SaltAndPepper(1)(gray()).unique().tolist()) == {0.0, 1.0}


def test_successive_calls_draw_new_noise():
    corrupt = SaltAndPepper(0.3)
    assert not torch.equal(corrupt(gray()), corrupt(gray()))


def test_erased_square_sets_one_square_per_image_to_zero_and_keeps_the_rest():
    images = torch.rand(50, 1, 28, 28) * 0.9 + 0.1
    erased = ErasedSquare(5, seed=1)(images)
    zeroed = erased == 0
    assert torch.equal(erased[~zeroed], images[~zeroed])
    assert (zeroed.sum(dim=(1, 2, 3)) == 25).all()
    for square in zeroed[:, 0]:
        rows, cols = square.any(dim=1).nonzero().flatten(), square.any(dim=0).nonzero().flatten()
        assert rows.tolist() == list(range(rows[0], rows[0] + 5)) and cols.tolist() == list(range(cols[0], cols[0] + 5))
    corners = {tuple(square.nonzero()[0].tolist()) for square in zeroed[:, 0]}
    assert len(corners) > 10  # a new place for each image
    assert torch.equal(erased, ErasedSquare(5, seed=1)(images))
    assert torch.equal(ErasedSquare(5, seed=1)(images[:, 0]), erased[:, 0])  # (N, 28, 28) images too
    assert (ErasedSquare(28)(images) == 0).all()
    assert str(SaltAndPepper(0.125)) == "salt and pepper 12.5%" and str(ErasedSquare(12)) == "erased square 12×12"


@pytest.mark.parametrize("make, message", [
    (lambda: SaltAndPepper(-0.1), "fraction must be a number in \\[0, 1\\]"),
    (lambda: SaltAndPepper(float("nan")), "fraction must be a number in \\[0, 1\\]"),
    (lambda: SaltAndPepper(True), "fraction must be a number in \\[0, 1\\]"),
    (lambda: SaltAndPepper(1.5), "fraction must be a number in \\[0, 1\\]"),
    (lambda: ErasedSquare(0), "size must be a whole number of pixels from 1 to 28"),
    (lambda: ErasedSquare(2.5), "size must be a whole number of pixels from 1 to 28"),
    (lambda: SaltAndPepper(0.5, seed=-1), "seed must be a non-negative integer"),
])
def test_bad_settings_are_refused_with_a_clear_message(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_integer_images_are_refused_with_a_fix():
    with pytest.raises(ValueError, match=r"float images .* got torch.uint8: convert them with \.float\(\)\.div\(255\)"):
        SaltAndPepper(0.2)(torch.zeros(1, 28, 28, dtype=torch.uint8))


def test_flat_images_are_refused_by_the_erased_square():
    with pytest.raises(ValueError, match=r"needs images of shape \(N, 28, 28\) or \(N, 1, 28, 28\), got \(2, 784\)"):
        ErasedSquare(4)(torch.rand(2, 784))


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
    scores = denoising_mse({"identity": nn.Identity(), "model": model}, loader, SaltAndPepper(0.4, seed=7))
    assert list(scores) == ["noisy input", "identity", "model"]
    assert scores["identity"] == pytest.approx(scores["noisy input"])
    corrupt = SaltAndPepper(0.4, seed=7)
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
                    progress=False, log=None, corrupt=SaltAndPepper(0.3))
    scores = denoising_mse({"denoiser": model}, test_loader, SaltAndPepper(0.3, seed=1))
    assert scores["denoiser"] < 0.6 * scores["noisy input"]
    assert logs["test_loss"][-1] < logs["test_loss"][0]


def test_fit_passes_corrupt_on_to_training():
    class Called(Exception):
        pass

    def corrupt(images):
        raise Called

    with pytest.raises(Called):
        ae.fit(HParams(latent_size=4, hidden=(8,), epochs=1), progress=False, log=None, corrupt=corrupt)
