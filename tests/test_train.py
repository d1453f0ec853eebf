import sys

import pytest
import torch

import ae
from ae import HParams, TensorLoader
from ae.train import BCELoss, NonFiniteLoss, make_optimizer


def test_pixel_accuracy_counts_pixels_on_the_same_side_of_one_half():
    target = torch.tensor([[0.0, 0.2, 0.9, 1.0]])
    output = torch.tensor([[0.1, 0.7, 0.6, 0.4]])
    assert ae.pixel_accuracy(output, target).item() == pytest.approx(0.5)


def test_reset_builds_a_fresh_seeded_model():
    hp = HParams(latent_size=8, hidden=(32,), lr=0.01, optimizer="sgd")
    model, criterion, optimizer = ae.reset(hp)
    again, _, _ = ae.reset(hp)
    assert model.latent_size == 8 and isinstance(criterion, torch.nn.MSELoss)
    assert isinstance(optimizer, torch.optim.SGD) and optimizer.param_groups[0]["lr"] == 0.01
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    other, _, _ = ae.reset(hp, seed=1)
    assert not torch.equal(next(model.parameters()), next(other.parameters()))


def test_evaluate_returns_mse_and_accuracy(small):
    model, _, _ = ae.reset(HParams(latent_size=8, hidden=(32,)))
    loader = TensorLoader(small[1], batch_size=128, shuffle=False)
    mse, accuracy = ae.evaluate(model, loader)
    images = loader.images
    with torch.no_grad():
        output = model(images)
    assert mse == pytest.approx(torch.mean((output - images) ** 2).item(), rel=1e-5)
    assert accuracy == pytest.approx(ae.pixel_accuracy(output, images).item(), rel=1e-5)


def run(small, seed=0, epochs=2, eval_every=None):
    hp = HParams(latent_size=8, hidden=(64,), seed=seed, batch_size=100)
    model, criterion, optimizer = ae.reset(hp)
    train_loader = TensorLoader(small[0], batch_size=100, seed=seed)
    test_loader = TensorLoader(small[1], batch_size=250, shuffle=False)
    return ae.train(model, criterion, optimizer, train_loader, test_loader, epochs, eval_every,
                    progress=False, log=None)


def test_train_logs_every_evaluation_and_learns(small):
    logs = run(small, epochs=3, eval_every=15)
    assert list(logs) == ["steps", "seconds", "train_loss", "test_loss", "accuracy"]
    assert logs["steps"] == [15, 30, 45, 60]
    assert all(len(values) == 4 for values in logs.values())
    assert logs["test_loss"][-1] < 0.75 * logs["test_loss"][0]
    assert 0.5 < logs["accuracy"][-1] <= 1


def test_same_seed_same_numbers_other_seed_other_numbers(small):
    first, again = run(small, seed=3), run(small, seed=3)
    assert first.pop("seconds") != [] and again.pop("seconds") != []  # times, the one thing that may differ
    assert first == again
    assert first["test_loss"] != run(small, seed=4)["test_loss"]


def test_train_prints_one_line_per_epoch(small, capsys):
    model, criterion, optimizer = ae.reset(HParams(latent_size=8, hidden=(32,)))
    ae.train(model, criterion, optimizer, TensorLoader(small[0], 500), TensorLoader(small[1], 500, shuffle=False),
             epochs=2, progress=False, log=print)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    assert all("test_loss=" in line and "accuracy=" in line for line in lines)


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be a positive integer, got 0"),
    ({"eval_every": -5}, "eval_every must be a positive integer or None, got -5"),
])
def test_train_rejects_bad_arguments(small, kwargs, message):
    model, criterion, optimizer = ae.reset(HParams(latent_size=8, hidden=(32,)))
    loader = TensorLoader(small[1], 500)
    with pytest.raises(ValueError, match=message):
        ae.train(model, criterion, optimizer, loader, loader, **{"epochs": 1, **kwargs})


def test_device_can_be_forced(monkeypatch):
    assert ae.get_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("AE_DEVICE", "cpu")
    assert ae.get_device() == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device 'gpu0'"):
        ae.get_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available here"):
            ae.get_device("cuda")


def test_a_diverging_run_stops_with_one_clear_error(small):
    hp = ae.HParams(latent_size=4, hidden=(16,), lr=1e30, optimizer="sgd", epochs=2)
    model, criterion, optimizer = ae.reset(hp)
    loader = ae.TensorLoader(small[0], 100)
    with pytest.raises(NonFiniteLoss, match="lower the learning rate"):
        ae.train(model, criterion, optimizer, loader, ae.TensorLoader(small[1], 500, shuffle=False), 2,
                 progress=False, log=None)


def test_fit_takes_datasets_and_a_scheduler_steps_once_a_batch(small):
    hp = HParams(latent_size=4, hidden=(16,), epochs=2, batch_size=500)
    model, logs = ae.fit(hp, progress=False, log=None, train_set=small[0], test_set=small[1])
    assert logs["steps"] == [4, 8] and len(logs["seconds"]) == 2
    with pytest.raises(ValueError, match="both train_set and test_set"):
        ae.fit(hp, train_set=small[0])
    model, criterion, optimizer = ae.reset(hp)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    loader, test_loader = TensorLoader(small[0], 500), TensorLoader(small[1], 500, shuffle=False)
    logs = ae.train(model, criterion, optimizer, loader, test_loader, 2, progress=False, log=None,
                    scheduler=scheduler, metrics={"bce": torch.nn.BCELoss()})
    assert optimizer.param_groups[0]["lr"] == pytest.approx(hp.lr / 2**8)  # 2 epochs of 4 batches
    assert len(logs["test_bce"]) == 2 and logs["test_bce"][-1] > logs["test_loss"][-1]


def test_without_a_test_loader_train_logs_the_training_loss_only(small):
    model, criterion, optimizer = ae.reset(HParams(latent_size=4, hidden=(16,)))
    logs = ae.train(model, criterion, optimizer, TensorLoader(small[0], 500), None, 2, progress=False, log=None)
    assert list(logs) == ["steps", "seconds", "train_loss"] and logs["steps"] == [4, 8]


def test_bf16_runs_the_forward_pass_in_bfloat16_and_keeps_float32_weights(small):
    model, criterion, optimizer = ae.reset(HParams(latent_size=4, hidden=(16,)))
    dtypes = []
    model.decoder.register_forward_hook(lambda module, inputs, output: dtypes.append(output.dtype))
    loader = TensorLoader(small[0], 500)
    logs = ae.train(model, criterion, optimizer, loader, None, 1, progress=False, log=None, bf16=True)
    assert set(dtypes) == {torch.bfloat16} and len(dtypes) == 4
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert logs["train_loss"][-1] < 0.7  # it learns
    dtypes.clear()
    ae.train(model, criterion, optimizer, loader, None, 1, progress=False, log=None)
    assert set(dtypes) == {torch.float32}


def test_make_optimizer_passes_weight_decay_on_or_keeps_torch_default():
    weights = [torch.zeros(2, requires_grad=True)]
    assert make_optimizer("adamw", weights, 1e-3).param_groups[0]["weight_decay"] == 0.01
    assert make_optimizer("adam", weights, 1e-3).param_groups[0]["weight_decay"] == 0
    assert make_optimizer("adamw", weights, 1e-3, 0.3).param_groups[0]["weight_decay"] == 0.3


def test_train_step_makes_one_optimizer_step_and_returns_the_loss():
    torch.manual_seed(0)
    model = ae.Net(8, (16,))
    optimizer = make_optimizer("sgd", model.parameters(), 0.1)
    images = torch.rand(4, 1, 28, 28)
    before = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        expected = torch.nn.functional.mse_loss(model(images), images).item()
    loss = ae.train_step(model, torch.nn.MSELoss(), optimizer, images, images)
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    moved = [p.detach() - b for p, b in zip(model.parameters(), before)]
    assert all(m.abs().sum() > 0 for m in moved)
    gradients = [p.grad.clone() for p in model.parameters()]
    ae.train_step(model, torch.nn.MSELoss(), optimizer, images, images)  # zeroed first: not added to the last ones
    assert not all(torch.allclose(p.grad, g + g) for p, g in zip(model.parameters(), gradients))


def test_train_calls_train_step_once_a_batch_and_stops_before_a_non_finite_loss_moves_weights(small, monkeypatch):
    calls = []
    training = sys.modules["ae.train"]  # the module: `ae.train` is the function
    real = training.train_step
    monkeypatch.setattr(training, "train_step", lambda *args: calls.append(1) or real(*args))
    hp = ae.HParams(latent_size=4, hidden=(16,), epochs=1)
    model, criterion, optimizer = ae.reset(hp)
    loader = ae.TensorLoader(small[0], 100)
    ae.train(model, criterion, optimizer, loader, None, 1, progress=False, log=None)
    assert len(calls) == len(loader)
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(NonFiniteLoss):
        ae.train(model, lambda output, images: output.sum() * float("nan"), optimizer, loader, None, 1,
                 progress=False, log=None)
    assert all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def test_bce_loss_is_torchs_forward_and_backward():
    """ae's BCELoss (vectorised) gives torch's loss and gradient, saturated pixels (0 and 1 exactly) included."""
    torch.manual_seed(0)
    output = torch.cat([torch.tensor([0.0, 0.0, 1.0, 1.0, 1e-30, 1 - 1e-7]), torch.rand(5000)]).reshape(1, -1)
    target = torch.cat([torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0]), torch.rand(2500),
                        torch.randint(0, 2, (2500,)).float()]).reshape(1, -1)
    ours, theirs = output.clone().requires_grad_(), output.clone().requires_grad_()
    loss, expected = BCELoss()(ours, target), torch.nn.BCELoss()(theirs, target)
    torch.testing.assert_close(loss, expected, rtol=1e-5, atol=0)
    loss.backward()
    expected.backward()
    torch.testing.assert_close(ours.grad, theirs.grad, rtol=1e-5, atol=1e-9)
    inside = (torch.rand(20, dtype=torch.float64) * 0.98 + 0.01).requires_grad_()
    assert torch.autograd.gradcheck(BCELoss(), (inside, torch.rand(20, dtype=torch.float64)))
    with pytest.raises(ValueError, match=r"the target's shape \(1, 10\) differs from the output's \(10,\)"):
        BCELoss()(torch.rand(10), torch.rand(1, 10))
