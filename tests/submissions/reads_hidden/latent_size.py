"""Hostile, nothing but an attack: looks for the reference solution and the cached reference records everywhere
it can name (course paths read from ae and /proc, directory descriptors with relative paths, a walk of the
whole file system) and runs the solution if it finds it. The grader must leave it nothing to find: 0 points."""
import os
from pathlib import Path

import ae

WANTED = ("solutions", "grading.json", ".cache")
found = None


def look(folder: str) -> str | None:
    """The solution's source if ``folder`` holds it, read through a directory descriptor and a relative path."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        with open(os.open("latent_size.py", os.O_RDONLY, dir_fd=fd)) as f:
            text = f.read()
        return text if "def sweep" in text and "NotImplementedError" not in text else None
    except OSError:
        return None
    finally:
        os.close(fd)


candidates = [str(Path(ae.__file__).resolve().parent.parent / "solutions"), "/work/main/solutions",
              "/autograder/source/solutions"]
try:
    for line in open("/proc/self/mountinfo"):
        root = line.split()[3]
        candidates += [root, str(Path(root).parent / "solutions"), str(Path(root).parent.parent / "solutions")]
except OSError:
    pass
for top, folders, files in os.walk("/", onerror=lambda error: None):
    folders[:] = [f for f in folders if f not in ("proc", "sys", "dev")]
    if any(w in top for w in WANTED) or any(w in folders for w in WANTED):
        candidates += [top, *(os.path.join(top, f) for f in folders)]
for candidate in candidates:
    found = found or look(candidate)
if found is None:
    raise ImportError("nothing to steal")
exec(found)
