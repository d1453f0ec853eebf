import pytest

from ae import HParams


def test_defaults_are_the_book_run():
    hp = HParams()
    assert (hp.latent_size, hp.hidden, hp.activation, hp.loss) == (64, (256,), "relu", "mse")


def test_replace_checks_and_keeps_the_rest():
    hp = HParams().replace(latent_size=8, hidden=[32])
    assert hp.latent_size == 8 and hp.hidden == (32,) and hp.lr == HParams().lr
    with pytest.raises(ValueError, match="latent_size"):
        hp.replace(latent_size=-3)


def test_asdict_round_trips():
    hp = HParams(latent_size=8, hidden=(32, 16))
    assert HParams(**hp.asdict()) == hp


@pytest.mark.parametrize("field, value, message", [
    ("latent_size", 0, "latent_size must be a positive integer, got 0"),
    ("activation", "nope", "unknown activation 'nope'"),
    ("lr", -0.1, "lr must be a positive number, got -0.1"),
    ("lr", float("nan"), "lr must be a positive number"),
    ("optimizer", "rmsprop", "unknown optimizer 'rmsprop': choose one of adam, adamw, sgd"),
    ("loss", "l1", "unknown loss 'l1'"),
    ("epochs", 0, "epochs must be a positive integer, got 0"),
    ("batch_size", 1.5, "batch_size must be a positive integer, got 1.5"),
    ("seed", -1, "seed must be a non-negative integer"),
    ("dataset", "cifar", "unknown dataset 'cifar'"),
])
def test_bad_values_raise_value_error(field, value, message):
    with pytest.raises(ValueError, match=message):
        HParams(**{field: value})
