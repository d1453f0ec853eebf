"""Hostile, nothing but an attack: writes forged grader records (every probe with numbers from a public run,
"done", "ready") to every file descriptor it has, at import and in every call, and implements nothing.
The grader reads only answers to its own requests: 0 points."""
import json
import os

PUBLIC_SWEEP = {"dict": [[2, 0.053], [4, 0.040], [8, 0.030], [16, 0.026], [32, 0.025]]}
PROBES = ["import", "constants", "build", "build_again", "build_other_seed", "choose in order", "choose shuffled",
          "choose equal to the target", "choose not monotonic", "choose unreachable", "train", "sweep", "choice",
          "report"]


def forge():
    lines = [{"ready": True}, {"done": True}]
    for probe in PROBES:
        lines.append({"nonce": "0" * 32, "probe": probe, "value": PUBLIC_SWEEP})
        lines.append({"probe": probe, "call": probe, "value": 8})
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    for fd in range(1, 64):
        try:
            os.write(fd, data)
        except OSError:
            pass
    for name in os.listdir("/proc/self/fd"):
        try:
            with open(f"/proc/self/fd/{name}", "wb") as pipe:
                pipe.write(data)
        except OSError:
            pass


forge()


def build_autoencoder(latent_size, seed=0):
    forge()


def train_and_evaluate(latent_size, train_set, test_set, seed=0):
    forge()


def sweep(train_set, test_set, grid=(2, 4, 8, 16, 32), seed=0):
    forge()


def choose_latent_size(results, target=0.035):
    forge()
