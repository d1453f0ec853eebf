"""How long grading takes, each submission isolated by bubblewrap: one submission, then classes of growing size
with ``--jobs 1`` and with ``--jobs 2``.

    python benchmarks/grading.py [--class-sizes 10 ...]

Every submission is a copy of ``solutions/``, the most work a submission can cause (all its trainings run
to the end). The reference records go to a fresh cache (``AE_CACHE_DIR`` in a temporary folder), so the
first, "cold" grading of one submission also computes them; every later grading finds them cached, as a
class graded by ``python -m grader`` does after its first step. Prints wall-clock seconds.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def grade(folders, csv_path: Path, env: dict, jobs: int) -> float:
    """Seconds ``python -m grader`` takes on ``folders``; fails unless every submission gets full marks."""
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "grader", *map(str, folders), "--csv", str(csv_path), "--force",
                    "--jobs", str(jobs)], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert all(row["total"] == row["max"] for row in rows), rows
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-sizes", type=int, nargs="+", default=[10],
                        help="submissions in each class graded (default %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ae-bench-") as work:
        work = Path(work)
        env = {**os.environ, "AE_CACHE_DIR": str(work / "cache")}
        folders = [work / f"student{i:02d}" for i in range(max(args.class_sizes))]
        for folder in folders:
            shutil.copytree(REPO / "solutions", folder)
        print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
        cold = grade(folders[:1], work / "one.csv", env, 1)
        print(f"one submission, references computed too: {cold:6.1f} s")
        warm = grade(folders[:1], work / "one.csv", env, 1)
        print(f"one submission, references cached:       {warm:6.1f} s")
        for size in args.class_sizes:
            serial = grade(folders[:size], work / "class.csv", env, 1)
            parallel = grade(folders[:size], work / "class.csv", env, 2)
            print(f"class of {size:3d}: --jobs 1 {serial:6.1f} s, --jobs 2 {parallel:6.1f} s "
                  f"({parallel / serial:.0%} of --jobs 1)")


if __name__ == "__main__":
    main()
