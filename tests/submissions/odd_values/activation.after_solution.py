# Honest but odd: compare_activations adds a 5,000-digit int to the right numbers. Only what needs it fails.


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    results = {name: train_and_evaluate(name, train_set, test_set, seed) for name in names}
    results["googol"] = 10**5000
    return results
