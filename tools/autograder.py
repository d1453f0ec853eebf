"""Write the Gradescope autograder bundle: ``make autograder`` -> ``dist/autograder.zip``.

    python tools/autograder.py [--out dist/autograder.zip] [--force]

At the zip's root: ``setup.sh`` and ``run_autograder`` (from ``grader/autograder/``), the course files the grader
needs (the files git knows under ``ae/``, ``grader/`` and ``solutions/``, with
``pyproject.toml``, ``constraints.txt`` (the versions ``setup.sh`` installs), ``README.md`` and ``_toc.yml``),
and MNIST's raw files under ``data/MNIST/raw/``, taken from ``$AE_DATA_DIR``. The bundle holds the solutions and
the instructor's seed: upload it to Gradescope only.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from ae.data import RAW_FILES
from ae.paths import atomic_write, data_dir

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "grader" / "autograder"
SCRIPTS = ("setup.sh", "run_autograder")
FOLDERS = ("ae/", "grader/", "solutions/")
FILES = ("pyproject.toml", "constraints.txt", "README.md", "_toc.yml")
STAMP = (1980, 1, 1, 0, 0, 0)  # every entry's date: the same files give the same zip


def course_files() -> list[str]:
    """The course files of the bundle: those git knows (tracked, or untracked and not ignored) that exist."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        sys.exit(f"autograder: git could not list the course's files ({listed.stderr.strip()}): run it in a git "
                 "checkout")
    return sorted(name for name in listed.stdout.split("\0")
                  if (name.startswith(FOLDERS) or name in FILES) and (REPO / name).is_file())


def entries() -> list[tuple[str, Path, int]]:
    """``(name in the zip, file, mode)`` of every file of the bundle; exits with one line if one is missing."""
    raw = data_dir() / "MNIST" / "raw"
    missing = [name for name in RAW_FILES if not (raw / name).is_file()]
    if missing:
        sys.exit(f"autograder: MNIST is not in {raw} ({', '.join(missing)} missing): set AE_DATA_DIR to the folder "
                 "that holds MNIST/raw/")
    missing = [str(path) for path in (*(TEMPLATES / name for name in SCRIPTS), *(REPO / name for name in FILES))
               if not path.is_file()]
    if missing:
        sys.exit(f"autograder: {', '.join(missing)} missing from the course")
    return [*((name, TEMPLATES / name, 0o755) for name in SCRIPTS),
            *((name, REPO / name, 0o644) for name in course_files()),
            *((f"data/MNIST/raw/{name}", raw / name, 0o644) for name in RAW_FILES)]


def write_zip(path: Path, files: list[tuple[str, Path, int]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, source, mode in files:
            info = zipfile.ZipInfo(name, STAMP)
            info.external_attr = (0o100000 | mode) << 16  # a regular file with its mode, which unzip restores
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(source, "rb") as data, bundle.open(info, "w") as entry:
                while chunk := data.read(1 << 20):
                    entry.write(chunk)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="tools/autograder.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "dist" / "autograder.zip"), help="the zip (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace the zip if it exists")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not args.force:
        sys.exit(f"autograder: {out} exists: pass --force to replace it")
    files = entries()
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, lambda tmp: write_zip(tmp, files))
    print(f"autograder: {out} ({len(files)} files, {out.stat().st_size / 2**20:.1f} MiB): upload it to Gradescope "
          "as the autograder of a programming assignment")
    print(f"autograder: {container_settings()}")


def container_settings(path: Path = REPO / "results" / "gradescope.json") -> str:
    """The container settings the autograder needs, as ``benchmarks/gradescope.py`` measured them."""
    try:
        measured = json.loads(path.read_text())["container"]
    except (OSError, ValueError, KeyError) as error:
        return f"no measured container size ({path.name}: {type(error).__name__}; run benchmarks/gradescope.py)"
    cpus = f"{measured['cpus']:g} CPU"
    return (f"Gradescope's container settings: {measured['memory_mb']} MB and {cpus} suffice (measured by "
            f"benchmarks/gradescope.py: a correct submission got {measured['score']:g} / {measured['max_score']:g} in "
            f"{measured['seconds']:.0f} s, peak memory {measured['peak_mb']} MB); keep the autograder timeout at its "
            "default 10 minutes or more")


if __name__ == "__main__":
    main()
