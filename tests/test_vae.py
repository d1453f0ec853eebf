import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import ae  # noqa: E402
from ae import TensorLoader, vae  # noqa: E402


def test_the_vae_gives_a_reconstruction_a_mean_and_a_log_variance():
    model = vae.VAE(latent_size=3, hidden=(32,))
    images = torch.rand(5, 1, 28, 28)
    output, mean, log_variance = model(images)
    assert output.shape == (5, 784) and mean.shape == log_variance.shape == (5, 3)
    assert output.min() >= 0 and output.max() <= 1
    assert torch.equal(torch.stack(model.encode(images)), torch.stack((mean, log_variance)))


def test_the_vae_checks_its_sizes_like_the_autoencoder():
    with pytest.raises(ValueError, match="latent_size must be a positive integer"):
        vae.VAE(latent_size=0)


def test_reparameterisation_samples_around_the_mean_and_lets_gradients_through():
    torch.manual_seed(0)
    model = vae.VAE(latent_size=2, hidden=(16,))
    with torch.no_grad():
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.copy_(torch.tensor([1.0, -2.0, 2 * torch.log(torch.tensor(0.5)), 0.0]))
    codes = []
    model.decoder.register_forward_hook(lambda module, inputs, output: codes.append(inputs[0]))
    output, _, _ = model(torch.rand(4000, 784))
    z = codes[0]
    assert z[:, 0].mean().item() == pytest.approx(1.0, abs=0.05) and z[:, 0].std().item() == pytest.approx(0.5, abs=0.03)
    assert z[:, 1].mean().item() == pytest.approx(-2.0, abs=0.05) and z[:, 1].std().item() == pytest.approx(1.0, abs=0.05)
    output.sum().backward()
    assert model.encoder[-1].bias.grad.abs().min() > 0


def test_elbo_terms_are_the_summed_cross_entropy_and_the_gaussian_kl():
    torch.manual_seed(1)
    model = vae.VAE(latent_size=4, hidden=(16,))
    images = torch.rand(6, 1, 28, 28)
    torch.manual_seed(2)
    terms = vae.elbo_terms(model(images), images)
    reconstruction, kl = terms["reconstruction"], terms["kl"]
    torch.manual_seed(2)
    output, mean, log_variance = model(images)
    expected_kl = 0.5 * (mean**2 + log_variance.exp() - log_variance - 1).sum(dim=1).mean()
    expected_reconstruction = F.binary_cross_entropy(output, images.reshape(6, 784), reduction="none").sum(1).mean()
    assert reconstruction.item() == pytest.approx(expected_reconstruction.item(), rel=1e-5)
    assert kl.item() == pytest.approx(expected_kl.item(), rel=1e-5)


def test_on_grey_levels_a_perfect_reconstruction_still_costs_the_entropy_of_the_pixels():
    images = torch.tensor([[0.0, 1.0, 0.5, 0.5]])
    output = (images, torch.zeros(1, 2), torch.zeros(1, 2))  # the images themselves, codes equal to the prior
    terms = vae.elbo_terms(output, images)
    assert terms["reconstruction"].item() == pytest.approx(2 * torch.log(torch.tensor(2.0)).item(), rel=1e-6)
    assert terms["kl"].item() == 0
    binary = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    assert vae.elbo_terms((binary, torch.zeros(1, 2), torch.zeros(1, 2)), binary)["reconstruction"].item() == 0


def test_the_kl_term_is_zero_when_the_code_is_the_prior():
    model = vae.VAE(latent_size=3, hidden=(16,))
    with torch.no_grad():
        model.encoder[-1].weight.zero_()
        model.encoder[-1].bias.zero_()
    images = torch.rand(4, 784)
    assert vae.elbo_terms(model(images), images)["kl"].item() == 0


def small_fit(small, seed=0, epochs=2):
    hp = ae.HParams(latent_size=4, hidden=(64,), seed=seed, batch_size=100)
    ae.set_seed(hp.seed)
    model = vae.VAE(hp.latent_size, hp.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr)
    train_loader = TensorLoader(small[0], batch_size=100, seed=seed)
    test_loader = TensorLoader(small[1], batch_size=250, shuffle=False)
    return model, ae.train(model, vae.elbo_terms, optimizer, train_loader, test_loader, epochs, eval_every=15,
                           progress=False, log=None)


def without_times(logs: dict) -> dict:
    return {name: values for name, values in logs.items() if name != "seconds"}


def test_train_logs_both_terms_of_a_vae_and_learns(small):
    model, logs = small_fit(small, epochs=3)
    assert list(logs) == ["steps", "seconds", "train_reconstruction", "train_kl", "test_reconstruction", "test_kl",
                          "accuracy"]
    assert logs["steps"] == [15, 30, 45, 60]
    assert all(len(values) == 4 for values in logs.values())
    assert logs["test_reconstruction"][-1] < 0.9 * logs["test_reconstruction"][0]
    assert all(kl > 0 for kl in logs["test_kl"])
    assert model.training


def test_same_seed_same_numbers(small):
    assert without_times(small_fit(small)[1]) == without_times(small_fit(small)[1])
    assert without_times(small_fit(small)[1]) != without_times(small_fit(small, seed=1)[1])


def test_train_refuses_bad_epochs(small):
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        small_fit(small, epochs=0)


def test_evaluate_gives_the_mean_terms_of_a_vae_and_keeps_the_training_mode(small):
    model = vae.VAE(latent_size=2, hidden=(16,)).eval()
    terms, accuracy = ae.evaluate(model, TensorLoader(small[1], batch_size=250, shuffle=False), vae.elbo_terms)
    assert not model.training and terms["reconstruction"] > 0 and terms["kl"] >= 0 and 0 < accuracy < 1


def test_fit_trains_a_vae_with_the_hyperparameters():
    hp = ae.HParams(latent_size=2, hidden=(32,), epochs=1, batch_size=1000)
    model, logs = ae.fit(hp, progress=False, log=None, model_class=vae.VAE, criterion=vae.elbo_terms)
    assert isinstance(model, vae.VAE) and model.latent_size == 2 and model.hidden == (32,)
    assert logs["steps"] == [60]


def test_samples_are_seeded_images_from_the_prior():
    model = vae.VAE(latent_size=3, hidden=(16,))
    images = vae.sample(model, 7, seed=5)
    assert images.shape == (7, 784) and images.min() >= 0 and images.max() <= 1
    assert torch.equal(images, vae.sample(model, 7, seed=5))
    assert not torch.equal(images, vae.sample(model, 7, seed=6))


def test_the_manifold_needs_a_2d_code():
    with pytest.raises(ValueError, match="needs a VAE with latent_size 2, this one has 3"):
        vae.show_manifold(vae.VAE(latent_size=3, hidden=(16,)))


def test_the_manifold_decodes_a_grid_of_codes():
    model = vae.VAE(latent_size=2, hidden=(16,))
    fig = vae.show_manifold(model, n=5)
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (5 * 28, 5 * 28)
    corner = model.decode(torch.distributions.Normal(0.0, 1.0).icdf(torch.tensor([[0.05, 0.95]]))).reshape(28, 28)
    torch.testing.assert_close(torch.as_tensor(image[:28, :28]), corner.detach(), rtol=1e-5, atol=1e-6)
    plt.close(fig)


def test_plot_elbo_draws_both_terms(small):
    _, logs = small_fit(small, epochs=1)
    fig = vae.plot_elbo(logs)
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]
    assert fig.get_size_inches()[0] <= 9.5  # the book's column
    plt.close(fig)
