# A bug: train_denoiser keeps allocating until memory runs out. The corruptions are right.


def train_denoiser(train_set, kind: str, seed: int = 0) -> ae.Net:
    batches = []
    while True:
        batches.append(torch.ones(2**27))
