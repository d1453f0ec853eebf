"""Checkpoints, and trained models cached on disk by their hyperparameters so that pages share one run."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

import torch

from .data import REPO_ROOT
from .hparams import HParams
from .model import Net
from .train import fit, get_device

# The files whose code decides what training produces: a change to any of them retrains.
_CODE = ("data.py", "hparams.py", "model.py", "train.py")


def save_checkpoint(path, model: Net, hp: HParams, logs: dict) -> None:
    """Write the weights, hyperparameters and logs of a run to ``path`` (atomically)."""
    path = Path(path)
    tmp = path.with_suffix(".tmp")
    torch.save({"hparams": hp.asdict(), "state_dict": model.state_dict(), "logs": logs}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, device=None):
    """The ``(model, hparams, logs)`` saved by :func:`save_checkpoint`, the model in eval mode."""
    saved = torch.load(path, map_location=get_device(device))
    hp = HParams(**saved["hparams"])
    model = Net(hp.latent_size, hp.hidden, hp.activation).to(get_device(device))
    model.load_state_dict(saved["state_dict"])
    return model.eval(), hp, saved["logs"]


def cache_dir() -> Path:
    """The cache folder: ``$AE_CACHE_DIR`` if set, else ``.cache/`` in the repository."""
    return Path(os.environ.get("AE_CACHE_DIR") or REPO_ROOT / ".cache").expanduser().resolve()


def cache_key(hp: HParams, device, eval_every: int | None = None) -> str:
    """A digest of the hyperparameters, the evaluation interval, the device type and the training code."""
    digest = hashlib.sha256(json.dumps([hp.asdict(), eval_every], sort_keys=True).encode())
    digest.update(get_device(device).type.encode())
    for name in _CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def trained(hp: HParams | None = None, device=None, eval_every: int | None = None, progress: bool = True, log=None):
    """The model trained with ``hp`` and its logs: loaded from the cache, or trained once and stored there.

    ``eval_every`` is passed to :func:`~ae.train.train` (test evaluations every so many steps).
    """
    hp = hp or HParams()
    device = get_device(device)
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{cache_key(hp, device, eval_every)}.pt"
    with open(folder / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process trains, the others wait for its result
        if not path.exists():
            model, logs = fit(hp, device, eval_every, progress, log)
            save_checkpoint(path, model, hp, logs)
    model, _, logs = load_checkpoint(path, device)
    return model, logs
