"""Write the students' copy of the course: everything but the solutions and the checks that need them.

    make release                    # writes release/ (git-ignored); then: cd release && make test

The copy holds the files git knows (committed or not yet, ignored ones excepted), less the reference
solutions, the grading checks that compare with them, and the grader's own tests, which grade the solutions.
The public checks (grader/exercises/*/test_public.py) stay: in the copy, ``pytest tests/grading`` checks interfaces and sanity.
"""
from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEFT_OUT = ["solutions/*", "tests/submissions/*", "tests/test_grader.py", "tests/test_release.py",
            "tests/test_autograder.py", "grader/exercises/*/test_reference.py", "grader/autograder/*",
            "tools/autograder.py", "tests/test_gradescope_*.py",
            "tests/test_limits.py"]
NOTE = ("> This is the students' copy of the course, written by `make release`: the reference solutions and the "
        "checks that compare with them are left out. `pytest tests/grading` checks your exercises' interfaces "
        "and behaviour.\n\n")


def course_files() -> list[str]:
    """The files git knows in the course: tracked, and untracked but not ignored."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                            capture_output=True, text=True)
    if listed.returncode != 0:
        sys.exit(f"release: git could not list the course's files ({listed.stderr.strip()}): run it in a git checkout")
    return [name for name in listed.stdout.split("\0") if name and (REPO / name).is_file()]


def main(destination: str = "release") -> None:
    target = REPO / destination
    if target.exists():
        shutil.rmtree(target)
    files = [f for f in course_files() if not any(fnmatch.fnmatch(f, pattern) for pattern in LEFT_OUT)]
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)
    readme = target / "README.md"
    title, _, rest = readme.read_text().partition("\n\n")
    readme.write_text(f"{title}\n\n{NOTE}{rest}")
    print(f"release: {len(files)} files in {target} (left out: {', '.join(LEFT_OUT)})")


if __name__ == "__main__":
    main(*sys.argv[1:])
