"""Committed results: JSON files that record what was run, on which code and machine, and what came out."""
from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import torch

from .paths import course_root


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=course_root(), capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def provenance(command: str, device) -> dict:
    """Where a result comes from: the command line, the git commit (and whether the tree was dirty), the machine."""
    status = _git("status", "--porcelain")
    return {
        "command": command,
        "commit": _git("rev-parse", "HEAD"),
        "dirty": None if status is None else bool(status),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "device": str(device),
        },
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_result(path, result: dict) -> Path:
    """Write ``result`` as indented JSON to ``path`` (creating its folder) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def read_result(path) -> dict:
    """A result written by :func:`write_result`; a missing file raises ``FileNotFoundError`` naming the command to run."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run the command documented on the book page that uses it")
    return json.loads(path.read_text())
