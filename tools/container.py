"""Run a command as a container of a given size would hold it: a cgroup of MEMORY MB and CPUS CPUs.

    python tools/container.py [--memory 768] [--cpus 0.5] -- COMMAND [ARG ...]

Gradescope grades each submission in a container: by default 768 MB and half a CPU. This runs ``COMMAND``
(and everything it starts) in a cgroup with those limits, as the kernel would inside such a container: when the
memory runs out, the kernel kills a process of the cgroup, chosen by its size and ``oom_score_adj`` alone. It
prints the command's exit status, its seconds, the cgroup's peak memory and how many processes the kernel
killed for memory, as one JSON line on stderr. It needs a cgroup the user may create (root, or a delegated
cgroup v2): elsewhere it exits with status 3, saying why in one line.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader import limits  # noqa: E402 - the course's root is put on the path first

GRADESCOPE_MEMORY_MB, GRADESCOPE_CPUS = 768, 0.5  # Gradescope's default container
PROCESSES = 4096
UNAVAILABLE = 3


class NoContainer(Exception):
    """This machine cannot make the cgroup: the message says why."""


def peak_mb(group: limits.Group) -> int | None:
    """The most memory the cgroup has held, in MB (None where the kernel does not say)."""
    folder = group.folders.get("memory")
    for name in ("memory.peak", "memory.max_usage_in_bytes"):
        if folder is not None and (folder / name).is_file():
            return round(int(limits.read(folder / name)) / 2**20)
    return None


def run(command: list[str], memory_mb: int = GRADESCOPE_MEMORY_MB, cpus: float = GRADESCOPE_CPUS,
        timeout: float | None = None, **options) -> dict:
    """Run ``command`` in a cgroup of ``memory_mb`` and ``cpus``: its ``status``, ``seconds``, ``peak_mb``,
    ``oom_kills`` and the ``process`` (a finished ``subprocess.CompletedProcess``); NoContainer where no cgroup
    with a memory and a CPU limit can be made here."""
    size = limits.Limits(memory_mb, PROCESSES, cpus, len(os.sched_getaffinity(0)), 1)
    with limits.protect(size, scopes=False, spare_main=False) as protection:
        if protection.backend is None or not {"memory", "cpu"} <= set(protection.backend.limited):
            raise NoContainer(protection.line())
        group = protection.group()
        started = time.monotonic()
        try:
            done = subprocess.run(group.wrap(command), timeout=timeout, **options)
        finally:
            seconds = time.monotonic() - started
            peak, kills = peak_mb(group), group.oom_kills()
            protection.release(group)
    return {"status": done.returncode, "seconds": round(seconds, 1), "peak_mb": peak, "oom_kills": kills,
            "memory_mb": memory_mb, "cpus": cpus, "process": done}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/container.py", description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=GRADESCOPE_MEMORY_MB, metavar="MB",
                        help="memory of the container (default %(default)s, Gradescope's)")
    parser.add_argument("--cpus", type=float, default=GRADESCOPE_CPUS,
                        help="CPUs of the container (default %(default)s, Gradescope's)")
    parser.add_argument("command", nargs="+", help="the command, after --")
    args = parser.parse_args(argv)
    if args.memory <= 0 or not 0 < args.cpus <= len(os.sched_getaffinity(0)):
        parser.error("--memory must be above 0 and --cpus above 0 and at most this machine's CPUs")
    try:
        measured = run(args.command, args.memory, args.cpus)
    except NoContainer as why:
        print(f"container: no cgroup can hold the command here: {why}", file=sys.stderr)
        return UNAVAILABLE
    del measured["process"]
    print(json.dumps(measured), file=sys.stderr)
    return measured["status"] if measured["status"] >= 0 else 128 - measured["status"]


if __name__ == "__main__":
    sys.exit(main())
