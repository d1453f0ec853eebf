# Honest but wrong: the noisy images are also the target, so the model learns to reproduce the noise.


def train_denoiser(train_set, kind: str, seed: int = 0) -> ae.Net:
    corrupt(torch.zeros(1, 1, 28, 28), kind)
    hp = BUDGET.replace(seed=seed)
    model, criterion, optimizer = ae.reset(hp)
    loader = ae.TensorLoader(train_set, hp.batch_size, seed=hp.seed)
    generator = torch.Generator().manual_seed(hp.seed)
    model.train()
    for _ in range(hp.epochs):
        for images, _ in loader:
            noisy = corrupt(images, kind, generator)
            loss = criterion(model(noisy), noisy)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
