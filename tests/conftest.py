"""Shared fixtures: the MNIST splits (from AE_DATA_DIR) and small in-memory subsets of them."""
from types import SimpleNamespace

import pytest

import ae


@pytest.fixture(scope="session")
def mnist():
    """The training and test splits; a clear error when AE_DATA_DIR does not hold MNIST."""
    try:
        return ae.get_datasets()
    except ae.DataError as error:
        pytest.exit(f"MNIST is needed by the tests: {error}", returncode=1)


@pytest.fixture(scope="session")
def small(mnist):
    """The first 2,000 training and 500 test images, in the shape ``TensorLoader`` reads."""
    train_set, test_set = mnist
    return (SimpleNamespace(data=train_set.data[:2000], targets=train_set.targets[:2000]),
            SimpleNamespace(data=test_set.data[:500], targets=test_set.targets[:500]))
