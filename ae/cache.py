"""Checkpoints, and one helper that computes a result once and keeps it on disk: `cached`.

Trained models (`trained`) and the grader's reference records use the same helper: the entry's name is a
digest of what decides the result (the arguments, the code, the torch version), the first process computes it
while the others wait on a lock, the file is written atomically, and a corrupt entry is computed again.
`cached` does not import torch (the grader's process that reads its records runs without it).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from .hparams import HParams
from .paths import atomic_write, cache_dir

if TYPE_CHECKING:
    from .model import Net

# The files whose code decides what training produces: a change to any of them retrains.
TRAINING_CODE = tuple(Path(__file__).parent / name for name in ("data.py", "hparams.py", "model.py", "train.py"))


class CheckpointError(ValueError):
    """A file that is not a checkpoint written by `save_checkpoint`."""


def save_checkpoint(path, model: Net, hp: HParams, logs: dict) -> None:
    """Write the weights, hyperparameters and logs of a run to `path` (atomically)."""
    import torch

    state = {"hparams": hp.asdict(), "state_dict": model.state_dict(), "logs": logs}
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path, device=None, model_class=None):
    """The `(model, hparams, logs)` saved by `save_checkpoint`, the model (a `model_class`, default `Net`) in eval
    mode.

    Only tensors and plain data are read (`weights_only=True`); any other file raises `CheckpointError`.
    """
    import torch

    from .model import Net
    from .train import get_device

    try:
        saved = torch.load(path, map_location=get_device(device), weights_only=True)
        hp = HParams(**saved["hparams"])
        model = (model_class or Net)(hp.latent_size, hp.hidden, hp.activation).to(get_device(device))
        model.load_state_dict(saved["state_dict"])
        logs = saved["logs"]
    except FileNotFoundError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever is wrong with the file, one message
        raise CheckpointError(f"{path} is not a checkpoint of this course ({type(error).__name__}); "
                              "train one with `python -m ae train --out FOLDER`") from None
    return model.eval(), hp, logs


def digest(key, files=()) -> str:
    """A short digest of `key` (JSON data), the contents of `files` and the torch version."""
    hashed = hashlib.sha256(json.dumps([key, version("torch")], sort_keys=True).encode())
    for path in files:
        hashed.update(Path(path).read_bytes())
    return hashed.hexdigest()[:16]


def cached(kind: str, key, compute, save, load, files=(), suffix: str = ""):
    """`load` of the entry for `key` in `cache_dir()/kind`, computing and saving it first when missing.

    `compute()` gives the value, `save(value, path)` writes it, `load(path)` reads it back; `key` (JSON
    data), the contents of `files` and the torch version name the entry. An entry that cannot be loaded is
    removed and computed again, with one line on stderr saying so.
    """
    folder = cache_dir() / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest(key, files)}{suffix}"
    with FileLock(f"{path}.lock"):  # one process computes, the others wait for its file
        if path.exists():
            try:
                return load(path)
            except Exception as error:  # noqa: BLE001 - any unreadable entry is computed again
                print(f"ae: the cache entry {path} is corrupt ({type(error).__name__}); computing it again",
                      file=sys.stderr)
                path.unlink()
        value = compute()
        atomic_write(path, lambda tmp: save(value, tmp))
        return load(path)


def trained(hp: HParams | None = None, device=None, eval_every: int | None = None, progress: bool = True, log=None,
            run=None, model_class=None, criterion=None):
    """The model trained with `hp` and its logs: loaded from the cache, or trained once and stored there.

    `eval_every` is passed to `train` (test evaluations every so many steps). `run`: a
    `(model, logs)` pair just trained with `hp` by `fit`'s own steps (`reset`, the loaders,
    `train`), stored instead of training again when the cache has no entry yet (the book's step 14 does this).
    `model_class` (default `Net`) and `criterion` are passed to `fit` (a VAE and its ELBO terms); their names and
    the code of their modules are part of the entry's key.
    """
    from .model import Net
    from .train import fit, get_device

    model_class = model_class or Net

    hp = hp or HParams()
    device = get_device(device)
    key = {"hparams": hp.asdict(), "eval_every": eval_every, "device": device.type}
    files = TRAINING_CODE
    if model_class is not Net or criterion is not None:  # the key of a plain Net is the one it always had
        key["model"] = [f"{part.__module__}.{part.__qualname__}" for part in (model_class, criterion) if part]
        files += tuple(sorted({Path(inspect.getsourcefile(part)) for part in (model_class, criterion) if part}))
    compute = (lambda: run) if run is not None else (
        lambda: fit(hp, device, eval_every, progress, log, model_class=model_class, criterion=criterion))
    model, _, logs = cached("models", key, compute,
                            lambda run, path: save_checkpoint(path, run[0], hp, run[1]),
                            lambda path: load_checkpoint(path, device, model_class), files=files, suffix=".pt")
    return model, logs
