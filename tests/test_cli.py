import os
import subprocess
import sys

import pytest
from torchvision import datasets

from ae.cli import main
from ae.paths import course_root


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "ae", *args], capture_output=True, text=True, cwd=course_root(),
                          env={**os.environ, **(env or {})}, timeout=600)


def test_train_one_epoch_prints_test_mse_and_writes_its_files(tmp_path):
    result = cli("train", "--epochs", "1", "--latent-size", "16", "--out", str(tmp_path), "--no-progress")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("epoch 1/1: ")
    assert "test_mse=" in lines[-1] and "accuracy=" in lines[-1]
    mse = float(lines[-1].split("test_mse=")[1].split()[0])
    assert 0 < mse < 0.05
    assert {p.name for p in tmp_path.iterdir()} == {"model.pt", "losses.png", "reconstructions.png"}


@pytest.mark.parametrize("args, message", [
    (["--latent-size", "0"], "latent_size must be a positive integer, got 0"),
    (["--activation", "swish"], "unknown activation 'swish'"),
    (["--lr", "-1"], "lr must be a positive number, got -1.0"),
    (["--epochs", "0"], "epochs must be a positive integer, got 0"),
    (["--batch-size", "0"], "batch_size must be a positive integer, got 0"),
    (["--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'"),
    (["--dataset", "cifar"], "unknown dataset 'cifar'"),
    (["--latent-size", "ten"], "argument --latent-size: invalid int value: 'ten'"),
    (["--device", "gpu0"], "unknown device 'gpu0'"),
])
def test_bad_values_exit_2_with_one_line(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["train", *args, "--out", str(tmp_path / "run")])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "run").exists()


def test_a_bad_value_ends_the_process_with_status_2(tmp_path):
    result = cli("train", "--latent-size", "0", "--out", str(tmp_path / "run"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "python -m ae train: error: latent_size must be a positive integer, got 0\n"


def test_missing_data_exits_1_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])
    with pytest.raises(SystemExit) as exit:
        main(["train", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exit.value.code == 1
    assert len(err.splitlines()) == 1 and "AE_DATA_DIR" in err
    assert not (tmp_path / "run").exists()
