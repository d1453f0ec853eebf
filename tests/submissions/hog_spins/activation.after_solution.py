# Hostile: compare_activations spins the CPU in 64 processes (one session). Its classmates, graded at the same
# time, must keep their time; it loses this call to the time limit.
import os


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    with open("/proc/self/comm", "w") as comm:  # a name the tests look for once the batch is over
        comm.write("ae-hog")
    for _ in range(63):
        if os.fork() == 0:
            break
    while True:
        pass
