"""``python -m ae reproduce hinton2006``: a short run, its JSON record, the epoch chosen on validation, bad values,
and the committed result."""
import json
import math
import os
import subprocess
import sys

import pytest
import torch

import ae.reproduce
from ae import HParams
from ae.cli import main
from ae.data import subset
from ae.paths import results_dir
from ae.reproduce import (BATCH_SEARCH, BUDGET_SECONDS, FILL, HINTON2006, HINTON2006_TABLE, RECIPE, SEARCH, SEARCHES,
                          SHORT_SEARCH, candidate_settings, chosen_row, first_below, format_search, format_table,
                          he_init, hinton2006, plot_history, search, seconds_per_epoch, train_recipe, warmup_cosine)
from ae.train import NonFiniteLoss
from ae.results import read_result

COMMITTED_SEARCH = results_dir() / "hinton2006_search.json"


@pytest.fixture(scope="module")
def short_run(tmp_path_factory, mnist):
    out = tmp_path_factory.mktemp("reproduce") / "hinton2006.json"
    assert main(["reproduce", "hinton2006", "--epochs", "2", "--train-size", "512", "--out", str(out),
                 "--allow-dirty"]) == 0
    return read_result(out)


def check_record(result):
    assert {"command", "commit", "dirty", "machine", "started", "wall_seconds", "hparams", "epochs", "table",
            "chosen_epoch", "train_size", "validation_size", "training_seconds"} <= set(result)
    assert {"platform", "cpu_count", "torch", "device"} <= set(result["machine"])
    assert [row["method"] for row in result["table"]] == list(HINTON2006_TABLE)
    assert [row["paper"] for row in result["table"]] == list(HINTON2006_TABLE.values())
    table = {row["method"]: row["ours"] for row in result["table"]}
    assert table["PCA"] == pytest.approx(13.87, abs=0.05)
    assert table["logistic PCA"] is None
    assert [row["epoch"] for row in result["epochs"]] == list(range(1, result["hparams"]["epochs"] + 1))
    for row in result["epochs"]:
        assert all(math.isfinite(row[name]) and row[name] > 0 for name in ("validation_error", "test_error"))
    chosen = chosen_row(result)
    assert chosen["validation_error"] == min(row["validation_error"] for row in result["epochs"])
    assert table["autoencoder"] == chosen["test_error"]
    assert result["validation_size"] == 10_000
    assert HParams(**result["hparams"]) == HINTON2006.replace(epochs=result["hparams"]["epochs"])


def test_short_run_records_the_table_and_where_it_ran(short_run):
    check_record(short_run)
    assert short_run["command"].startswith("python -m ae reproduce hinton2006 --epochs 2 --train-size 512 --out ")
    assert short_run["train_size"] == 512 and short_run["hparams"]["epochs"] == 2
    assert len(short_run["commit"]) == 40 and isinstance(short_run["dirty"], bool)
    assert set(short_run["machine"]["cpu"]) == {"name", "capability", "bfloat16_flags"}  # what the CPU offers
    for split in ("validation", "test"):
        errors = [row[f"{split}_error"] for row in short_run["epochs"]]
        assert errors[1] < errors[0] < 784
    assert 0 < short_run["epochs"][0]["seconds"] <= short_run["epochs"][1]["seconds"] == short_run["training_seconds"]


def test_the_epoch_is_chosen_on_validation_and_the_test_error_only_reported(monkeypatch):
    validation, test = [5.0, 3.0, 4.0], [5.0, 3.5, 2.0]  # the lowest test error is after another epoch
    errors = iter(error for pair in zip(validation, test) for error in pair)  # each epoch: validation, then test
    monkeypatch.setattr(ae.reproduce, "evaluate", lambda model, loader, metric: (next(errors), None))
    result = hinton2006(epochs=3, train_size=16, log=None)
    assert [(row["validation_error"], row["test_error"]) for row in result["epochs"]] == list(zip(validation, test))
    assert result["chosen_epoch"] == 2
    assert result["table"][0] == {"method": "autoencoder", "paper": 3.00, "ours": 3.5}
    assert format_table(result).splitlines()[4].startswith("autoencoder after epoch 2 of 3, chosen on validation")
    assert first_below(result)["epoch"] == 3 and first_below(result, 4.0)["epoch"] == 2
    assert first_below(result, 1.0) is None
    assert format_table(result).splitlines()[5].startswith("test error first below the paper's 3.00 after epoch 3, ")


def test_short_run_prints_the_table_beside_the_papers(capsys, mnist):
    main(["reproduce", "hinton2006", "--epochs", "1", "--train-size", "128"])
    note, *out = capsys.readouterr().out.splitlines()
    assert note.startswith("bfloat16 is ") and "bfloat16 epochs" in note or "every epoch runs in float32" in note
    assert out[0].startswith("epoch 1/1: ") and "validation_error=" in out[0] and "test_error=" in out[0]
    table = out[1:]
    assert table[1].split()[:2] == ["autoencoder", "3.00"]
    assert table[2].split() == ["logistic", "PCA", "8.01", "-"]
    assert table[3].split()[:2] == ["PCA", "13.87"] and abs(float(table[3].split()[2]) - 13.87) <= 0.05
    assert table[4].startswith("autoencoder after epoch 1 of 1, chosen on validation (error ")
    assert table[5] == "test error never below the paper's 3.00"
    assert table[6].startswith("1 epoch on 128 training images, wall time ")


def test_plot_history_shows_both_errors_and_the_chosen_epoch(short_run):
    ax = plot_history(short_run).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:3] == ["validation, here", "test, here", "epoch chosen on validation (2)"]
    assert list(ax.get_lines()[0].get_ydata()) == [row["validation_error"] for row in short_run["epochs"]]
    assert list(ax.get_lines()[2].get_xdata()) == [2, 2]
    assert plot_history(short_run).get_figwidth() <= 9.5


@pytest.mark.parametrize("args, message", [
    (["nature2015"], "argument paper: invalid choice: 'nature2015'"),
    (["hinton2006", "--epochs", "0"], "epochs must be a positive integer, got 0"),
    (["hinton2006", "--epochs", "many"], "argument --epochs: invalid int value: 'many'"),
    (["hinton2006", "--train-size", "0"], "train_size must be an integer from 1 to 50000, got 0"),
    (["hinton2006", "--train-size", "50001"], "train_size must be an integer from 1 to 50000, got 50001"),
    (["hinton2006", "--budget", "30"], "--budget is the search's time limit: give it with --search"),
    (["hinton2006", "--search", "--budget", "0"], "budget must be a positive number of seconds, got 0"),
    (["hinton2006", "--search", "--budget", "nan"], "budget must be a positive number of seconds, got nan"),
    (["hinton2006", "--search", "fastest"], "argument --search: invalid choice: 'fastest'"),
])
def test_bad_values_exit_2_with_one_line(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        main(["reproduce", *args, "--out", str(tmp_path / "out.json")])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize("name, epochs", [("hinton2006.json", HINTON2006.epochs), ("hinton2006_10min.json", None)])
def test_committed_results_are_complete_records_of_the_recipe_in_use(name, epochs):
    result = read_result(results_dir() / name)
    check_record(result)
    assert result["train_size"] == 50_000 and result["recipe"] == RECIPE
    epochs = epochs or result["hparams"]["epochs"]
    assert result["command"] == f"python -m ae reproduce hinton2006 --epochs {epochs} --out results/{name}"
    ours = chosen_row(result)["test_error"]
    assert format_table(result).splitlines()[1].split() == ["autoencoder", "3.00", f"{ours:.2f}"]


def test_he_init_draws_weights_with_variance_two_over_fan_in_and_zero_biases():
    model = ae.Net(30, (1000, 500, 250), "elu")
    he_init(model)
    for layer in model.modules():
        if isinstance(layer, torch.nn.Linear):
            assert layer.weight.var().item() == pytest.approx(2 / layer.in_features, rel=0.1)
            assert not layer.bias.any()


def test_warmup_cosine_rises_from_a_tenth_then_decays_to_zero():
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = warmup_cosine(optimizer, steps=10, warmup=2)
    rates = []
    for _ in range(10):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert rates[:3] == pytest.approx([0.1, 0.55, 1.0])
    assert all(a > b for a, b in zip(rates[2:], rates[3:])) and optimizer.param_groups[0]["lr"] == pytest.approx(0)
    one = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    assert isinstance(warmup_cosine(one, steps=1, warmup=4), torch.optim.lr_scheduler.CosineAnnealingLR)


def test_search_compares_candidates_on_validation_only_and_marks_the_lowest(monkeypatch):
    errors = iter([6.0, 5.0, 7.0, 4.0])  # two candidates of two epochs: the second reaches 4.0
    seen = []

    def fake_evaluate(model, loader, metric):
        seen.append(len(loader.images))
        return next(errors), None

    monkeypatch.setattr(ae.reproduce, "evaluate", fake_evaluate)
    candidates = [{"lr": 1e-3, "init": "torch", "warmup": 0}, {"lr": 2e-3, "init": "he", "warmup": 1}]
    result = search(candidates, epochs=2, train_size=16, log=None)
    assert seen == [10_000] * 4  # the validation images, never the test images
    assert [row["validation_error"] for row in result["candidates"]] == [5.0, 4.0]
    assert [row["epoch"] for row in result["candidates"]] == [2, 2] and result["chosen"] == 1
    result["candidates"][0]["training_seconds"] = result["budget_seconds"] + 1
    assert format_search(result).splitlines()[1].endswith("  over the budget")
    assert result["candidates"][1]["recipe"] == {**RECIPE, "init": "he", "warmup": 1}
    assert result["candidates"][1]["hparams"]["lr"] == 2e-3
    lines = format_search(result).splitlines()
    assert lines[2].endswith("<- chosen") and "lr=0.002, init=he, warmup=1" in lines[2]
    assert not lines[1].endswith("<- chosen")


def test_candidates_without_epochs_train_for_those_that_fill_the_budget(monkeypatch):
    timed = []

    def fake_seconds_per_epoch(hp, recipe, train_set, device):
        timed.append((hp.batch_size, len(train_set)))
        return {128: 2.0, 512: 0.5}[hp.batch_size]

    monkeypatch.setattr(ae.reproduce, "seconds_per_epoch", fake_seconds_per_epoch)
    monkeypatch.setattr(ae.reproduce, "evaluate", lambda model, loader, metric: (5.0, None))
    candidates = [{"batch_size": 128}, {"batch_size": 512}, {"batch_size": 512, "epochs": 1},
                  {"batch_size": 128, "lr": 1e-3, "weight_decay": 0.3}]
    result = search(candidates, budget=4.5, train_size=16, log=None)
    assert timed == [(128, 16), (512, 16)]  # neither a candidate that gives its epochs nor the same shape again
    fitted = [int(FILL * 4.5 / 2.0), int(FILL * 4.5 / 0.5), 1, int(FILL * 4.5 / 2.0)]
    assert [row["hparams"]["epochs"] for row in result["candidates"]] == fitted
    assert result["budget_seconds"] == 4.5
    assert "1/2" in format_search(result).splitlines()[1]  # the best epoch of the epochs trained
    assert int(FILL * 1 / 2.0) == 0 and search(candidates[:1], budget=1, train_size=16, log=None)[
        "candidates"][0]["hparams"]["epochs"] == 1  # at least one epoch


def test_seconds_per_epoch_times_about_the_given_images_and_scales_them_to_an_epoch(monkeypatch, small):
    calls = []

    def fake_train_recipe(hp, recipe, train_set, loaders, device, log):
        calls.append((hp.epochs, recipe["float32_epochs"], len(train_set.data), loaders))
        return [{"epoch": 1, "seconds": 0.25 * len(train_set.data) / hp.batch_size}]

    monkeypatch.setattr(ae.reproduce, "train_recipe", fake_train_recipe)
    train_set = small[0]
    hp, recipe = HINTON2006.replace(batch_size=50), {**RECIPE, "float32_epochs": 3}
    assert seconds_per_epoch(hp, recipe, train_set, "cpu", images=400) == pytest.approx(
        0.25 * math.ceil(len(train_set.data) / 50))
    assert calls == [(1, 0, 150, {}), (1, 0, 400, {})]  # 3 warm-up batches, then 8; no evaluation, bfloat16 if fast
    calls.clear()
    seconds_per_epoch(hp, recipe, subset(train_set, slice(120)), "cpu", images=400)
    assert calls[-1][2] == 120  # never more than the epoch's own batches


def test_a_candidate_that_diverges_is_recorded_and_never_chosen(monkeypatch, capsys):
    def fake_train_recipe(hp, recipe, train_set, loaders, device, log):
        if hp.lr > 1:
            raise NonFiniteLoss("the training loss became nan at step 3")
        return [{"epoch": 1, "seconds": 1.0, "validation_error": 9.0}]

    monkeypatch.setattr(ae.reproduce, "train_recipe", fake_train_recipe)
    result = search([{"lr": 2.0, "epochs": 1}, {"lr": 1e-3, "epochs": 1}], train_size=16)
    assert result["candidates"][0]["diverged"] == "the training loss became nan at step 3"
    assert result["chosen"] == 1 and "validation_error" not in result["candidates"][0]
    assert "{'lr': 2.0, 'epochs': 1} diverged: the training loss became nan at step 3" in capsys.readouterr().out
    assert format_search(result).splitlines()[1].split()[-1] == "diverged"
    with pytest.raises(NonFiniteLoss, match="every candidate of the search diverged"):
        search([{"lr": 2.0, "epochs": 1}], train_size=16, log=None)


def test_the_batch_search_scales_the_learning_rate_with_the_batch_and_fits_its_epochs():
    assert {row["batch_size"] for row in BATCH_SEARCH} == {128, 256, 512, 1024}
    for row in BATCH_SEARCH:
        assert "epochs" not in row
        factor = row["lr"] / HINTON2006.lr / math.sqrt(row["batch_size"] / 128)
        assert factor == pytest.approx(1, rel=1e-3) or factor == pytest.approx(2, rel=1e-3)


def test_the_short_search_varies_decay_and_moved_images_around_the_batch_searchs_rate_at_256():
    rate = next(row["lr"] for row in BATCH_SEARCH if row["batch_size"] == 256 and row["lr"] > 0.005)
    assert all(row["batch_size"] == 256 and "epochs" not in row for row in SHORT_SEARCH)
    assert {(row["weight_decay"], row["shift"]) for row in SHORT_SEARCH} == {(0.1, 1), (0.01, 0), (0.01, 1), (0.1, 0)}
    assert sorted({row["lr"] / rate for row in SHORT_SEARCH}) == pytest.approx([0.7071, 1, 1.4142], rel=0.02)
    # the recipe as it is, at batch 256: what the others are measured against
    assert {"batch_size": 256, "lr": rate, "weight_decay": RECIPE["weight_decay"], "shift": RECIPE["shift"]} in \
        SHORT_SEARCH


def test_train_recipe_builds_its_optimizer_loader_and_precision_from_the_recipe(monkeypatch, small):
    seen = []

    def fake_train(model, criterion, optimizer, loader, test_loader, **options):
        seen.append((optimizer.param_groups[0]["weight_decay"], loader.shift, options["bf16"]))
        return {"seconds": [1.0], "train_loss": [0.1]}

    monkeypatch.setattr(ae.reproduce, "train", fake_train)
    monkeypatch.setattr(ae.reproduce, "evaluate", lambda model, loader, metric: (3.0, None))
    monkeypatch.setattr(ae.reproduce, "bfloat16_is_fast", lambda device: True)
    recipe = {**RECIPE, "weight_decay": 0.3, "shift": 2, "float32_epochs": 1}
    history = train_recipe(HINTON2006.replace(epochs=2), recipe, small[0], {"validation": None}, "cpu", log=None)
    assert seen == [(0.3, 2, True), (0.3, 2, False)]
    assert [(row["seconds"], row["validation_error"]) for row in history] == [(1.0, 3.0), (2.0, 3.0)]
    seen.clear()
    longer = HINTON2006.epochs + 2  # a longer run keeps float32 for the recipe's last epochs only
    train_recipe(HINTON2006.replace(epochs=longer), RECIPE, small[0], {}, "cpu", log=None)
    assert [bf16 for *_, bf16 in seen] == [epoch <= longer - RECIPE["float32_epochs"] for epoch in range(1, longer + 1)]
    seen.clear()  # where bfloat16 is slow, every epoch runs in float32
    monkeypatch.setattr(ae.reproduce, "bfloat16_is_fast", lambda device: False)
    train_recipe(HINTON2006.replace(epochs=longer), RECIPE, small[0], {}, "cpu", log=None)
    assert [bf16 for *_, bf16 in seen] == [False] * longer


# bfloat16_is_fast in a fresh process with `env` added; a CPU's AVX512 code or oneDNN's bfloat16 turned off.
TURNED_OFF = [{"ATEN_CPU_CAPABILITY": "avx2"}, {"ONEDNN_MAX_CPU_ISA": "AVX2"}, {"ONEDNN_MAX_CPU_ISA": "avx512_core"}]


@pytest.mark.parametrize("env", TURNED_OFF, ids=lambda env: "=".join(*env.items()))
def test_bfloat16_is_not_fast_with_the_cpus_bfloat16_instructions_turned_off(env):
    code = ("import torch; from ae.train import bfloat16_is_fast; "
            "print(bfloat16_is_fast('cpu'), torch.backends.cpu.get_cpu_capability())")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                          check=True)
    fast, capability = done.stdout.split()
    assert fast == "False", f"with {env} (capability {capability}) bfloat16 still counts as fast"


def test_a_short_reproduction_with_bfloat16_turned_off_runs_in_float32_and_reports_its_speed(tmp_path, mnist):
    """The command, run as a learner would on a CPU without bfloat16 instructions (or with them turned off)."""
    out = tmp_path / "run.json"
    command = [sys.executable, "-m", "ae", "reproduce", "hinton2006", "--epochs", "1", "--train-size", "512",
               "--out", str(out), "--allow-dirty"]
    done = subprocess.run(command, env={**os.environ, "ATEN_CPU_CAPABILITY": "avx2"}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "every epoch runs in float32" in done.stdout
    result = json.loads(out.read_text())
    assert result["bfloat16"] is False and result["training_seconds"] > 0


def test_the_committed_search_chose_the_recipe_in_use():
    result = read_result(COMMITTED_SEARCH)
    assert result["command"] == "python -m ae reproduce hinton2006 --search --out results/hinton2006_search.json"
    assert [(HParams(**row["hparams"]), row["recipe"]) for row in result["candidates"]] == [
        candidate_settings(candidate) for candidate in SEARCH]
    chosen = result["candidates"][result["chosen"]]
    in_time = [row for row in result["candidates"] if row["training_seconds"] <= result["budget_seconds"] == 180]
    assert chosen in in_time and chosen["validation_error"] == min(row["validation_error"] for row in in_time)
    assert HParams(**chosen["hparams"]) == HINTON2006 and chosen["recipe"] == RECIPE
    assert "test_error" not in json.dumps(result)


@pytest.mark.parametrize("search, name, options", [
    ("batches", "hinton2006_search_batches.json", "--budget 30"),
    ("batches", "hinton2006_batches_23epochs.json", "--budget 600 --epochs 23"),
    ("short", "hinton2006_short_16epochs.json", "--epochs 16")])
def test_the_committed_searches_chose_on_validation_within_their_budget(search, name, options):
    result = read_result(results_dir() / name)
    assert result["command"] == f"python -m ae reproduce hinton2006 --search {search} {options} --out results/{name}"
    budget = result["budget_seconds"]
    assert options.startswith(f"--budget {budget:g}") if "--budget" in options else budget == BUDGET_SECONDS
    assert [row["candidate"] for row in result["candidates"]] == list(SEARCHES[search])
    in_time = [row for row in result["candidates"] if "diverged" not in row and row["training_seconds"] <= budget]
    chosen = result["candidates"][result["chosen"]]
    assert chosen["validation_error"] == min(row["validation_error"] for row in in_time)
    if "--epochs" in options:  # every candidate for the same epochs: what a batch size learns per epoch
        assert {row["hparams"]["epochs"] for row in result["candidates"]} == {int(options.split()[-1])}
    assert "test_error" not in json.dumps(result)


def test_search_from_the_command_line_prints_each_candidate_and_writes_no_test_error(tmp_path, capsys, mnist):
    out = tmp_path / "search.json"
    assert main(["reproduce", "hinton2006", "--search", "--epochs", "1", "--train-size", "64", "--out", str(out),
                 "--allow-dirty"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("candidate") and line.endswith("seconds")):]
    assert len(table) == 1 + len(SEARCH) + 1 and table[-1].startswith("written to ")
    assert sum(line.endswith("<- chosen") for line in table) == 1
    result = read_result(out)
    assert result["command"].startswith("python -m ae reproduce hinton2006 --search --epochs 1 --train-size 64 ")
    assert [row["hparams"]["epochs"] for row in result["candidates"]] == [1] * len(SEARCH)
    assert "test_error" not in json.dumps(result)


def test_the_batch_search_from_the_command_line_fits_every_candidate_to_the_budget(tmp_path, monkeypatch, mnist):
    monkeypatch.setattr(ae.reproduce, "seconds_per_epoch", lambda hp, recipe, train_set, device: 1.0)
    out = tmp_path / "batches.json"
    assert main(["reproduce", "hinton2006", "--search", "batches", "--budget", "2.5", "--train-size", "64",
                 "--out", str(out), "--allow-dirty"]) == 0
    result = read_result(out)
    assert result["command"].startswith("python -m ae reproduce hinton2006 --search batches --budget 2.5 "
                                        "--train-size 64 ")
    assert [row["candidate"] for row in result["candidates"]] == list(BATCH_SEARCH)
    assert [row["hparams"]["epochs"] for row in result["candidates"]] == [int(FILL * 2.5)] * len(BATCH_SEARCH)
    assert result["budget_seconds"] == 2.5 and "test_error" not in json.dumps(result)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU here: the GPU path is checked where there is one")
def test_a_short_reproduction_runs_on_the_gpu(tmp_path, mnist):
    out = tmp_path / "gpu.json"
    assert main(["reproduce", "hinton2006", "--epochs", "2", "--train-size", "2048", "--device", "cuda",
                 "--out", str(out), "--allow-dirty"]) == 0
    result = read_result(out)
    assert result["machine"]["device"].startswith("cuda") and result["bfloat16"] == torch.cuda.is_bf16_supported()
    errors = [row["test_error"] for row in result["epochs"]]
    assert errors[1] < errors[0] and first_below(result, errors[0]) == result["epochs"][1]
