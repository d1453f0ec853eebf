# Honest but wrong: train_and_evaluate measures the model on the training images, whatever test_set it gets.


def train_and_evaluate(latent_size: int, train_set, test_set, seed: int = 0) -> float:
    hp = BUDGET.replace(latent_size=latent_size, seed=seed)
    _, logs = ae.fit(hp, progress=False, log=None, train_set=train_set, test_set=train_set)
    return logs["test_loss"][-1]
