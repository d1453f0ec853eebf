# Honest but wrong: train_and_evaluate builds its model from the name (ae.fit), never with its own get_activation.
# Its numbers are right (the same modules, the same seed): only the check that the model uses get_activation fails.


def train_and_evaluate(activation: str, train_set, test_set, seed: int = 0) -> float:
    hp = BUDGET.replace(activation=activation, seed=seed)
    _, logs = ae.fit(hp, progress=False, log=None, train_set=train_set, test_set=test_set)
    return logs["test_loss"][-1]
