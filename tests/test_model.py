import pytest
import torch

from ae import ACTIVATIONS, Net, get_activation


@pytest.mark.parametrize("shape", [(5, 1, 28, 28), (5, 784), (1, 28, 28), (28, 28)])
def test_forward_keeps_the_input_shape(shape):
    assert Net()(torch.rand(shape)).shape == shape


def test_encode_and_decode_on_their_own():
    model = Net(latent_size=16, hidden=(128, 32))
    z = model.encode(torch.rand(3, 1, 28, 28))
    assert z.shape == (3, 16)
    x = model.decode(z)
    assert x.shape == (3, 784) and x.min() >= 0 and x.max() <= 1


def test_layers_are_symmetric():
    model = Net(latent_size=16, hidden=(128, 32), activation="tanh")
    linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [
        (784, 128), (128, 32), (32, 16), (16, 32), (32, 128), (128, 784)]
    assert sum(isinstance(m, torch.nn.Tanh) for m in model.modules()) == 4


def test_parameter_count():
    model = Net(latent_size=64, hidden=(256,))
    expected = (784 * 256 + 256) + (256 * 64 + 64) + (64 * 256 + 256) + (256 * 784 + 784)
    assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_by_name(name):
    module = get_activation(name)
    assert isinstance(module, torch.nn.Module)
    assert module(torch.zeros(2)).shape == (2,)


@pytest.mark.parametrize("kwargs, message", [
    ({"latent_size": 0}, "latent_size must be a positive integer, got 0"),
    ({"latent_size": 2.5}, "latent_size must be a positive integer"),
    ({"hidden": (256, -1)}, "hidden width must be a positive integer, got -1"),
    ({"activation": "swish"}, "unknown activation 'swish': choose one of relu, leaky_relu"),
])
def test_bad_arguments_raise_a_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Net(**kwargs)
