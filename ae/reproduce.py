"""Reproducing a paper's table: `python -m ae reproduce hinton2006`."""
from __future__ import annotations

import time

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
from torch import nn
from torch.nn import functional as F
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

from .data import ShiftedLoader, TensorLoader, get_datasets, subset
from .experiments import pca_mse_by_size
from .hparams import HParams
from .model import IMAGE_SIZE
from .results import provenance
from .train import NonFiniteLoss, bfloat16_is_fast, evaluate, get_device, make_optimizer, reset, train

REFERENCE = ("G. E. Hinton and R. R. Salakhutdinov, Reducing the dimensionality of data with neural networks, "
             "Science 313 (5786), 504-507, 2006")

# The paper's average squared reconstruction error per MNIST test image (summed over the 784 pixels in [0, 1])
# for 30-dimensional codes. This reproduction recomputes the autoencoder and PCA rows; the logistic PCA row is
# recomputed by its own command, `python -m ae logistic-pca` (ae.logistic_pca, results/logistic_pca.json).
HINTON2006_TABLE = {"autoencoder": 3.00, "logistic PCA": 8.01, "PCA": 13.87}

# The paper's 784-1000-500-250-30 autoencoder (linear code, logistic output units, cross-entropy loss), trained
# from random weights with a modern recipe instead of RBM pretraining: He initialisation, AdamW with weight decay,
# a warm-up, then cosine learning-rate decay to zero, the forward pass in bfloat16, and every training image moved
# by up to a pixel at random, for the 40 epochs that fit in 3 minutes of training on the course's 2-core machine;
# these settings won the search on the validation images (SEARCH, results/hinton2006_search.json).
HINTON2006 = HParams(latent_size=30, hidden=(1000, 500, 250), activation="elu", loss="bce", lr=2e-3,
                     optimizer="adamw", epochs=40, batch_size=128)
# How the weights start ("he" or "torch"), the epochs of learning-rate warm-up, the last epochs whose forward pass
# runs in float32, the others in bfloat16 (ae.train's bf16: faster, less precise), the optimizer's weight decay
# (None: torch's default), and the pixels by which each training image may move (ShiftedLoader's shift).
RECIPE = {"init": "he", "warmup": 1, "float32_epochs": 0, "weight_decay": 0.1, "shift": 1}

BUDGET_SECONDS = 180  # the training time a recipe may take: 3 minutes
FILL = 0.9  # the share of the budget that a candidate's epochs fill where the search fits them (`epochs_within`)

# The recipes tried, each for the epochs expected to take about 160 s of training on the course's machine (a
# bfloat16 epoch takes about 4 s, a float32 one 6.6), judged by its lowest validation error (`python -m ae
# reproduce hinton2006 --search`): changes to HINTON2006's settings and to RECIPE. A recipe that trains for
# longer than BUDGET_SECONDS is not chosen. The first is the winner of the search before, in float32 for its
# last epochs; the others try weight decay and moving the images, whose absence let the model overfit.
SEARCH = (
    {"optimizer": "adam", "weight_decay": None, "shift": 0, "float32_epochs": 12, "epochs": 34},
    {"optimizer": "adam", "weight_decay": None, "shift": 0, "epochs": 40},
    {"optimizer": "adamw", "weight_decay": 0.1, "shift": 0, "epochs": 40},
    {"optimizer": "adam", "weight_decay": None, "shift": 1, "epochs": 40},
    {"optimizer": "adamw", "weight_decay": 0.1, "shift": 1, "epochs": 40},
    {"optimizer": "adamw", "weight_decay": 0.3, "shift": 1, "epochs": 40},
    {"optimizer": "adamw", "weight_decay": 0.1, "shift": 2, "epochs": 40},
    {"optimizer": "adamw", "weight_decay": 0.1, "shift": 1, "float32_epochs": 6, "epochs": 36},
)

# Larger batches, for a matrix engine (a CPU's AMX, a GPU): their products run nearer its peak, and there are
# fewer steps of everything else. Each batch size with the learning rate scaled by the square root of its ratio
# to 128 (the usual rule for Adam), and with twice that; the warm-up stays one epoch, so fewer steps. They give no
# epochs: the search fits them to its budget on the machine it runs on (`python -m ae reproduce hinton2006
# --search batches --budget 30`).
BATCH_SEARCH = tuple({"batch_size": batch, "lr": round(HINTON2006.lr * factor * (batch / 128) ** 0.5, 6)}
                     for batch in (128, 256, 512, 1024) for factor in (1, 2))
# Recipes for a short run, at batch 256 (which learns as much per epoch as 128 and runs faster,
# results/hinton2006_batches_23epochs.json): RECIPE's weight decay and moved images keep a 40-epoch run from
# overfitting, but may slow a short one. Each with less weight decay and still images, and the learning rate of
# BATCH_SEARCH with about 0.7 and 1.4 times it. The fewer the epochs to 3.00, the less speed it takes to get
# there within 30 s (`python -m ae reproduce hinton2006 --search short --epochs 16`).
SHORT_SEARCH = tuple({"batch_size": 256, "lr": lr, "weight_decay": decay, "shift": shift}
                     for lr in (0.004, 0.005657, 0.008) for decay, shift in ((0.1, 1), (0.01, 0))) + (
    {"batch_size": 256, "lr": 0.005657, "weight_decay": 0.01, "shift": 1},
    {"batch_size": 256, "lr": 0.005657, "weight_decay": 0.1, "shift": 0})
SEARCHES = {"recipes": SEARCH, "batches": BATCH_SEARCH, "short": SHORT_SEARCH}  # by name (`--search NAME`)


def he_init(model: nn.Module) -> None:
    """He et al. (2015) initialisation: every linear layer's weights drawn with variance 2 / fan-in, biases 0.

    Torch's default draws them with variance 1 / (3 fan-in): through the eight layers of this network the
    signal then shrinks at every layer, and the first epochs go to undoing that.
    """
    for layer in model.modules():
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)


def warmup_cosine(optimizer, steps: int, warmup: int):
    """The learning rate over `steps` optimizer steps: `warmup` steps rising linearly from a tenth of its
    value, then a cosine decay to zero over the rest (stepped once a batch, by `train`)."""
    warmup = min(warmup, steps - 1)
    cosine = CosineAnnealingLR(optimizer, T_max=steps - warmup)
    if warmup == 0:
        return cosine
    return SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.1, total_iters=warmup), cosine],
                        milestones=[warmup])


def squared_error(output, images):
    """The squared reconstruction error per image, summed over its 784 pixels in [0, 1] (the paper's measure)."""
    return F.mse_loss(output, images.reshape(output.shape), reduction="sum") / len(images)


def train_recipe(hp: HParams, recipe: dict, train_set, loaders: dict, device, log=print) -> list[dict]:
    """Train the paper's network with `hp` and `recipe` (as `RECIPE`) and
    return one row per epoch: the training seconds so far, the training loss, and the squared error per image on
    each of `loaders` (`{"validation": ..., "test": ...}`, say) after that epoch."""
    train_loader = ShiftedLoader(train_set, hp.batch_size, seed=hp.seed, device=device, shift=recipe["shift"])
    model, criterion, _ = reset(hp, device)
    if recipe["init"] == "he":
        he_init(model)
    optimizer = make_optimizer(hp.optimizer, model.parameters(), hp.lr, recipe["weight_decay"])
    scheduler = warmup_cosine(optimizer, hp.epochs * len(train_loader), recipe["warmup"] * len(train_loader))
    seconds, history, bfloat16 = 0.0, [], bfloat16_is_fast(device)
    for epoch in range(1, hp.epochs + 1):
        logs = train(model, criterion, optimizer, train_loader, None, progress=False, log=None, scheduler=scheduler,
                     bf16=bfloat16 and epoch <= hp.epochs - recipe["float32_epochs"])
        seconds += logs["seconds"][-1]
        row = {"epoch": epoch, "seconds": round(seconds, 1), "train_loss": logs["train_loss"][-1]}
        row |= {f"{split}_error": evaluate(model, loader, squared_error)[0] for split, loader in loaders.items()}
        history.append(row)
        if log is not None:
            log(f"epoch {epoch}/{hp.epochs}: train_loss={row['train_loss']:.5f} "
                + " ".join(f"{split}_error={row[f'{split}_error']:.3f}" for split in loaders))
    return history


def precision_note(device, log=print) -> bool:
    """Whether the recipe's bfloat16 epochs run in bfloat16 on `device` (`bfloat16_is_fast`), said to `log`."""
    fast = bfloat16_is_fast(device)
    if log is not None:
        log("bfloat16 is fast here: the recipe's bfloat16 epochs run in bfloat16" if fast else
            "bfloat16 is slow here (no AMX or AVX512-BF16 in use): every epoch runs in float32")
    return fast


def check_train_size(train_size, train_set) -> None:
    """ValueError unless `train_size` is None or a number of images from 1 to `len(train_set)`."""
    if train_size is not None and (isinstance(train_size, bool) or not isinstance(train_size, int)
                                   or not 1 <= train_size <= len(train_set)):
        raise ValueError(f"train_size must be an integer from 1 to {len(train_set)}, got {train_size!r}")


def hinton2006(epochs: int = HINTON2006.epochs, train_size: int | None = None, device=None, command: str = "",
               log=print) -> dict:
    """Train the paper's autoencoder with the recipe for `epochs`, compute the PCA row, and return the table
    with its provenance.

    The model trains on the 50,000 training images (`train_size`: the first so many only, a short version);
    after every epoch, the squared error per image is measured on the 10,000 validation images and on the test
    images. The epoch is chosen on validation: the table's autoencoder row is the test error after the epoch of
    lowest validation error (`chosen_epoch`). PCA is fitted on the 50,000 training images. `log` receives
    one line per epoch (`None`: silent).
    """
    hp = HINTON2006.replace(epochs=epochs)
    train_set, validation_set, test_set = get_datasets(validation=True)
    check_train_size(train_size, train_set)
    device = get_device(device)
    schedule = (f"linear warm-up over {RECIPE['warmup']} epoch(s) from a tenth of the learning rate, then cosine "
                "decay to 0, stepped every batch; no pretraining")
    result = {"paper": "hinton2006", "reference": REFERENCE, **provenance(command, device), "hparams": hp.asdict(),
              "recipe": RECIPE, "schedule": schedule, "bfloat16": precision_note(device, log),
              "train_size": train_size or len(train_set), "validation_size": len(validation_set)}
    loaders = {split: TensorLoader(data, 1000, shuffle=False, device=device)
               for split, data in (("validation", validation_set), ("test", test_set))}
    start = time.perf_counter()
    history = train_recipe(hp, RECIPE, subset(train_set, slice(train_size)), loaders, device, log)
    chosen = min(history, key=lambda row: row["validation_error"])
    pca_error = pca_mse_by_size(train_set, test_set, [hp.latent_size])[hp.latent_size] * IMAGE_SIZE
    ours = {"autoencoder": chosen["test_error"], "logistic PCA": None, "PCA": pca_error}
    result |= {"training_seconds": history[-1]["seconds"], "chosen_epoch": chosen["epoch"], "epochs": history,
               "table": [{"method": method, "paper": paper, "ours": ours[method]}
                         for method, paper in HINTON2006_TABLE.items()],
               "wall_seconds": round(time.perf_counter() - start, 1)}
    return result


def candidate_settings(candidate: dict) -> tuple[HParams, dict]:
    """The hyperparameters and the recipe of a candidate of `SEARCH`: `HINTON2006` and `RECIPE`, changed."""
    hp = HINTON2006.replace(**{name: value for name, value in candidate.items() if name not in RECIPE})
    return hp, {name: candidate.get(name, value) for name, value in RECIPE.items()}


def seconds_per_epoch(hp: HParams, recipe: dict, train_set, device, images: int = 16_384) -> float:
    """The training seconds that an epoch of `hp` and `recipe` on `train_set` takes here: the batches of about
    `images` images timed after 3 warm-up batches, each on a fresh model thrown away after (the run itself
    starts afresh from its seed), in bfloat16 where the recipe's first epochs would be."""
    recipe = recipe | {"float32_epochs": 0}
    per_epoch = -(-len(train_set.data) // hp.batch_size)
    batches = min(max(1, images // hp.batch_size), per_epoch)
    for count in (3, batches):
        history = train_recipe(hp.replace(epochs=1), recipe, subset(train_set, slice(count * hp.batch_size)), {},
                               device, log=None)
    return history[-1]["seconds"] / batches * per_epoch


def epochs_within(budget: float, epoch_seconds: float) -> int:
    """The whole epochs of `epoch_seconds` each that fill `FILL` of `budget` seconds (at least one): the rest of
    the budget is left for the machine's noise."""
    return max(1, int(FILL * budget / epoch_seconds))


def search(candidates=SEARCH, epochs: int | None = None, budget: float = BUDGET_SECONDS,
           train_size: int | None = None, device=None, command: str = "", log=print) -> dict:
    """Train each recipe of `candidates` and return its validation error after each epoch: of the recipes that
    trained within `budget` seconds (all of them, if none did), the one with the lowest is `chosen`. The test
    images are not touched. A candidate trains for its own `epochs`, or, if it gives none, for the epochs that
    fill the budget here (`epochs_within`, from `seconds_per_epoch`, timed once for the candidates that differ
    only in what leaves an epoch's time alone: the learning rate, the weight decay, the warm-up, the
    initialisation). `epochs` and `train_size` replace every
    candidate's epochs and training images (a short version)."""
    train_set, validation_set, _ = get_datasets(validation=True)
    check_train_size(train_size, train_set)
    device = get_device(device)
    loaders = {"validation": TensorLoader(validation_set, 1000, shuffle=False, device=device)}
    result = {"paper": "hinton2006", **provenance(command, device), "bfloat16": precision_note(device, log),
              "train_size": train_size or len(train_set), "validation_size": len(validation_set), "candidates": []}
    training, epoch_seconds = subset(train_set, slice(train_size)), {}
    for candidate in candidates:
        hp, recipe = candidate_settings(candidate)
        try:
            if epochs is not None:
                hp = hp.replace(epochs=epochs)
            elif "epochs" not in candidate:
                shape = (hp.replace(lr=HINTON2006.lr), recipe["shift"])  # what an epoch's time depends on
                if shape not in epoch_seconds:
                    epoch_seconds[shape] = seconds_per_epoch(hp, recipe, training, device)
                hp = hp.replace(epochs=epochs_within(budget, epoch_seconds[shape]))
            if log is not None:
                log(f"candidate {candidate}: {hp.epochs} epoch{'s' * (hp.epochs > 1)}")
            history = train_recipe(hp, recipe, training, loaders, device, log)
        except NonFiniteLoss as error:  # a learning rate too large for the batch: recorded, never chosen
            if log is not None:
                log(f"candidate {candidate} diverged: {error}")
            result["candidates"].append({"candidate": candidate, "hparams": hp.asdict(), "recipe": recipe,
                                         "diverged": str(error)})
            continue
        best = min(history, key=lambda row: row["validation_error"])
        result["candidates"].append({"candidate": candidate, "hparams": hp.asdict(), "recipe": recipe,
                                     "validation_error": best["validation_error"], "epoch": best["epoch"],
                                     "training_seconds": history[-1]["seconds"], "epochs": history})
    rows = result["candidates"]
    trained = [i for i, row in enumerate(rows) if "diverged" not in row]
    if not trained:
        raise NonFiniteLoss("every candidate of the search diverged")
    in_time = [i for i in trained if rows[i]["training_seconds"] <= budget] or trained
    result |= {"budget_seconds": budget, "chosen": min(in_time, key=lambda i: rows[i]["validation_error"])}
    return result


def format_search(result: dict) -> str:
    """The search as text: each candidate's lowest validation error, its epoch of its epochs and the training
    time, the chosen one and any over the budget marked."""
    lines = [f"{'candidate':<72}{'validation':>11}{'epoch':>9}{'seconds':>9}"]
    for index, row in enumerate(result["candidates"]):
        name = ", ".join(f"{key}={value}" for key, value in row["candidate"].items())
        if "diverged" in row:
            lines.append(f"{name:<72}{'diverged':>11}")
            continue
        mark = ("  <- chosen" if index == result["chosen"] else
                "  over the budget" if row["training_seconds"] > result["budget_seconds"] else "")
        epoch = f"{row['epoch']}/{row['hparams']['epochs']}"
        lines.append(f"{name:<72}{row['validation_error']:>11.3f}{epoch:>9}"
                     f"{row['training_seconds']:>9.0f}{mark}")
    return "\n".join(lines)


PAPERS = {"hinton2006": hinton2006}


def chosen_row(result: dict) -> dict:
    """The row of `result["epochs"]` after the epoch chosen on validation (the lowest validation error)."""
    return result["epochs"][result["chosen_epoch"] - 1]


def first_below(result: dict, error: float = HINTON2006_TABLE["autoencoder"]) -> dict | None:
    """The row of the first epoch whose test error is below `error` (the paper's), or None: a report of how long
    the run took to get there, never a choice (the epoch is chosen on validation)."""
    return next((row for row in result["epochs"] if row["test_error"] < error), None)


def format_table(result: dict) -> str:
    """The table as text: each method's error per image in the paper and here, the epoch chosen, when the test
    error first went below the paper's, the wall time."""
    lines = [f"{'30-dimensional codes, MNIST test set':<40}{'paper':>8}{'here':>10}"]
    for row in result["table"]:
        ours = "-" if row["ours"] is None else f"{row['ours']:.2f}"
        lines.append(f"{row['method']:<40}{row['paper']:>8.2f}{ours:>10}")
    epochs, chosen = len(result["epochs"]), chosen_row(result)
    lines.append(f"autoencoder after epoch {chosen['epoch']} of {epochs}, chosen on validation "
                 f"(error {chosen['validation_error']:.2f} on the {result['validation_size']} validation images)")
    paper, first = HINTON2006_TABLE["autoencoder"], first_below(result)
    lines.append(f"test error first below the paper's {paper:.2f} after epoch {first['epoch']}, "
                 f"{first['seconds']:.0f} s of training" if first else
                 f"test error never below the paper's {paper:.2f}")
    lines.append(f"{epochs} epoch{'s' if epochs > 1 else ''} on {result['train_size']} training images, "
                 f"wall time {result['wall_seconds']:.0f} s on {result['machine']['device']}")
    return "\n".join(lines)


def plot_history(result: dict):
    """The validation and test errors per image after each epoch, the epoch chosen on validation, and the
    paper's numbers as horizontal lines; on the right, the second half of the run, enlarged."""
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(9.5, 4))
    epochs = result["epochs"]
    for a, rows in ((ax, epochs), (zoom, epochs[len(epochs) // 2:])):
        for split in ("validation", "test"):
            a.plot([row["epoch"] for row in rows], [row[f"{split}_error"] for row in rows], marker=".",
                   label=f"{split}, here")
        a.axvline(result["chosen_epoch"], color="grey", linewidth=1,
                  label=f"epoch chosen on validation ({result['chosen_epoch']})")
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.set_xlabel("epoch")
        a.grid(True, alpha=0.3)
    for (method, paper), style in zip(HINTON2006_TABLE.items(), ("-", "--", ":")):
        ax.axhline(paper, color="black", linestyle=style, linewidth=1, label=f"{method}, paper ({paper:.2f})")
    zoom.axhline(HINTON2006_TABLE["autoencoder"], color="black", linewidth=1)
    ax.set_ylim(0, None)
    ax.set_ylabel("squared error per image")
    zoom.set_title("second half, enlarged", fontsize=10)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig
