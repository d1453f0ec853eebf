"""A convolutional autoencoder, `ConvNet`, and its comparison with the fully connected `Net` at the same code
size and the same CPU time: `python -m ae conv`."""
from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn

from .baselines import as_matrix, fixed_output_scores
from .data import TensorLoader, get_datasets, subset
from .experiments import pca_mse_by_size
from .hparams import HParams
from .latent import encode, pca_features, probe_accuracy
from .model import Net, activation_module
from .results import provenance
from .train import evaluate, get_device, reset, train_step

# The channels of ConvNet's two convolutions, encoder side (the decoder mirrors them).
CHANNELS = (16, 32)


class ConvNet(nn.Module):
    """A convolutional autoencoder with the interface of `Net`: `encode`, `decode`, `forward`, a linear code.

    The encoder runs two 3×3 convolutions of stride 2 (28×28 → 14×14 → 7×7, with `hidden[0]`, then
    `hidden[1]` channels), then one linear layer to the code of `latent_size` numbers; the decoder mirrors it
    with a linear layer and two transposed convolutions (7×7 → 14×14 → 28×28), and a sigmoid. `hidden` is
    the channels, so that `reset` and `fit` build it from `HParams` as they build a `Net`.
    """

    def __init__(self, latent_size: int = 64, hidden=CHANNELS, activation: str | nn.Module = "relu"):
        super().__init__()
        c1, c2 = hidden
        activation = activation_module(activation)

        def act():  # a copy of the activation at each place, as in Net
            return copy.deepcopy(activation)

        self.latent_size, self.hidden = latent_size, tuple(hidden)
        self.encoder = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1), act(),  # 1×28×28 → c1×14×14
            nn.Conv2d(c1, c2, 3, stride=2, padding=1), act(),  # → c2×7×7
            nn.Flatten(), nn.Linear(c2 * 7 * 7, latent_size))  # → the code
        self.decoder = nn.Sequential(
            nn.Linear(latent_size, c2 * 7 * 7), act(), nn.Unflatten(1, (c2, 7, 7)),
            nn.ConvTranspose2d(c2, c1, 3, stride=2, padding=1, output_padding=1), act(),  # → c1×14×14
            nn.ConvTranspose2d(c1, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid())  # → 1×28×28

    def encode(self, x):
        """The latent codes `(B, latent_size)` of a batch of images (any shape ending in 28×28 or 784)."""
        return self.encoder(x.reshape(-1, 1, 28, 28))

    def decode(self, z):
        """Images `(B, 784)` with pixels in [0, 1] from latent codes `(B, latent_size)`."""
        return self.decoder(z).reshape(-1, 28 * 28)

    def forward(self, x):
        return self.decode(self.encode(x)).view_as(x)


def count_parameters(model: nn.Module) -> int:
    """The number of weights and biases of `model`."""
    return sum(parameter.numel() for parameter in model.parameters())


def train_for(model, criterion, optimizer, loader, cpu_seconds: float) -> dict:
    """Train with `train_step` on batches of `loader`, epoch after epoch, until this process has used
    `cpu_seconds` of CPU time (`time.process_time`: all its threads, whatever else runs on the machine).

    Returns the steps, the epochs (a fraction for the last, unfinished one), the CPU and wall seconds used.
    """
    start_cpu, start_wall, steps = time.process_time(), time.perf_counter(), 0
    model.train()
    while True:
        for images, _ in loader:
            train_step(model, criterion, optimizer, images, images)
            steps += 1
            if time.process_time() - start_cpu >= cpu_seconds:
                return {"steps": steps, "epochs": round(steps / len(loader), 2),
                        "cpu_seconds": round(time.process_time() - start_cpu, 1),
                        "wall_seconds": round(time.perf_counter() - start_wall, 1)}


# The two models compared: the book's Net (HParams()), and ConvNet with the same code size and training settings.
MODELS = {"fully connected": (Net, HParams()), "convolutional": (ConvNet, HParams(hidden=CHANNELS))}
SEEDS = (0, 1, 2)
CPU_SECONDS = 40  # the training budget of each run, in CPU seconds of one thread
PROBE_TRAIN = 10_000  # the training images whose codes the probes are fitted on
SHOWN = 8  # test images whose reconstructions the result keeps (as uint8 pixels)


def compare(cpu_seconds: float = CPU_SECONDS, seeds=SEEDS, train_size: int | None = None, device=None,
            command: str = "", log=print) -> dict:
    """Train each of `MODELS` with each seed for `cpu_seconds` of CPU time (one torch thread) and measure it.

    Both train on the 50,000 training images (`train_size`: the first so many only), with the book's settings
    (Adam, learning rate 0.001, batches of 128, MSE). For each run: the parameters, the steps and epochs that
    fitted in the budget, the validation and test MSE per pixel, and the test accuracy of `ae.latent.PROBES`
    fitted on the codes of `PROBE_TRAIN` training images. Beside them, the trivial baselines (the mean training
    image, PCA with as many components as the code, the probes on PCA's projections) and the reconstructions of
    the first `SHOWN` test images by each model's first seed.
    """
    torch.set_num_threads(1)
    device = get_device(device)
    train_set, validation_set, test_set = get_datasets(validation=True)
    train_set = subset(train_set, slice(train_size))
    loaders = {split: TensorLoader(data, 1000, shuffle=False, device=device)
               for split, data in (("validation", validation_set), ("test", test_set))}
    train_x, test_x = as_matrix(train_set)[:PROBE_TRAIN], as_matrix(test_set)
    train_y, test_y = train_set.targets[:PROBE_TRAIN].numpy(), test_set.targets.numpy()
    result = {**provenance(command, device), "cpu_seconds": cpu_seconds, "seeds": list(seeds),
              "train_size": len(train_set), "validation_size": len(validation_set), "probe_train": len(train_x),
              "models": {}, "runs": []}
    start = time.perf_counter()
    for name, (model_class, hp) in MODELS.items():
        result["models"][name] = {"class": model_class.__name__, "hparams": hp.asdict(),
                                  "parameters": count_parameters(model_class(hp.latent_size, hp.hidden,
                                                                             hp.activation))}
        for seed in seeds:
            model, criterion, optimizer = reset(hp.replace(seed=seed), device, model_class)
            loader = TensorLoader(train_set, hp.batch_size, seed=seed, device=device)
            run = {"model": name, "seed": seed, **train_for(model, criterion, optimizer, loader, cpu_seconds)}
            run |= {f"{split}_mse": evaluate(model, split_loader)[0] for split, split_loader in loaders.items()}
            run |= {f"probe_{probe}": accuracy for probe, accuracy in
                    probe_accuracy(encode(model, train_x), train_y, encode(model, test_x), test_y).items()}
            if seed == seeds[0]:
                with torch.no_grad():
                    shown = model(torch.as_tensor(test_x[:SHOWN], dtype=torch.float32, device=device))
                result["models"][name]["reconstructions"] = shown.mul(255).round().byte().cpu().tolist()
            result["runs"].append(run)
            if log is not None:
                log(f"{name:>15} seed {seed}: {run['epochs']:.2f} epochs in {run['cpu_seconds']:.0f} CPU s "
                    f"({run['wall_seconds']:.0f} s), test MSE {run['test_mse']:.5f}, probe "
                    + ", ".join(f"{k[6:]} {v:.3f}" for k, v in run.items() if k.startswith("probe_")))
    k = MODELS["fully connected"][1].latent_size
    full_train_x = as_matrix(train_set)
    mean_mse, _ = fixed_output_scores(full_train_x.mean(0), test_set)
    pca_train, pca_test = pca_features(full_train_x, test_x, k)
    result["baselines"] = {
        "mean image": {"test_mse": mean_mse},
        f"PCA, {k} components": {"test_mse": pca_mse_by_size(train_set, test_set, [k])[k]} | {
            f"probe_{probe}": accuracy for probe, accuracy in
            probe_accuracy(pca_train[:PROBE_TRAIN], train_y, pca_test, test_y).items()},
        "most frequent digit": {"probe_accuracy": float(np.mean(test_y == np.bincount(train_y).argmax()))},
    }
    result["shown"] = test_set.data[:SHOWN].reshape(SHOWN, -1).tolist()
    result["wall_seconds"] = round(time.perf_counter() - start, 1)
    return result


def summarize(result: dict) -> dict[str, dict]:
    """For each model of `result`: its parameters, and the mean and sample standard deviation over seeds of its
    epochs, test MSE and probe accuracies."""
    summary = {}
    for name, model in result["models"].items():
        runs = [run for run in result["runs"] if run["model"] == name]
        row = {"parameters": model["parameters"], "seeds": len(runs)}
        for key in [key for key in runs[0] if key in ("epochs", "test_mse") or key.startswith("probe_")]:
            values = [run[key] for run in runs]
            row[key] = {"mean": float(np.mean(values)),
                        "std": float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")}
        summary[name] = row
    return summary


def format_comparison(result: dict) -> str:
    """The comparison as text: one line per model (mean ± standard deviation over seeds), then the baselines."""
    lines = [f"each run: {result['cpu_seconds']} CPU seconds of training, {len(result['seeds'])} seeds "
             f"(mean ± standard deviation)"]
    for name, row in summarize(result).items():
        probes = ", ".join(f"{key[6:]} {value['mean']:.3f} ± {value['std']:.3f}"
                           for key, value in row.items() if key.startswith("probe_"))
        lines.append(f"{name:>15}: {row['parameters']:>8,} parameters, {row['epochs']['mean']:5.2f} epochs, "
                     f"test MSE {row['test_mse']['mean']:.5f} ± {row['test_mse']['std']:.5f}")
        lines.append(f"{'':>15}  probes: {probes}")
    for name, values in result["baselines"].items():
        lines.append(f"{name:>15}: " + ", ".join(f"{key} {value:.5f}" if "mse" in key else f"{key} {value:.3f}"
                                                 for key, value in values.items()))
    return "\n".join(lines)
