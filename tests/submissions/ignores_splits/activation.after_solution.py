# Honest but wrong: train_and_evaluate measures the model on the training images, whatever test_set it gets.


def train_and_evaluate(activation: str, train_set, test_set, seed: int = 0) -> float:
    hp = BUDGET.replace(seed=seed)
    ae.set_seed(hp.seed)
    model = ae.Net(hp.latent_size, hp.hidden, activation=get_activation(activation))
    optimizer = torch.optim.Adam(model.parameters(), lr=hp.lr)
    train_loader = ae.TensorLoader(train_set, hp.batch_size, seed=hp.seed)
    measured_on = ae.TensorLoader(train_set, 1000, shuffle=False)
    logs = ae.train(model, nn.MSELoss(), optimizer, train_loader, measured_on, hp.epochs, progress=False, log=None)
    return logs["test_loss"][-1]
