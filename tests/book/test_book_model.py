"""The claims of steps 14 and 15 about the book's model: a low test error, clearly below a 64-component PCA's."""
import ae
from ae.baselines import pca_mse
pytestmark = __import__("pytest").mark.slow


def test_book_model_beats_pca():
    model, _ = ae.trained(ae.HParams(), eval_every=100, progress=False)
    train_set, test_set = ae.get_datasets()
    model_mse, _ = ae.evaluate(model, ae.TensorLoader(test_set, batch_size=1000, shuffle=False))
    pca64_mse = pca_mse(train_set, test_set, model.latent_size)
    assert model_mse < 0.0065
    assert model_mse < 0.8 * pca64_mse, f"autoencoder {model_mse:.5f}, PCA {pca64_mse:.5f}"
