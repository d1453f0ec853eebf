# Honest but wrong: the latent size is never passed on, so every model has the default code of 64.


def build_autoencoder(latent_size: int, seed: int = 0) -> ae.Net:
    model, _, _ = ae.reset(BUDGET, seed=seed)
    return model


def train_and_evaluate(latent_size: int, train_set, test_set, seed: int = 0) -> float:
    hp = BUDGET.replace(seed=seed)
    model, criterion, optimizer = ae.reset(hp)
    train_loader = ae.TensorLoader(train_set, hp.batch_size, seed=hp.seed)
    test_loader = ae.TensorLoader(test_set, 1000, shuffle=False)
    logs = ae.train(model, criterion, optimizer, train_loader, test_loader, hp.epochs, progress=False, log=None)
    return logs["test_loss"][-1]
