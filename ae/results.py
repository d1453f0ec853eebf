"""Committed results: JSON files that record what was run, on which code and machine, and what came out."""
from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from .paths import atomic_write, course_root


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=course_root(), capture_output=True, text=True, check=True)
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def tree_is_dirty() -> bool | None:
    """Whether the course's git tree has changes not committed (None when it is not a git checkout)."""
    status = _git("status", "--porcelain")
    return None if status is None else bool(status)


BFLOAT16_FLAGS = ("avx512f", "avx512_bf16", "amx_bf16", "amx_tile")  # the CPU flags that make bfloat16 fast


def cpu(cpuinfo="/proc/cpuinfo") -> dict:
    """The CPU: its name and which of `BFLOAT16_FLAGS` it has (from `cpuinfo`, where there is one), and
    torch's capability on it (`torch.backends.cpu.get_cpu_capability()`: "AVX2", "AVX512"...)."""
    import torch

    info = Path(cpuinfo)
    lines = dict(line.split(":", 1) for line in info.read_text().splitlines() if ":" in line) if info.exists() else {}
    flags = set(lines.get("flags\t\t", "").split())
    return {"name": lines.get("model name\t", "").strip() or platform.processor() or platform.machine(),
            "capability": torch.backends.cpu.get_cpu_capability(),
            "bfloat16_flags": [flag for flag in BFLOAT16_FLAGS if flag in flags]}


def provenance(command: str, device) -> dict:
    """Where a result comes from: the command line, the git commit (and whether the tree was dirty), the machine."""
    import torch

    return {
        "command": command,
        "commit": _git("rev-parse", "HEAD"),
        "dirty": tree_is_dirty(),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu": cpu(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "device": str(device),
        },
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


class DirtyTree(ValueError):
    """A result from code that is not committed: its recorded commit does not say what produced it."""


def write_result(path, result: dict, allow_dirty: bool = False) -> Path:
    """Write `result` as indented JSON to `path` (creating its folder; atomically) and return the path.

    A result whose provenance says the git tree was dirty (`result["dirty"]`, or the tree now when the result
    records none) raises `DirtyTree` unless `allow_dirty`: the file then keeps `"dirty": true`.
    """
    path = Path(path)
    if (result["dirty"] if "dirty" in result else tree_is_dirty()) and not allow_dirty:
        raise DirtyTree(f"{path} not written: the result comes from a git tree with uncommitted changes; "
                        "commit them and run again, or pass allow_dirty=True (--allow-dirty) to mark it dirty")
    text = json.dumps(result, indent=1) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def read_result(path) -> dict:
    """A result written by `write_result`; a missing file raises `FileNotFoundError` naming the command
    to run."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the command documented on the book page that uses it")
    return json.loads(path.read_text())
