import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from torchvision import datasets

import ae.cache
import ae.cli
import ae.data
import ae.experiments
import ae.model
import ae.paths
import ae.reproduce
import ae.results
from ae.cli import main
from ae.paths import course_root


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "ae", *args], capture_output=True, text=True, cwd=course_root(),
                          env={**os.environ, **(env or {})}, timeout=600)


@pytest.fixture
def no_work(monkeypatch):
    """Loading data or training fails the test: what is checked up front must be checked before any work."""
    def work(*args, **kwargs):
        pytest.fail("the command started its work (loaded data or trained) before checking its arguments")

    monkeypatch.setattr(ae.data, "load_mnist", work)
    monkeypatch.setattr(ae.data, "get_datasets", work)
    monkeypatch.setattr(ae.experiments, "sweep", work)
    monkeypatch.setitem(ae.reproduce.PAPERS, "hinton2006", work)
    monkeypatch.setattr(ae.reproduce, "search", work)
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: False)


def exits(argv, capsys, code=2):
    """The one line that ``python -m ae *argv`` ends with, after checking its status and that it is one line."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    out, err = capsys.readouterr()
    assert exit.value.code == code, err
    assert len(err.splitlines()) == 1, err
    return err


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
    (["--device", "meta"], "unknown device 'meta' (--device): use 'cpu', 'cuda' or 'cuda:N'"),
    (["--device", "mps"], "unknown device 'mps'"),
    (["--seed", str(2**32)], "seed must be an integer from 0 to 2**32 - 1 = 4294967295, got 4294967296"),
    (["--seed", "-1"], "seed must be an integer from 0 to 2**32 - 1"),
    (["--latent-size", "1000000000"], "latent_size must be at most 4096, got 1000000000"),
    (["--hidden", "256", "1000000"], "hidden width must be at most 8192, got 1000000"),
    (["--batch-size", "60001"], "batch_size must be at most 60000, got 60001"),
    (["--epochs", "100000"], "epochs must be at most 10000, got 100000"),
    (["--hidden", "8192", "--batch-size", "60000"], "one training step would need about"),
])
def test_bad_values_exit_2_with_one_line(tmp_path, capsys, no_work, args, message):
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


def test_ae_device_is_checked_like_device(tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.setenv("AE_DEVICE", "meta")
    err = exits(["train", "--out", str(tmp_path / "run")], capsys)
    assert "unknown device 'meta' (AE_DEVICE): use 'cpu', 'cuda' or 'cuda:N'" in err


# Output paths: checked before any work, one line and status 2.

@pytest.fixture
def read_only(tmp_path):
    """A folder where no file can be created: chmod 555, or for root (whom modes do not stop) sysfs."""
    if os.geteuid() == 0:
        yield Path("/sys")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("out, message", [
    ("{a_file}", "--out {a_file} is a file, not a folder"),
    ("{a_file}/run", "--out {a_file}/run cannot be created: {a_file} is a file, not a folder"),
    ("{read_only}/run", "--out {read_only}/run: cannot write in {read_only} ("),
    ("{read_only}/typo/run", "--out {read_only}/typo/run: cannot write in {read_only} ("),
])
def test_train_checks_its_output_folder_first(capsys, no_work, a_file, read_only, out, message):
    out, message = (text.format(a_file=a_file, read_only=read_only) for text in (out, message))
    assert message in exits(["train", "--epochs", "1", "--out", out], capsys)


@pytest.mark.parametrize("command", [["sweep"], ["reproduce", "hinton2006"], ["reproduce", "hinton2006", "--search"]])
@pytest.mark.parametrize("out, message", [
    ("{tmp_path}", "--out {tmp_path} is a folder: give the path of a JSON file"),
    ("{tmp_path}/resluts/sweep.json", "--out {tmp_path}/resluts/sweep.json: its folder {tmp_path}/resluts does not exist"),
    ("{a_file}/sweep.json", "--out {a_file}/sweep.json: its folder {a_file} is a file"),
    ("{read_only}/sweep.json", "--out {read_only}/sweep.json: cannot write in {read_only} ("),
])
def test_sweep_and_reproduce_check_their_json_output_first(tmp_path, capsys, no_work, a_file, read_only, command,
                                                           out, message):
    out, message = (text.format(tmp_path=tmp_path, a_file=a_file, read_only=read_only) for text in (out, message))
    assert message in exits([*command, "--epochs", "1", "--out", out], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"] + (["read-only"] if os.geteuid() else [])


def test_train_refuses_a_folder_that_holds_a_run_unless_force(tmp_path, capsys, monkeypatch, no_work):
    (tmp_path / "model.pt").write_bytes(b"an earlier run")
    err = exits(["train", "--out", str(tmp_path)], capsys)
    assert f"--out {tmp_path} already holds a run (model.pt): pass --force to replace it" in err
    assert (tmp_path / "model.pt").read_bytes() == b"an earlier run"

    def loads(*args, **kwargs):
        raise ae.data.DataError("the check let it through")

    monkeypatch.setattr(ae.data, "load_mnist", loads)
    assert "the check let it through" in exits(["train", "--force", "--out", str(tmp_path)], capsys, code=1)


def test_train_writes_every_file_through_atomic_write(tmp_path, monkeypatch):
    written = []
    real = ae.paths.atomic_write

    def atomic_write(path, write):
        written.append(path.name)
        return real(path, write)

    monkeypatch.setattr(ae.paths, "atomic_write", atomic_write)
    monkeypatch.setattr(ae.cache, "atomic_write", atomic_write)
    assert main(["train", "--epochs", "1", "--latent-size", "4", "--hidden", "16", "--batch-size", "1000",
                 "--no-progress", "--out", str(tmp_path / "run")]) == 0
    assert sorted(written) == ["losses.png", "model.pt", "reconstructions.png"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(written)
    assert (tmp_path / "run" / "losses.png").read_bytes().startswith(b"\x89PNG")


# Results from a dirty git tree.

def fake_sweep(*args, **kwargs):
    return {"command": args[-1], "dirty": ae.results.tree_is_dirty(), "runs": [], "pca": []}


@pytest.mark.parametrize("command", [["sweep"], ["reproduce", "hinton2006"], ["reproduce", "hinton2006", "--search"]])
def test_a_dirty_tree_is_refused_before_any_work(tmp_path, capsys, no_work, monkeypatch, command):
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: True)
    err = exits([*command, "--out", str(tmp_path / "result.json")], capsys)
    assert "uncommitted changes" in err and "--allow-dirty" in err
    assert list(tmp_path.iterdir()) == []


def test_allow_dirty_writes_the_result_marked_dirty(tmp_path, capsys, no_work, monkeypatch):
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: True)
    monkeypatch.setattr(ae.experiments, "sweep", fake_sweep)
    assert main(["sweep", "--out", str(tmp_path / "sweep.json"), "--allow-dirty"]) == 0
    result = json.loads((tmp_path / "sweep.json").read_text())
    assert result["dirty"] is True and result["command"].endswith("--allow-dirty")
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.json"]


def test_a_clean_tree_writes_the_result(tmp_path, capsys, no_work, monkeypatch):
    monkeypatch.setattr(ae.experiments, "sweep", fake_sweep)
    assert main(["sweep", "--out", str(tmp_path / "sweep.json")]) == 0
    assert json.loads((tmp_path / "sweep.json").read_text())["dirty"] is False
    assert capsys.readouterr().out.strip() == f"written to {tmp_path / 'sweep.json'}"


# Faults while running: unreadable data, Ctrl-C, a loss that is not finite.

@pytest.fixture
def bad_data(tmp_path, monkeypatch):
    """``make(name)``: AE_DATA_DIR points at a copy of MNIST whose training images are ``name`` (a fault)."""
    def make(fault):
        raw = tmp_path / "data" / "MNIST" / "raw"
        raw.mkdir(parents=True)
        for name in ae.data.RAW_FILES:
            (raw / name).symlink_to(ae.data_dir() / "MNIST" / "raw" / name)
        images = raw / "train-images-idx3-ubyte"
        images.unlink()
        if fault == "directory":
            images.mkdir()
        else:
            images.write_bytes((ae.data_dir() / "MNIST" / "raw" / images.name).read_bytes()[:100_000])
        monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])

    return make


@pytest.mark.parametrize("fault, message", [("truncated", "is truncated or corrupt"),
                                            ("directory", "could not be downloaded")])
def test_an_unreadable_data_file_exits_1_with_one_line(tmp_path, capsys, bad_data, fault, message):
    bad_data(fault)
    err = exits(["train", "--epochs", "1", "--out", str(tmp_path / "run")], capsys, code=1)
    assert message in err and "AE_DATA_DIR" in err
    assert not (tmp_path / "run").exists()


def test_ctrl_c_ends_with_one_line_and_status_130(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "ae", "train", "--epochs", "50", "--latent-size", "8", "--out", str(tmp_path / "run")],
        cwd=course_root(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "AE_DEVICE": "cpu"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a background job may inherit it ignored
    try:
        seen = b""
        deadline = time.monotonic() + 300
        while b"batch" not in seen and time.monotonic() < deadline:  # the progress bar: training has started
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
        assert b"batch" in seen, seen.decode(errors="replace")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    err = (seen + err).decode(errors="replace")
    assert process.returncode == 130, err
    assert err.endswith("\npython -m ae train: interrupted\n") and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_loss_that_is_not_finite_stops_with_one_line_and_writes_no_model(tmp_path):
    result = cli("train", "--lr", "1e30", "--epochs", "1", "--latent-size", "16", "--out", str(tmp_path / "run"),
                 "--no-progress", env={"AE_DEVICE": "cpu"})
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "--lr" in result.stderr
    assert result.stderr.startswith("python -m ae train: error: the training loss became")
    assert not (tmp_path / "run" / "model.pt").exists()


# python -m ae --help: fast, since building the parser imports none of the heavy packages.

def test_building_the_parser_imports_neither_torch_nor_matplotlib_nor_sklearn():
    code = ("import sys, ae.cli; ae.cli.build_parser(); "
            "print(sorted(m for m in ('torch', 'matplotlib', 'sklearn', 'numpy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=course_root(), timeout=60)
    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr


def test_help_answers_and_import_ae_loads_nothing_heavy():
    result = cli("--help")
    assert result.returncode == 0 and "train" in result.stdout and "sweep" in result.stdout
    code = "import sys, ae; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=course_root(),
                          timeout=60).stdout == "False\n"


def test_the_names_help_shows_are_those_of_the_modules_that_define_them(mnist):
    assert ae.cli.ACTIVATION_NAMES == tuple(ae.model.ACTIVATIONS)
    assert ae.cli.DATASET_NAMES == tuple(ae.data.DATASETS)
    assert ae.cli.SWEEP_LATENT_SIZES == tuple(ae.experiments.LATENT_SIZES)
    assert ae.cli.SWEEP_ACTIVATIONS == tuple(ae.experiments.SWEEP_ACTIVATIONS)
    assert ae.cli.SWEEP_SEEDS == tuple(ae.experiments.SEEDS)
    assert ae.cli.PAPER_EPOCHS == {"hinton2006": ae.reproduce.HINTON2006.epochs}
    assert set(ae.cli.PAPER_EPOCHS) == set(ae.reproduce.PAPERS)
    assert ae.cli.SEARCH_NAMES == tuple(ae.reproduce.SEARCHES)
    assert ae.reproduce.SEARCHES["recipes"] is ae.reproduce.SEARCH
    assert ae.cli.SEARCH_BUDGET == ae.reproduce.BUDGET_SECONDS
    assert ae.cli.TRAINING_IMAGES == len(ae.get_datasets(validation=True)[0])


def test_the_lazy_package_keeps_its_names():
    code = """
import sys, ae
assert 'torch' not in sys.modules
from ae import Net, HParams, train
import ae.cache  # loads the submodule ae.train, which must not hide the function ae.train
assert ae.train is train and callable(ae.train) and ae.train.__module__ == 'ae.train'
assert ae.Net is Net and ae.HParams is HParams and ae.data.DataError is ae.DataError
assert all(hasattr(ae, name) for name in ae.__all__) and set(ae.__all__) <= set(dir(ae))
from ae import latent
assert latent.__name__ == 'ae.latent'
try:
    ae.no_such_name
except AttributeError:
    print('ok')
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=course_root(), timeout=120)
    assert result.stdout == "ok\n", result.stderr
