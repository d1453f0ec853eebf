"""The autograder in Gradescope's default container: a correct submission graded in 768 MB and half a CPU.

    sudo .venv/bin/python benchmarks/gradescope.py [--memory 768] [--cpus 0.5] [--out results/gradescope.json]

Builds the bundle (``tools/autograder.py``), unpacks it in a simulated ``/autograder``, computes the reference
records as ``setup.sh`` does (outside the container, when the image is built), then runs the bundle's own
``run_autograder`` on a copy of ``solutions/`` in a cgroup of the container's size (``tools/container.py``:
root or a delegated cgroup v2). Writes the seconds, the cgroup's peak memory and the score, with the commit and
the machine, to ``--out``; ``make autograder`` prints them, and the README states them.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

import container  # noqa: E402 - tools/container.py
from ae.results import provenance, write_result  # noqa: E402

SETUP_REFERENCES = """from grader import reference
from grader.registry import names
for exercise in names():
    reference.reference(exercise, reference.grading_seed())"""


def unpack(bundle: Path, source: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            Path(archive.extract(info, source)).chmod(stat.S_IMODE(info.external_attr >> 16))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=container.GRADESCOPE_MEMORY_MB, metavar="MB",
                        help="the container's memory (default %(default)s, Gradescope's)")
    parser.add_argument("--cpus", type=float, default=container.GRADESCOPE_CPUS,
                        help="the container's CPUs (default %(default)s, Gradescope's)")
    parser.add_argument("--out", default=str(REPO / "results" / "gradescope.json"),
                        help="the JSON file to write (default: results/gradescope.json)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="measure a tree with uncommitted changes (the result is marked dirty)")
    args = parser.parse_args()
    result = provenance("python benchmarks/gradescope.py", "cpu")
    if result["dirty"] and not args.allow_dirty:
        parser.error("the git tree has uncommitted changes: commit them first, or pass --allow-dirty")
    with tempfile.TemporaryDirectory(prefix="ae-gradescope-") as work:
        root = Path(work) / "autograder"
        bundle = Path(work) / "autograder.zip"
        subprocess.run([sys.executable, str(REPO / "tools" / "autograder.py"), "--out", str(bundle)], cwd=REPO,
                       check=True, stdout=subprocess.DEVNULL)
        unpack(bundle, root / "source")
        shutil.copytree(REPO / "solutions", root / "submission", ignore=shutil.ignore_patterns("*.json"))
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable,
               "AE_CACHE_DIR": str(root / "source" / ".cache"), "AE_DATA_DIR": str(root / "source" / "data")}
        subprocess.run([sys.executable, "-c", SETUP_REFERENCES], cwd=root / "source", env=env, check=True)
        try:
            measured = container.run([str(root / "source" / "run_autograder")], args.memory, args.cpus, cwd=root,
                                     env=env, capture_output=True, text=True, timeout=1800)
        except container.NoContainer as why:
            parser.exit(3, f"no cgroup of the container's size can be made here: {why}\n")
        done = measured.pop("process")
        graded = json.loads((root / "results" / "results.json").read_text())
    result["container"] = {**measured, "score": graded["score"],
                           "max_score": sum(test["max_score"] for test in graded["tests"]),
                           "grader_said": done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""}
    print(json.dumps(result["container"], indent=1))
    print(f"wrote {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


if __name__ == "__main__":
    main()
