# A bug: compare_activations waits for something that never comes. Everything it does not touch is right.
import time


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    results = {}
    while len(results) < len(names):
        time.sleep(1)
    return results
