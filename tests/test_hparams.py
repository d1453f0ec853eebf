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
    ("seed", -1, "seed must be an integer from 0 to"),
    ("dataset", "cifar", "unknown dataset 'cifar'"),
])
def test_bad_values_raise_value_error(field, value, message):
    with pytest.raises(ValueError, match=message):
        HParams(**{field: value})


@pytest.mark.parametrize("changes, message", [
    ({"latent_size": 10**9}, "latent_size must be at most 4096, got 1000000000"),
    ({"hidden": (100_000,)}, "hidden width must be at most 8192, got 100000"),
    ({"hidden": (64,) * 17}, "hidden must have at most 16 layers, got 17"),
    ({"hidden": (8192, 8192)}, "the model would have 148,[0-9,]+ parameters, at most 100,000,000"),
    ({"batch_size": 60_001}, "batch_size must be at most 60000, got 60001"),
    ({"epochs": 10_001}, "epochs must be at most 10000, got 10001"),
    ({"hidden": (8192,), "batch_size": 60_000}, "one training step would need about 15.6 GiB of memory, at most 8 GiB"),
    ({"seed": 2**32}, r"seed must be an integer from 0 to 2\*\*32 - 1 = 4294967295, got 4294967296"),
])
def test_sizes_beyond_the_bounds_raise_one_line_naming_the_bound(changes, message):
    with pytest.raises(ValueError, match=message) as error:
        HParams(**changes)
    assert "\n" not in str(error.value)


def test_the_largest_accepted_values_pass():
    hp = HParams(latent_size=4096, hidden=(8192,), batch_size=1000, epochs=10_000, seed=2**32 - 1)
    assert HParams(batch_size=60_000).batch_size == 60_000 and hp.seed == 2**32 - 1


@pytest.mark.parametrize("field, value, message", [
    ("hidden", None, "hidden must be a list or tuple of layer widths, got None"),
    ("hidden", 256, "hidden must be a list or tuple of layer widths, got 256"),
    ("hidden", "256", "hidden must be a list or tuple of layer widths, got '256'"),
    ("hidden", (256, None), "hidden width must be a positive integer, got None"),
    ("latent_size", "64", "latent_size must be a positive integer, got '64'"),
    ("activation", ["relu"], r"unknown activation \['relu'\]"),
    ("activation", None, "unknown activation None"),
    ("optimizer", ["adam"], r"unknown optimizer \['adam'\]"),
    ("loss", {"mse": 1}, "unknown loss"),
    ("dataset", ["mnist"], r"unknown dataset \['mnist'\]"),
    ("lr", "0.1", "lr must be a positive number, got '0.1'"),
    ("epochs", None, "epochs must be a positive integer, got None"),
    ("seed", 1.0, "seed must be an integer"),
    ("seed", True, "seed must be an integer"),
])
def test_wrong_types_raise_value_error_not_type_error(field, value, message):
    with pytest.raises(ValueError, match=message):
        HParams(**{field: value})
