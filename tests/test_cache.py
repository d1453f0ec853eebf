import torch

import ae
from ae import HParams


def test_trained_trains_once_then_loads_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path))
    hp = HParams(latent_size=4, hidden=(16,), epochs=1, batch_size=1000)
    model, logs = ae.trained(hp, progress=False)
    assert len(list(tmp_path.glob("*.pt"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("trained() should have loaded the cached model")

    monkeypatch.setattr(ae.cache, "fit", no_training)
    again, logs_again = ae.trained(hp, progress=False)
    assert logs_again == logs
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    assert not again.training


def test_cache_key_changes_with_the_hyperparameters():
    hp = HParams()
    assert ae.cache.cache_key(hp, "cpu") == ae.cache.cache_key(HParams(), "cpu")
    assert ae.cache.cache_key(hp, "cpu") != ae.cache.cache_key(hp.replace(lr=0.01), "cpu")
    assert ae.cache.cache_key(hp, "cpu") != ae.cache.cache_key(hp, "cpu", eval_every=100)


def test_checkpoint_round_trip(tmp_path):
    hp = HParams(latent_size=4, hidden=(16,))
    model, _, _ = ae.reset(hp)
    ae.save_checkpoint(tmp_path / "model.pt", model, hp, {"steps": [1]})
    loaded, loaded_hp, logs = ae.load_checkpoint(tmp_path / "model.pt")
    assert loaded_hp == hp and logs == {"steps": [1]}
    x = torch.rand(2, 784)
    assert torch.equal(loaded(x), model.eval()(x))
