"""The autoencoder `Net`: a fully connected encoder and a symmetric decoder."""
from __future__ import annotations

import copy
import reprlib

from torch import nn

IMAGE_SIZE = 28 * 28


ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "elu": nn.ELU,
}


def get_activation(name: str) -> nn.Module:
    """A new activation module from its name, one of `ACTIVATIONS`."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}: choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


def activation_module(activation) -> nn.Module:
    """The activation a `Net` copies between its layers: `activation` itself if it is a module (such as
    `nn.Tanh()` or your own), else the module of that name; ValueError for anything else."""
    if isinstance(activation, nn.Module):
        return activation
    if isinstance(activation, str):
        return get_activation(activation)
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        raise ValueError(f"activation must be a module, not a class: pass {activation.__name__}() (with the "
                         f"parentheses) instead of {activation.__name__}")
    name = getattr(activation, "__name__", None)
    shown = f"the function {name}" if callable(activation) and name else " ".join(reprlib.repr(activation).split())
    raise ValueError(f"activation must be a name ({', '.join(ACTIVATIONS)}) or a torch.nn.Module, got {shown}")


# Upper bounds on the sizes of a Net: every model they allow can be allocated (at most 400 MB of float32 weights).
MAX_LATENT_SIZE = 4096
MAX_WIDTH = 8192
MAX_HIDDEN_LAYERS = 16
MAX_PARAMETERS = 100_000_000


def count_parameters(latent_size: int, hidden) -> int:
    """The number of weights and biases of `Net(latent_size, hidden)`, computed without building it."""
    widths = (IMAGE_SIZE, *hidden, latent_size)
    pairs = list(zip(widths[:-1], widths[1:]))
    return sum(a * b + b for a, b in pairs) + sum(a * b + a for a, b in pairs)


def check_sizes(latent_size, hidden) -> tuple[int, ...]:
    """The hidden widths as a tuple; ValueError unless the latent size and every width are positive integers
    within the bounds above (so that the model can be allocated).
    """
    if isinstance(hidden, (str, bytes, dict, set, frozenset)) or not hasattr(hidden, "__iter__"):
        raise ValueError(f"hidden must be a list or tuple of layer widths, got {hidden!r}")
    hidden = tuple(hidden)
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"hidden must have at most {MAX_HIDDEN_LAYERS} layers, got {len(hidden)}")
    for what, value, bound in [("latent_size", latent_size, MAX_LATENT_SIZE)] + [
            ("hidden width", h, MAX_WIDTH) for h in hidden]:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a positive integer, got {value!r}")
        if value > bound:
            raise ValueError(f"{what} must be at most {bound}, got {value}")
    parameters = count_parameters(latent_size, hidden)
    if parameters > MAX_PARAMETERS:
        raise ValueError(f"the model would have {parameters:,} parameters, at most {MAX_PARAMETERS:,}: "
                         "use smaller hidden widths or latent_size")
    return hidden


def mlp(sizes, activation: nn.Module, last: nn.Module | None = None) -> nn.Sequential:
    """Linear layers through `sizes` with a copy of `activation` between them and `last` after the final one."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(copy.deepcopy(activation))
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


class Net(nn.Module):
    """A deep autoencoder: 784 → hidden widths → latent code, and back through the same widths to 784.

    The code is linear (no activation on the bottleneck); the output goes through a sigmoid so that
    reconstructions are pixels in [0, 1]. `forward` returns a tensor of the input's shape. `activation`:
    a name of `ACTIVATIONS`, or a module, copied (`copy.deepcopy`) to every place between layers.
    """

    def __init__(self, latent_size: int = 64, hidden=(256,), activation: str | nn.Module = "relu"):
        super().__init__()
        hidden = check_sizes(latent_size, hidden)
        activation = activation_module(activation)
        self.latent_size, self.hidden = latent_size, hidden
        widths = (IMAGE_SIZE, *hidden, latent_size)
        self.encoder = mlp(widths, activation)
        self.decoder = mlp(widths[::-1], activation, last=nn.Sigmoid())

    def encode(self, x):
        """The latent codes `(B, latent_size)` of a batch of images (any shape ending in 28×28 or 784)."""
        return self.encoder(x.reshape(-1, IMAGE_SIZE))

    def decode(self, z):
        """Images `(B, 784)` with pixels in [0, 1] from latent codes `(B, latent_size)`."""
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x)).view_as(x)
