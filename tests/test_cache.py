import json
import sys

import pytest
import torch

import ae
from ae import HParams


def test_trained_trains_once_then_loads_the_same_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path))
    hp = HParams(latent_size=4, hidden=(16,), epochs=1, batch_size=1000)
    model, logs = ae.trained(hp, progress=False)
    assert len(list((tmp_path / "models").glob("*.pt"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("trained() should have loaded the cached model")

    monkeypatch.setattr(sys.modules["ae.train"], "fit", no_training)  # the module (ae.train is also the function)
    again, logs_again = ae.trained(hp, progress=False)
    assert logs_again == logs
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    assert not again.training



def test_a_run_trained_by_fits_steps_is_stored_as_trained_would_train_it(tmp_path, monkeypatch):
    """The book's step 14 trains in view with reset, the loaders and train, then stores that run with
    ``trained(..., run=...)``: those steps must give fit's weights, and the stored run must load back."""
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path))
    hp = HParams(latent_size=4, hidden=(16,), epochs=2, batch_size=1000)
    model, criterion, optimizer = ae.reset(hp)
    train_loader, test_loader = ae.get_fast_loaders(hp.batch_size, seed=hp.seed)
    logs = ae.train(model, criterion, optimizer, train_loader, test_loader, epochs=hp.epochs, eval_every=20,
                    progress=False)
    fitted, fitted_logs = ae.fit(hp, eval_every=20, progress=False, log=None)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), fitted.state_dict().values()))
    assert fitted_logs["test_loss"] == logs["test_loss"]

    monkeypatch.setattr(sys.modules["ae.train"], "fit",
                        lambda *args, **kwargs: pytest.fail("the run should have been stored"))
    stored, stored_logs = ae.trained(hp, eval_every=20, progress=False, run=(model, logs))
    assert stored_logs == logs
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), stored.state_dict().values()))
    again, _ = ae.trained(hp, eval_every=20, progress=False)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))

def test_trained_keeps_a_vae_apart_from_the_autoencoder_of_the_same_settings(tmp_path, monkeypatch):
    from ae import vae

    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path))
    hp = HParams(latent_size=2, hidden=(16,), epochs=1, batch_size=1000)
    model, logs = ae.trained(hp, progress=False, model_class=vae.VAE, criterion=vae.elbo_terms)
    assert isinstance(model, vae.VAE) and "test_kl" in logs
    monkeypatch.setattr(sys.modules["ae.train"], "fit",
                        lambda *args, **kwargs: pytest.fail("the VAE should have been loaded"))
    again, _ = ae.trained(hp, progress=False, model_class=vae.VAE, criterion=vae.elbo_terms)
    assert isinstance(again, vae.VAE)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    with pytest.raises(pytest.fail.Exception, match="should have been loaded"):
        ae.trained(hp, progress=False)  # a plain Net of the same settings is another entry


def test_digest_changes_with_the_key_the_files_and_nothing_else(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("a = 1")
    key = {"hparams": HParams().asdict()}
    assert ae.cache.digest(key, [code]) == ae.cache.digest({"hparams": HParams().asdict()}, [code])
    assert ae.cache.digest(key, [code]) != ae.cache.digest({"hparams": HParams(lr=0.01).asdict()}, [code])
    before = ae.cache.digest(key, [code])
    assert before != ae.cache.digest(key)
    code.write_text("a = 2")
    assert ae.cache.digest(key, [code]) != before


def test_checkpoint_round_trip(tmp_path):
    hp = HParams(latent_size=4, hidden=(16,))
    model, _, _ = ae.reset(hp)
    ae.save_checkpoint(tmp_path / "model.pt", model, hp, {"steps": [1]})
    loaded, loaded_hp, logs = ae.load_checkpoint(tmp_path / "model.pt")
    assert loaded_hp == hp and logs == {"steps": [1]}
    x = torch.rand(2, 784)
    assert torch.equal(loaded(x), model.eval()(x))


def test_a_corrupt_cache_entry_is_computed_again(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return {"mse": 0.5}

    def save(value, path):
        path.write_text(json.dumps(value))

    def load(path):
        return json.loads(path.read_text())

    assert ae.cache.cached("things", {"n": 1}, compute, save, load) == {"mse": 0.5}
    [entry] = [p for p in (tmp_path / "things").iterdir() if not p.name.endswith(".lock")]
    entry.write_text("{not json")
    assert ae.cache.cached("things", {"n": 1}, compute, save, load) == {"mse": 0.5}
    assert len(calls) == 2 and "is corrupt" in capsys.readouterr().err
    assert ae.cache.cached("things", {"n": 1}, compute, save, load) == {"mse": 0.5} and len(calls) == 2


def test_a_file_that_is_not_a_checkpoint_is_one_clear_error(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ae.cache.CheckpointError, match="is not a checkpoint of this course"):
        ae.load_checkpoint(tmp_path / "model.pt")
