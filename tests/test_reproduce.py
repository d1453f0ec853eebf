"""``python -m ae reproduce hinton2006``: a short run, its JSON record, bad values, and the committed result."""
import json
import math

import pytest

from ae import HParams
from ae.cli import main
from ae.paths import results_dir
from ae.reproduce import HINTON2006, HINTON2006_TABLE, first_beaten, format_table
from ae.results import read_result

COMMITTED = results_dir() / "hinton2006.json"


@pytest.fixture(scope="module")
def short_run(tmp_path_factory, mnist):
    out = tmp_path_factory.mktemp("reproduce") / "hinton2006.json"
    assert main(["reproduce", "hinton2006", "--epochs", "2", "--train-size", "512", "--out", str(out),
                 "--allow-dirty"]) == 0
    return read_result(out)


def check_record(result):
    assert {"command", "commit", "dirty", "machine", "started", "wall_seconds", "hparams", "epochs", "table"} <= set(result)
    assert {"platform", "cpu_count", "torch", "device"} <= set(result["machine"])
    assert [row["method"] for row in result["table"]] == list(HINTON2006_TABLE)
    assert [row["paper"] for row in result["table"]] == list(HINTON2006_TABLE.values())
    table = {row["method"]: row["ours"] for row in result["table"]}
    assert table["PCA"] == pytest.approx(13.87, abs=0.05)
    assert table["logistic PCA"] is None
    assert table["autoencoder"] == result["epochs"][-1]["test_error"]
    assert [row["epoch"] for row in result["epochs"]] == list(range(1, result["hparams"]["epochs"] + 1))
    assert all(math.isfinite(row["test_error"]) and row["test_error"] > 0 for row in result["epochs"])
    assert HParams(**result["hparams"]) == HINTON2006.replace(epochs=result["hparams"]["epochs"])


def test_short_run_records_the_table_and_where_it_ran(short_run):
    check_record(short_run)
    assert short_run["command"].startswith("python -m ae reproduce hinton2006 --epochs 2 --train-size 512 --out ")
    assert short_run["train_size"] == 512 and short_run["hparams"]["epochs"] == 2
    assert len(short_run["commit"]) == 40 and isinstance(short_run["dirty"], bool)
    errors = [row["test_error"] for row in short_run["epochs"]]
    assert errors[1] < errors[0] < 784


def test_short_run_prints_the_table_beside_the_papers(capsys, mnist):
    main(["reproduce", "hinton2006", "--epochs", "1", "--train-size", "128"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("epoch 1/1: ") and "test_squared_error=" in out[0]
    table = out[1:]
    assert table[1].split()[:2] == ["autoencoder", "3.00"]
    assert table[2].split() == ["logistic", "PCA", "8.01", "-"]
    assert table[3].split()[:2] == ["PCA", "13.87"] and abs(float(table[3].split()[2]) - 13.87) <= 0.05
    assert table[4].startswith("1 epoch on 128 training images, wall time ")


def test_first_beaten_is_the_first_epoch_under_the_papers_error():
    result = {"epochs": [{"epoch": 1, "test_error": 5.0}, {"epoch": 2, "test_error": 2.99},
                         {"epoch": 3, "test_error": 2.5}]}
    assert first_beaten(result)["epoch"] == 2
    assert first_beaten({"epochs": result["epochs"][:1]}) is None


@pytest.mark.parametrize("args, message", [
    (["nature2015"], "argument paper: invalid choice: 'nature2015'"),
    (["hinton2006", "--epochs", "0"], "epochs must be a positive integer, got 0"),
    (["hinton2006", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
    (["hinton2006", "--train-size", "0"], "train_size must be an integer from 1 to 60000, got 0"),
])
def test_bad_values_exit_2_with_one_line(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["reproduce", *args, "--out", str(tmp_path / "out.json")])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "out.json").exists()


def test_committed_result_is_a_complete_record_of_the_full_run():
    result = read_result(COMMITTED)
    check_record(result)
    assert result["train_size"] == 60000
    assert result["command"] == f"python -m ae reproduce hinton2006 --epochs {HINTON2006.epochs} --out results/hinton2006.json"
    ours = result["epochs"][-1]["test_error"]
    assert format_table(result).splitlines()[1].split() == ["autoencoder", "3.00", f"{ours:.2f}"]
