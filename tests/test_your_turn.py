"""The checks of the book's "Your turn" tasks: right answers pass, and each usual mistake fails with its hint."""
import pytest
import torch
from torch import nn

from ae.your_turn import check_net, check_test_loss, check_train_step


class Right(nn.Module):
    def __init__(self, activation=nn.ReLU, last=nn.Sigmoid):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 256), activation(), nn.Linear(256, 64))
        self.decoder = nn.Sequential(nn.Linear(64, 256), activation(), nn.Linear(256, 784), last())

    def forward(self, x):
        return self.decoder(self.encoder(x.reshape(-1, 784))).view_as(x)


class Flat(Right):
    def forward(self, x):
        return self.decoder(self.encoder(x.reshape(-1, 784)))


class NotWritten(nn.Module):
    def __init__(self):
        super().__init__()
        raise NotImplementedError


class ForwardNotWritten(Right):
    def forward(self, x):
        raise NotImplementedError


@pytest.mark.parametrize("model_class, ok, words", [
    (Right, True, "Right: the same layers"),
    (lambda: Right(activation=nn.Tanh), False, "differ from its own by up to"),
    (lambda: Right(last=nn.Identity), False, "the sigmoid at the end"),
    (Flat, False, "return the input's shape"),
    (NotWritten, False, "NotWritten() is not written yet"),
    (ForwardNotWritten, False, "forward is not written yet"),
    (lambda: nn.Sequential(nn.Linear(784, 64), nn.Linear(64, 784)), False, "your weights have the shapes"),
    (lambda: "a string", False, "expected a torch.nn.Module"),
])
def test_check_net(model_class, ok, words, capsys):
    assert check_net(model_class) is ok
    assert words in capsys.readouterr().out


def right_step(model, criterion, optimizer, inputs, targets):
    loss = criterion(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss


def no_zero_grad(model, criterion, optimizer, inputs, targets):
    loss = criterion(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss


def no_step(model, criterion, optimizer, inputs, targets):
    loss = criterion(model(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    return loss


def returns_nothing(model, criterion, optimizer, inputs, targets):
    right_step(model, criterion, optimizer, inputs, targets)


def stub(model, criterion, optimizer, inputs, targets):
    raise NotImplementedError


@pytest.mark.parametrize("step, ok, words", [
    (right_step, True, "Right: the same losses and weights"),
    (no_zero_grad, False, "zero the gradients"),
    (no_step, False, "the weights did not move"),
    (returns_nothing, False, "return the loss of the batch"),
    (stub, False, "not written yet"),
])
def test_check_train_step(step, ok, words, capsys):
    assert check_train_step(step) is ok
    assert words in capsys.readouterr().out


@torch.no_grad()
def right_loss(model, loader):
    model.eval()
    total, count = 0.0, 0
    for images, _ in loader:
        total += nn.functional.mse_loss(model(images), images).item() * len(images)
        count += len(images)
    model.train()
    return total / count


@torch.no_grad()
def mean_of_means(model, loader):
    losses = [nn.functional.mse_loss(model(images), images).item() for images, _ in loader]
    return sum(losses) / len(losses)


@torch.no_grad()
def stays_in_eval(model, loader):
    value = right_loss(model, loader)
    model.eval()
    return value


def with_gradients(model, loader):
    images = torch.cat([images for images, _ in loader])
    return nn.functional.mse_loss(model(images), images)


@pytest.mark.parametrize("test_loss, ok, words", [
    (right_loss, True, "Right: the mean squared error over all the images"),
    (mean_of_means, False, "the mean of the batches' means"),
    (stays_in_eval, False, "left in evaluation mode"),
    (with_gradients, False, "under torch.no_grad()"),
    (lambda model, loader: "0.1", False, "not a number"),
])
def test_check_test_loss(test_loss, ok, words, capsys):
    assert check_test_loss(test_loss) is ok
    assert words in capsys.readouterr().out
