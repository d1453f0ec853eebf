"""A variational autoencoder: the encoder gives a Gaussian over codes, the loss is the negative ELBO."""
from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn
from torchvision.utils import make_grid

from .latent import HP_2D as AUTOENCODER_2D
from .model import Net

#: The VAE with a code of 2 numbers: the settings of the 2-d autoencoder (`ae.latent.HP_2D`), 2 epochs.
HP_2D = AUTOENCODER_2D.replace(epochs=2)


class VAE(Net):
    """The autoencoder `Net` whose encoder gives the mean and log-variance of a Gaussian.

    `forward` samples a code from that Gaussian by reparameterisation (mean + σ·ε, ε ~ N(0, I)) and
    returns `(reconstruction, mean, log_variance)`; the reconstruction has shape `(B, 784)`.
    """

    def __init__(self, latent_size: int = 64, hidden=(256,), activation: str = "relu"):
        super().__init__(latent_size, hidden, activation)
        self.encoder[-1] = nn.Linear(self.encoder[-1].in_features, 2 * latent_size)

    def encode(self, x):
        """The mean and the log-variance, each `(B, latent_size)`, of the code of each image."""
        return super().encode(x).chunk(2, dim=1)

    def forward(self, x):
        mean, log_variance = self.encode(x)
        z = mean + torch.exp(0.5 * log_variance) * torch.randn_like(mean)
        return self.decode(z), mean, log_variance


def elbo_terms(output, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """The two terms of the negative ELBO in nats per image, averaged over the batch: the criterion of a VAE.

    `output` is what `VAE` returns. The reconstruction term is the binary cross-entropy summed over
    the 784 pixels: −log p(x|z) for one sampled z when the pixels are 0 or 1; on grey levels, a
    reconstruction error that a perfect output does not bring to 0. The KL term is the divergence of the
    code's Gaussian q(z|x) from the prior N(0, I). `ae.train` minimises their sum and logs each
    (`train_reconstruction`, `test_kl`, ...).
    """
    reconstruction, mean, log_variance = output
    bce = F.binary_cross_entropy(reconstruction, images.reshape(reconstruction.shape), reduction="sum")
    kl = -0.5 * torch.sum(1 + log_variance - mean**2 - log_variance.exp())
    return {"reconstruction": bce / len(images), "kl": kl / len(images)}


@torch.no_grad()
def sample(model: Net, n: int, seed: int = 0) -> torch.Tensor:
    """`n` images `(n, 784)` decoded from codes drawn from N(0, I), the prior of a `VAE`.

    Any `Net` has `decode` and `latent_size`: a plain autoencoder can be tried too.
    """
    z = torch.randn(n, model.latent_size, generator=torch.Generator().manual_seed(seed))
    return model.eval().decode(z.to(next(model.parameters()).device))


def plot_elbo(logs: dict):
    """The reconstruction and KL terms of the negative ELBO (train and test) against training steps."""
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    titles = {"reconstruction": "reconstruction: BCE summed over pixels", "kl": "KL( q(z|x) ‖ N(0, I) )"}
    for ax, (term, title) in zip(axes, titles.items()):
        ax.plot(logs["steps"], logs[f"train_{term}"], marker=".", label="train")
        ax.plot(logs["steps"], logs[f"test_{term}"], marker=".", label="test")
        ax.set_title(title)
        ax.set_xlabel("training step")
        ax.set_ylabel("nats per image")
        ax.legend()
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


@torch.no_grad()
def show_manifold(model: VAE, n: int = 15):
    """The images decoded from an `n × n` grid of 2-d codes, at the 5 %…95 % quantiles of N(0, 1).

    The grid is even in probability, not in z: each column (row) holds as much of the prior as the next.
    """
    if model.latent_size != 2:
        raise ValueError(f"the manifold figure needs a VAE with latent_size 2, this one has "
                         f"{model.latent_size}")
    values = torch.distributions.Normal(0.0, 1.0).icdf(torch.linspace(0.05, 0.95, n))
    z1, z2 = torch.meshgrid(values, values.flip(0), indexing="xy")  # z2 grows upwards, z1 to the right
    codes = torch.stack([z1.flatten(), z2.flatten()], dim=1).to(next(model.parameters()).device)
    images = model.eval().decode(codes).reshape(-1, 1, 28, 28).cpu()
    fig, ax = plt.subplots(figsize=(7, 7))
    ax.imshow(make_grid(images, nrow=n, padding=0)[0].numpy(), cmap="gray", vmin=0, vmax=1)
    centres = (torch.arange(n) * 28 + 14)[::2].tolist()
    ax.set_xticks(centres, [f"{v:.1f}" for v in values[::2].tolist()])
    ax.set_yticks(centres, [f"{v:.1f}" for v in values.flip(0)[::2].tolist()])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    return fig
