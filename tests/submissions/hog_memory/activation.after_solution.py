# Hostile: compare_activations forks 8 children that each hold 1.5 GB (each within the memory a process may
# take), 12 GB in all, and waits for them forever. The per-submission memory limit stops them; its classmates
# lose nothing, it loses this call.
import os
import time


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    with open("/proc/self/comm", "w") as comm:  # a name the tests look for once the batch is over
        comm.write("ae-hog")
    for _ in range(8):
        if os.fork() == 0:
            held = b"x" * (1536 * 2**20)
            while held:
                time.sleep(1)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            time.sleep(1)
