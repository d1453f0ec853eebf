import numpy as np
import pytest

from ae.baselines import as_matrix, pca_mse, pca_reconstruct


def test_pca_reconstruction_is_the_projection_on_the_top_components():
    rng = np.random.default_rng(0)
    mixing = rng.random((10, 30))
    train, test = rng.random((200, 10)) @ mixing, rng.random((50, 10)) @ mixing
    mean = train.mean(0)
    _, _, vt = np.linalg.svd(train - mean, full_matrices=False)
    expected = (test - mean) @ vt[:3].T @ vt[:3] + mean
    assert np.allclose(pca_reconstruct(train, test, 3), expected)
    assert np.allclose(pca_reconstruct(train, test, 10), test)


def test_pca_error_falls_with_more_components(small):
    train_set, test_set = small
    errors = [pca_mse(train_set, test_set, k) for k in (2, 16, 64)]
    assert errors[0] > errors[1] > errors[2] > 0
    assert as_matrix(test_set).shape == (500, 784)
    assert errors[0] < np.mean(as_matrix(test_set) ** 2)


@pytest.mark.parametrize("k", [0, 1000])
def test_impossible_component_counts_are_refused(small, k):
    with pytest.raises(ValueError):
        pca_mse(small[0], small[1], k)
