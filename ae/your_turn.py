"""The checks of the book's "Your turn" tasks: each runs what you wrote and `ae`'s own code on the same fixed
batch, prints one line (right, or what differs), and returns whether it is right."""
from __future__ import annotations

import torch
from torch import nn

from .model import Net
from .train import evaluate, make_optimizer, train_step

TOLERANCE = 1e-5  # the same arithmetic in another order differs by about 1e-7 in float32


def _batch(n: int = 8, seed: int = 0) -> torch.Tensor:
    """A fixed batch of `n` images `(n, 1, 28, 28)` with pixels in [0, 1]."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


def _verdict(ok: bool, message: str) -> bool:
    print(("Right: " if ok else "Not yet: ") + message)
    return ok


def _run(what: str, call):
    """`(value, None)`, or `(None, message)` when the call raised."""
    try:
        return call(), None
    except NotImplementedError:
        return None, f"{what} is not written yet: replace the raise NotImplementedError with your code."
    except Exception as error:  # noqa: BLE001 - any error of the learner's code becomes one line
        return None, f"{what} raised {type(error).__name__}: {error}"


def _shapes(model: nn.Module) -> list[tuple[int, ...]]:
    return [tuple(p.shape) for p in model.parameters()]


def check_net(model_class, latent_size: int = 64, hidden=(256,), activation: str = "relu") -> bool:
    """Whether `model_class()` computes what `Net(latent_size, hidden, activation)` computes: the same layers in
    the same order, and with `Net`'s weights copied in, the same reconstructions of a fixed batch."""
    reference = Net(latent_size, hidden, activation)
    model, error = _run(f"{getattr(model_class, '__name__', 'your class')}()", model_class)
    if error:
        return _verdict(False, error)
    if not isinstance(model, nn.Module):
        return _verdict(False, f"expected a torch.nn.Module, got {type(model).__name__}")
    if _shapes(model) != _shapes(reference):
        return _verdict(False, f"your weights have the shapes {_shapes(model)}, ae.Net's {_shapes(reference)}: "
                               "each Linear(inputs, outputs) gives a weight (outputs, inputs) and a bias (outputs,)")
    with torch.no_grad():
        for mine, theirs in zip(model.parameters(), reference.parameters()):
            mine.copy_(theirs)
    images = _batch()
    output, error = _run("forward", lambda: model(images))
    if error:
        return _verdict(False, error)
    if not isinstance(output, torch.Tensor) or output.shape != images.shape:
        shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output).__name__
        return _verdict(False, f"forward gave {shape} for images {tuple(images.shape)}: return the input's shape "
                               "(.view_as(x))")
    difference = (output - reference(images)).abs().max().item()
    if difference > TOLERANCE:
        return _verdict(False, f"with ae.Net's weights, your reconstructions differ from its own by up to "
                               f"{difference:.3g}: check the activation between the layers (none on the code) and "
                               "the sigmoid at the end")
    return _verdict(True, f"the same layers as ae.Net and, with its weights, the same reconstructions (within "
                          f"{TOLERANCE:g}).")


def _fresh(seed: int = 0):
    torch.manual_seed(seed)
    model = Net(16, (32,))
    return model, make_optimizer("adam", model.parameters(), 1e-2)


def check_train_step(step) -> bool:
    """Whether `step(model, criterion, optimizer, inputs, targets)` trains as `ae.train_step` does: the same loss
    and the same weights after each of two steps on fixed batches (the second fails if the gradients are not
    zeroed)."""
    mine, theirs = _fresh(), _fresh()
    criterion = nn.MSELoss()
    for number, seed in enumerate((1, 2), start=1):
        images = _batch(seed=seed)
        loss, error = _run("your training step", lambda: step(mine[0], criterion, mine[1], images, images))
        if error:
            return _verdict(False, error)
        expected = train_step(theirs[0], criterion, theirs[1], images, images)
        moved = any(not torch.equal(a, b) for a, b in zip(mine[0].parameters(), _fresh()[0].parameters()))
        if not moved:
            return _verdict(False, "the weights did not move: call loss.backward() and then optimizer.step()")
        value = loss.item() if isinstance(loss, torch.Tensor) and loss.numel() == 1 else loss
        if not isinstance(value, float) or abs(value - expected.item()) > TOLERANCE:
            return _verdict(False, f"step {number} returned {value!r}, the loss is {expected.item():.6f}: return "
                                   "the loss of the batch, criterion(model(inputs), targets)")
        difference = max((a - b).abs().max().item() for a, b in zip(mine[0].parameters(), theirs[0].parameters()))
        if difference > TOLERANCE:
            hint = ("zero the gradients (optimizer.zero_grad()) before loss.backward(): they add up otherwise"
                    if number == 2 else "one forward, one backward and one optimizer.step() per call")
            return _verdict(False, f"after step {number} your weights differ from ae.train_step's by up to "
                                   f"{difference:.3g}: {hint}")
    return _verdict(True, "the same losses and weights as ae.train_step after two steps.")


def check_test_loss(test_loss) -> bool:
    """Whether `test_loss(model, loader)` gives the mean squared error per pixel over all the images of `loader`,
    as `ae.evaluate` does, and leaves the model in training mode with no gradients computed."""
    torch.manual_seed(0)
    model = Net(16, (32,))
    images = _batch(250, seed=3)
    images[200:] = 0  # a last, smaller batch of black images: its mean differs from the others'
    loader = [(images[i:i + 100], torch.zeros(len(images[i:i + 100]))) for i in range(0, 250, 100)]  # 100, 100, 50
    model.train()
    value, error = _run("test_loss", lambda: test_loss(model, loader))
    if error:
        return _verdict(False, error)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        if value.requires_grad:
            return _verdict(False, "the loss carries gradients: compute it under torch.no_grad()")
        value = value.item()
    expected = evaluate(model, loader)[0]
    if not isinstance(value, float):
        return _verdict(False, f"test_loss returned {type(value).__name__}, not a number")
    if abs(value - expected) > TOLERANCE:
        with torch.no_grad():
            means = [nn.functional.mse_loss(model(batch), batch).item() for batch, _ in loader]
        hint = (" (the mean of the batches' means: weight each batch by its number of images, the last is smaller)"
                if abs(value - sum(means) / len(means)) < TOLERANCE else "")
        return _verdict(False, f"test_loss gave {value:.6f}, the mean squared error over the 250 images is "
                               f"{expected:.6f}{hint}")
    if not model.training:
        return _verdict(False, "the model was left in evaluation mode: call model.train() before returning")
    return _verdict(True, f"the mean squared error over all the images, {expected:.6f}, as ae.evaluate gives.")
