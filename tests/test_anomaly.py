"""ae.anomaly on small synthetic data, its command's checks, and the committed result the page reads."""
import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

import ae.anomaly
import ae.cli
import ae.results
from ae.anomaly import (
    auc, choose_threshold, evaluate_scores, image, ink, nearest_code_distance, precision_recall,
    reconstruction_error, summarize, without_digit,
)
from ae.cli import main
from ae.paths import results_dir


def test_auc_of_a_perfect_a_reversed_and_a_constant_score():
    is_anomaly = np.array([0, 0, 0, 1, 1])
    assert auc([0.1, 0.2, 0.3, 0.8, 0.9], is_anomaly) == pytest.approx(1.0)
    assert auc([0.9, 0.8, 0.7, 0.2, 0.1], is_anomaly) == pytest.approx(0.0)
    assert auc([0.5] * 5, is_anomaly) == pytest.approx(0.5)


def test_the_threshold_of_highest_f1_separates_a_separable_validation_set():
    scores, is_anomaly = np.array([0.1, 0.2, 0.3, 0.6, 0.7]), np.array([0, 0, 0, 1, 1])
    threshold = choose_threshold(scores, is_anomaly)
    assert threshold == pytest.approx(0.6)
    assert precision_recall(scores, is_anomaly, threshold) == pytest.approx({"precision": 1, "recall": 1, "f1": 1})


def test_precision_and_recall_count_the_images_at_or_above_the_threshold():
    scores, is_anomaly = np.array([0.1, 0.5, 0.5, 0.9]), np.array([0, 0, 1, 1])
    assert precision_recall(scores, is_anomaly, 0.5) == pytest.approx({"precision": 2 / 3, "recall": 1, "f1": 0.8})
    assert precision_recall(scores, is_anomaly, 2.0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_the_threshold_is_chosen_on_validation_and_never_sees_the_test_set():
    rng = np.random.default_rng(0)
    validation = {"score": np.r_[rng.normal(0, 1, 200), rng.normal(3, 1, 20)]}
    validation_anomaly = np.r_[np.zeros(200, bool), np.ones(20, bool)]
    test_anomaly = np.r_[np.zeros(100, bool), np.ones(10, bool)]
    results = [evaluate_scores(validation, validation_anomaly, {"score": test}, test_anomaly)["score"]
               for test in (np.r_[rng.normal(0, 1, 100), rng.normal(3, 1, 10)], np.full(110, 100.0))]
    assert results[0]["threshold"] == results[1]["threshold"] == choose_threshold(validation["score"],
                                                                                  validation_anomaly)
    assert results[0]["validation_f1"] == results[1]["validation_f1"]
    assert results[1]["precision"] == pytest.approx(10 / 110) and results[1]["recall"] == 1  # test only reports


def test_the_scores_of_simple_cases():
    black, white = np.zeros(784, np.float32), np.ones(784, np.float32)
    assert ink(np.stack([black, white])) == pytest.approx([0, 1])
    assert reconstruction_error(np.stack([black, white]), np.stack([white, white])) == pytest.approx([1, 0])
    train_codes = np.array([[0.0, 0.0], [10.0, 0.0]])
    assert nearest_code_distance(train_codes, np.array([[3.0, 4.0], [10.0, 1.0]])) == pytest.approx([5, 1])
    assert nearest_code_distance(train_codes, np.array([[5.0, 0.0]]), k=2) == pytest.approx([5])


def test_without_digit_keeps_every_other_image():
    data = SimpleNamespace(data=torch.arange(6 * 4, dtype=torch.uint8).reshape(6, 2, 2),
                           targets=torch.tensor([0, 1, 2, 1, 0, 3]))
    kept = without_digit(data, 1)
    assert kept.targets.tolist() == [0, 2, 0, 3]
    assert torch.equal(kept.data, data.data[[0, 2, 4, 5]])


def test_an_image_goes_through_hex_and_back():
    pixels = np.random.default_rng(0).integers(0, 256, 784).astype(np.uint8)
    assert np.array_equal(image(ae.anomaly._hex(pixels / 255)), pixels.reshape(28, 28))


def test_summarize_gives_the_mean_and_spread_over_seeds():
    runs = [{"digit": 1, "scores": {"autoencoder": {"auc": value}}} for value in (0.2, 0.4, 0.6)]
    summary = summarize(runs)[1]["autoencoder"]
    assert summary == pytest.approx({"mean": 0.4, "std": 0.2, "min": 0.2, "max": 0.6})


def test_the_command_line_names_the_modules_defaults():
    assert ae.cli.ANOMALY_DIGITS == ae.anomaly.DIGITS and ae.cli.ANOMALY_SEEDS == ae.anomaly.SEEDS


@pytest.fixture
def no_work(monkeypatch):
    def work(*args, **kwargs):
        pytest.fail("the command started its work before checking its arguments")

    import ae.retrieval

    monkeypatch.setattr(ae.anomaly, "anomaly", work)
    monkeypatch.setattr(ae.retrieval, "retrieval", work)
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: False)


def exits(argv, capsys, code=2):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    err = capsys.readouterr().err
    assert exit.value.code == code and len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize("command", ["anomaly", "retrieval"])
def test_a_dirty_tree_or_a_bad_output_path_is_refused_before_any_work(tmp_path, capsys, monkeypatch, no_work,
                                                                      command):
    assert "is a folder" in exits([command, "--out", str(tmp_path)], capsys)
    assert "does not exist" in exits([command, "--out", str(tmp_path / "resluts" / "a.json")], capsys)
    monkeypatch.setattr(ae.results, "tree_is_dirty", lambda: True)
    err = exits([command, "--out", str(tmp_path / "result.json")], capsys)
    assert "uncommitted changes" in err and "--allow-dirty" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["anomaly", "--digits", "10"], "digits must be one or more different digits from 0 to 9"),
    (["anomaly", "--digits", "1", "1"], "digits must be one or more different digits"),
    (["anomaly", "--seeds", "-1"], "seed"),
    (["retrieval", "--seeds", "0", "0"], "seeds must be one or more different values"),
    (["retrieval", "--epochs", "0"], "epochs must be a positive integer"),
])
def test_bad_values_are_refused_before_any_work(capsys, no_work, args, message):
    assert message in exits(args, capsys)


def test_a_clean_tree_writes_what_the_command_computed(tmp_path, capsys, monkeypatch, no_work):
    monkeypatch.setattr(ae.anomaly, "anomaly", lambda digits, seeds, hp, device, command: {
        "command": command, "dirty": False, "digits": digits})
    assert main(["anomaly", "--digits", "1", "7", "--out", str(tmp_path / "anomaly.json")]) == 0
    result = json.loads((tmp_path / "anomaly.json").read_text())
    assert result["digits"] == [1, 7]
    assert result["command"] == (f"python -m ae anomaly --digits 1 7 --seeds 0 1 2 --epochs 6 "
                                 f"--out {tmp_path / 'anomaly.json'}")


def test_the_committed_result_holds_what_the_page_reads():
    result = ae.results.read_result(results_dir() / "anomaly.json")
    assert result["dirty"] is False and result["command"].endswith("--out results/anomaly.json")
    assert result["digits"] == list(range(10)) and len(result["seeds"]) >= 3
    assert {(run["digit"], run["seed"]) for run in result["runs"]} == {
        (d, s) for d in result["digits"] for s in result["seeds"]}
    for run in result["runs"]:
        assert set(run["scores"]) == set(ae.anomaly.SCORERS)
        for score in run["scores"].values():
            assert {"auc", "threshold", "validation_f1", "precision", "recall", "f1"} <= set(score)
            assert 0 <= score["auc"] <= 1
        assert set(run["mean_error"]) == {"held_out", "normal"} and set(run["anomaly_share"]) == {"validation", "test"}
    for example in result["examples"]:
        assert len(example["missed"]) == len(example["false_alarms"]) == ae.anomaly.EXAMPLES
        for row in example["missed"] + example["false_alarms"]:
            assert image(row["image"]).shape == image(row["reconstruction"]).shape == (28, 28)
        assert len(example["histogram"]["log10_bins"]) == len(example["histogram"]["normal"]) + 1
    assert [run["seed"] for run in result["fashion"]] == result["seeds"]
    assert all(set(run["auc"]) == set(ae.anomaly.SCORERS) for run in result["fashion"])
