"""Where the course keeps its files: data, caches and results, set by environment variables.

Each folder comes from its variable when set (`AE_DATA_DIR`, `AE_CACHE_DIR`, `AE_RESULTS_DIR`), else from
the course checkout `ae` lives in, else (`ae` installed without `-e`, as a downloaded notebook installs it on a
laptop or Colab) from the current folder: `data/` there, where MNIST is downloaded when missing. Files are
written through `atomic_write`, so that a reader never sees half a file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_PACKAGE_PARENT = Path(__file__).resolve().parent.parent
_UMASK = os.umask(0o022)  # read once, at import (setting it is not thread-safe), and put back at once
os.umask(_UMASK)


def course_root() -> Path:
    """The course checkout that holds `ae` (it has `_toc.yml`), else the current folder."""
    return _PACKAGE_PARENT if (_PACKAGE_PARENT / "_toc.yml").is_file() else Path.cwd()


def _folder(variable: str, default: str) -> Path:
    return Path(os.environ.get(variable) or course_root() / default).expanduser().resolve()


def data_dir() -> Path:
    """The data folder: `$AE_DATA_DIR`, else `data/` in the course."""
    return _folder("AE_DATA_DIR", "data")


def cache_dir() -> Path:
    """The cache folder (trained models, grading references): `$AE_CACHE_DIR`, else `.cache/` in the course."""
    return _folder("AE_CACHE_DIR", ".cache")


def results_dir() -> Path:
    """The committed results: `$AE_RESULTS_DIR`, else `results/` in the course."""
    return _folder("AE_RESULTS_DIR", "results")


def exercise_file(name: str) -> Path:
    """The student's exercise file `name` (such as `"latent_size.py"`), where a notebook can import it from.

    Looked for in the current folder (beside a downloaded notebook), then in its `exercises/`, then in the
    `exercises/` of the course checkout `ae` lives in; the first found is returned. When none holds it,
    `FileNotFoundError` says where to put it.
    """
    here = Path.cwd()
    folders = list(dict.fromkeys([here, here / "exercises", course_root() / "exercises"]))
    for folder in folders:
        if (folder / name).is_file():
            return (folder / name).resolve()
    raise FileNotFoundError(f"{name} not found in {here} or {here / 'exercises'}: put your copy of the exercise "
                            f"(the stub is exercises/{name} in the course's repository) beside this notebook")


def atomic_write(path, write) -> Path:
    """Call `write(temporary_path)`, then move that file to `path` in one step; nothing is left on failure.

    The temporary file has a unique name in `path`'s folder, so that two writers never share it.
    """
    path = Path(path)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(descriptor)
    try:
        os.chmod(name, 0o666 & ~_UMASK)  # the modes of a file made with open(), not mkstemp's private 0600
        write(Path(name))
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return path
