# A bug: sweep raises. Everything else of the exercise is right.


def sweep(train_set, test_set, grid=GRID, seed: int = 0) -> dict[int, float]:
    return {size: train_and_evaluate(size, train_set, test_set, seed) / 0 for size in grid}
