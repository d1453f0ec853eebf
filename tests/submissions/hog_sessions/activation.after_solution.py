# Hostile: compare_activations spins the CPU in 64 processes, each in a session of its own, so that the kernel's
# autogroups (one CPU share per session) give it 64 shares. Only the per-submission cgroup keeps its classmates'
# share; it loses this call to the time limit.
import os


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    with open("/proc/self/comm", "w") as comm:  # a name the tests look for once the batch is over
        comm.write("ae-hog")
    for _ in range(63):
        if os.fork() == 0:
            os.setsid()
            break
    while True:
        pass
