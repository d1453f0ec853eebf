"""ae.export: the files the book's latent explorer decodes in the browser, checked against torch."""
import json

import numpy as np
import pytest
import torch
from torch import nn

import ae
from ae import export, latent, vae
from ae.baselines import as_matrix

ACTIVATIONS = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
               "clip": lambda v: np.clip(v, 0, 1), None: lambda v: v}


def decode(layers, numbers: bytes, code) -> np.ndarray:
    """What dense.js computes: the layers of an export's JSON over the numbers of its binary file."""
    def floats(part):
        if part.get("dtype") == "bfloat16":  # the upper 16 bits of a float32
            bits = np.frombuffer(numbers, "<u2", count=part["length"], offset=part["offset"]).astype(np.uint32)
            return (bits << 16).view(np.float32).astype(np.float64)
        return np.frombuffer(numbers, "<f4", count=part["length"], offset=part["offset"]).astype(np.float64)

    x = np.asarray(code, dtype=np.float64)
    for layer in layers:
        weight = floats(layer["weight"]).reshape(layer["out"], layer["in"])
        x = ACTIVATIONS[layer["activation"]](weight @ x + floats(layer["bias"]))
    return x


def test_dense_layers_name_each_linear_layer_and_its_activation():
    model = ae.Net(latent_size=2, hidden=(8, 4))
    layers = export.dense_layers(model.decoder)
    assert [(tuple(w.shape), tuple(b.shape), a) for w, b, a in layers] == [
        ((4, 2), (4,), "relu"), ((8, 4), (8,), "relu"), ((784, 8), (784,), "sigmoid")]
    with pytest.raises(ValueError, match="not Tanh"):
        export.dense_layers(ae.Net(latent_size=2, hidden=(8,), activation="tanh").decoder)
    with pytest.raises(ValueError, match="ReLU does not follow a linear layer"):
        export.dense_layers(nn.Sequential(nn.ReLU(), nn.Linear(2, 3)))


def test_pca_plane_is_scikit_learns_pca_with_its_pixels_clipped(small):
    train_x, test_x = as_matrix(small[0]), as_matrix(small[1])[:50]
    plane, pca = export.pca_plane(train_x), latent.fit_pca(train_x, 2)
    with torch.no_grad():
        codes = plane.encode(torch.as_tensor(test_x, dtype=torch.float32))
        pixels = plane.decoder(codes).numpy()
    np.testing.assert_allclose(codes.numpy(), pca.transform(test_x), atol=1e-4)
    np.testing.assert_allclose(pixels, np.clip(pca.inverse_transform(codes.numpy()), 0, 1), atol=1e-5)


def test_the_files_decode_as_torch_does(small, monkeypatch):
    """With small stand-ins for the cached models: what the page reads decodes to the parity file's pixels."""
    models = {ae.Net: ae.Net(2, (16,), "relu"), vae.VAE: vae.VAE(2, (16,), "relu")}
    monkeypatch.setattr(export, "trained", lambda hp, progress, model_class=ae.Net, criterion=None:
                        (models[model_class], {}))
    monkeypatch.setattr(export, "N_POINTS", 300)
    files = export.explorer_files(*small)
    header, numbers, parity = (json.loads(files["explorer.json"]), files["explorer.bin"],
                               json.loads(files["parity.json"]))
    labels = np.array(header["labels"])
    assert len(labels) == 300 and len(header["digits"]) == 20
    assert (labels[header["digits"]] == np.repeat(np.arange(10), 2)).all()
    assert [model["name"] for model in header["models"]] == list(parity) == ["autoencoder", "vae", "pca"]
    for model in header["models"]:
        assert all(part["offset"] % 4 == 0 for layer in model["layers"] for part in (layer["weight"], layer["bias"]))
        for code, pixels in zip(parity[model["name"]]["codes"], parity[model["name"]]["pixels"]):
            np.testing.assert_allclose(decode(model["layers"], numbers, code), pixels, atol=1e-6)
    first = np.frombuffer(numbers, "u1", count=784, offset=header["pixels"]["offset"])
    assert first.tobytes() == small[1].data[np.sort(np.random.default_rng(0).choice(500, 300, replace=False))][
        header["digits"][0]].numpy().tobytes()


def test_the_drawing_files_run_the_book_model_as_torch_does(small, monkeypatch):
    """With a small stand-in for the book's model: encoder then decoder, read from the files, give the parity
    file's reconstructions, and the sorted errors are those of the test images."""
    model = ae.Net(8, (16,), "relu")
    monkeypatch.setattr(export, "trained", lambda hp, eval_every, progress: (model, {}))
    files = export.drawing_files(small[1])
    header, numbers, parity = (json.loads(files["draw.json"]), files["draw.bin"],
                               json.loads(files["draw_parity.json"]))
    images = small[1].data.reshape(-1, 784).numpy() / 255
    assert parity["pixels"] == small[1].data[:3].reshape(3, 784).tolist()
    for image, pixels, error in zip(images, parity["reconstructions"], parity["errors"]):
        reconstruction = decode(header["decoder"], numbers, decode(header["encoder"], numbers, image))
        np.testing.assert_allclose(reconstruction, pixels, atol=1e-6)
        assert ((reconstruction - image) ** 2).mean() == pytest.approx(error, rel=1e-5)
    errors = np.frombuffer(numbers, "<f4", count=header["errors"]["length"], offset=header["errors"]["offset"])
    with torch.no_grad():
        expected = ((model(torch.as_tensor(images, dtype=torch.float32)).numpy() - images) ** 2).mean(1)
    np.testing.assert_allclose(errors, np.sort(expected), rtol=1e-5)


def test_the_denoising_files_run_the_rounded_denoiser_as_torch_does(small, monkeypatch):
    """With small stand-ins (the book's model, one pass of training over 300 images): the files decode, with
    their bfloat16 weights, to what torch gives with the weights rounded the same way, and the rounding is real."""
    book_model = ae.Net()
    monkeypatch.setattr(export, "trained", lambda hp, eval_every, progress: (book_model, {}))
    denoiser = export.noise.denoiser
    monkeypatch.setattr(export.noise, "denoiser", lambda *args: denoiser(*args, images=300))
    files = export.denoising_files(*small)
    header, numbers, parity = (json.loads(files["denoise.json"]), files["denoise.bin"],
                               json.loads(files["denoise_parity.json"]))
    assert [layer["weight"]["dtype"] for layer in header["layers"]] == ["bfloat16"] * 4
    assert (header["fraction"], header["seed"]) == export.DENOISER
    assert small[1].targets[header["digits"]].tolist() == list(range(10))
    for noisy, pixels in zip(parity["noisy"], parity["pixels"]):
        np.testing.assert_allclose(decode(header["layers"], numbers, noisy), pixels, atol=1e-5)
    mse = header["test_mse"]
    assert mse["float32"] != mse["bfloat16"] and mse["bfloat16"] == pytest.approx(mse["float32"], rel=0.05)


def test_rounded_to_bfloat16_keeps_the_upper_16_bits_of_each_weight():
    model = nn.Linear(3, 2)
    rounded = export.rounded_to_bfloat16(model)
    bits = rounded.weight.detach().numpy().view(np.uint32)
    assert (bits & 0xFFFF == 0).all() and not torch.equal(rounded.weight, model.weight)
    np.testing.assert_allclose(rounded.weight.detach().numpy(), model.weight.detach().numpy(), rtol=2 ** -8)


def test_write_files_writes_each_file(tmp_path):
    assert export.write_files(tmp_path / "out", {"explorer.json": b"{}", "explorer.bin": b"1234"}) == {
        "explorer.json": 2, "explorer.bin": 4}
    assert (tmp_path / "out" / "explorer.bin").read_bytes() == b"1234"
