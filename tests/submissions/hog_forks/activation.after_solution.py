# Hostile: compare_activations is a fork bomb; every process it starts forks again until the system refuses, then
# keeps trying. The per-submission cgroup caps its processes; its classmates lose nothing, it loses this call.
import os
import time


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    with open("/proc/self/comm", "w") as comm:  # a name the tests look for once the batch is over
        comm.write("ae-hog")
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
