import pytest
import torch
from torch import nn

from ae import ACTIVATIONS, Net, get_activation
from ae.model import MAX_LATENT_SIZE, MAX_PARAMETERS, MAX_WIDTH, count_parameters


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


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": None}, "hidden must be a list or tuple of layer widths, got None"),
    ({"hidden": 256}, "hidden must be a list or tuple of layer widths, got 256"),
    ({"hidden": "256"}, "hidden must be a list or tuple of layer widths"),
    ({"activation": ["relu"]}, "activation must be a name (relu, leaky_relu, tanh, sigmoid, gelu, elu) or a "
                               "torch.nn.Module, got ['relu']"),
    ({"activation": None}, "or a torch.nn.Module, got None"),
    ({"activation": nn.Tanh}, "activation must be a module, not a class: pass Tanh() (with the parentheses)"),
    ({"activation": torch.tanh}, "or a torch.nn.Module, got the function tanh"),
    ({"latent_size": None}, "latent_size must be a positive integer, got None"),
    ({"latent_size": 10**9}, "latent_size must be at most 4096, got 1000000000"),
    ({"hidden": (10**9,)}, "hidden width must be at most 8192, got 1000000000"),
    ({"hidden": (16,) * 17}, "hidden must have at most 16 layers, got 17"),
    ({"hidden": (8192, 8192), "latent_size": 4096}, "at most 100,000,000: use smaller hidden widths or latent_size"),
])
def test_wrong_types_and_sizes_beyond_the_bounds_raise_value_error(kwargs, message):
    with pytest.raises(ValueError) as error:
        Net(**kwargs)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_an_activation_module_gives_the_same_model_as_its_name():
    torch.manual_seed(0)
    by_name = Net(latent_size=8, activation="tanh")
    torch.manual_seed(0)
    by_module = Net(latent_size=8, activation=nn.Tanh())
    images = torch.rand(3, 1, 28, 28)
    assert [type(m) for m in by_module.modules()] == [type(m) for m in by_name.modules()]
    assert torch.equal(by_module(images), by_name(images))


def test_an_activation_module_is_copied_to_every_place():
    given = nn.PReLU(init=0.1)
    model = Net(latent_size=8, hidden=(64, 32), activation=given)
    placed = [m for m in model.modules() if isinstance(m, nn.PReLU)]
    assert len(placed) == 4 and len({id(m) for m in placed}) == 4 and given not in placed
    placed[0].weight.data.fill_(0.5)  # each copy learns on its own, and the given module is left alone
    assert [m.weight.item() for m in placed[1:]] == pytest.approx([0.1] * 3)
    assert given.weight.item() == pytest.approx(0.1)
    assert sum(p.numel() for p in model.parameters()) == count_parameters(8, (64, 32)) + 4


def test_get_activation_of_a_wrong_type_raises_value_error():
    with pytest.raises(ValueError, match="unknown activation"):
        get_activation(["relu"])


@pytest.mark.parametrize("latent_size, hidden", [(64, (256,)), (30, (1000, 500, 250)), (8, ()), (3, (17, 5))])
def test_count_parameters_counts_what_net_allocates(latent_size, hidden):
    model = Net(latent_size=latent_size, hidden=hidden)
    assert count_parameters(latent_size, hidden) == sum(p.numel() for p in model.parameters())


def test_the_largest_model_allowed_is_within_the_parameter_bound():
    assert count_parameters(MAX_LATENT_SIZE, (MAX_WIDTH,)) <= MAX_PARAMETERS


