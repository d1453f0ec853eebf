"""The similarity report (grader.similarity): copies are flagged, independent work and untouched stubs are not."""
import re
import shutil
from pathlib import Path

import pytest

from grader import batch, similarity

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not (ROOT / "solutions").is_dir(), reason="needs solutions/, not in the students' copy")
RENAMES = {"model": "network", "criterion": "loss_function", "optimizer": "opt", "hp": "settings", "logs": "history",
           "results": "scores", "train_loader": "batches", "test_loader": "eval_batches"}

# activation.py written another way: the stub's constants and signatures (boilerplate), different bodies
VARIANT = '''"""My answer."""
import torch
from torch import nn

import ae

NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")  # the activations to compare
BUDGET = ae.HParams(lr=3e-3, epochs=10)  # the training budget of every run: 10 passes over the training set


def get_activation(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU()
    if name == "tanh":
        return nn.Tanh()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "gelu":
        return nn.GELU()
    if name == "elu":
        return nn.ELU()
    raise ValueError("name must be one of " + str(NAMES))


def train_and_evaluate(activation: str, train_set, test_set, seed: int = 0) -> float:
    ae.set_seed(seed)
    net = ae.Net(BUDGET.latent_size, BUDGET.hidden, activation=get_activation(activation))
    opt = torch.optim.Adam(net.parameters(), lr=BUDGET.lr)
    out = ae.train(net, nn.MSELoss(), opt, ae.TensorLoader(train_set, BUDGET.batch_size, seed=seed),
                   ae.TensorLoader(test_set, 1000, shuffle=False), BUDGET.epochs, progress=False, log=None)
    return out["test_loss"][-1]


def compare_activations(train_set, test_set, names=NAMES, seed: int = 0) -> dict[str, float]:
    found = {}
    for n in names:
        found[n] = train_and_evaluate(n, train_set, test_set, seed)
    return found


def choose_activation(results: dict[str, float]) -> str:
    best = None
    for key, value in results.items():
        if best is None or value < results[best]:
            best = key
    return best
'''


def solution_copy(folder: Path, renamed: bool = False) -> Path:
    shutil.copytree(ROOT / "solutions", folder, ignore=shutil.ignore_patterns("*.json"))
    if renamed:
        for path in folder.glob("*.py"):
            text = path.read_text()
            for old, new in RENAMES.items():
                text = re.sub(rf"\b{old}\b", new, text)
            path.write_text(text)
    return folder


def run(capsys, *argv) -> tuple[int, str]:
    try:
        code = similarity.main([str(a) for a in argv])
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_copies_with_renamed_variables_are_flagged(tmp_path, capsys):
    alice, bob = solution_copy(tmp_path / "alice"), solution_copy(tmp_path / "bob", renamed=True)
    assert (alice / "activation.py").read_text() != (bob / "activation.py").read_text()
    code, out = run(capsys, alice, bob, "--report", tmp_path / "similarity.html")
    assert code == 0, out
    rows = (tmp_path / "similarity.csv").read_text().splitlines()
    assert rows[0] == "submission_a,submission_b,exercise,similarity_a,similarity_b"
    flagged = {line.split(",")[2]: line for line in rows[1:]}
    assert set(flagged) == {"activation", "denoising", "latent_size"}
    assert all(float(line.split(",")[3]) > 0.9 for line in flagged.values()), rows
    assert "Copy Detection Report" in (tmp_path / "similarity.html").read_text()


def test_independent_work_and_untouched_stubs_are_not_flagged(tmp_path, capsys):
    alice = solution_copy(tmp_path / "alice")
    carol = shutil.copytree(ROOT / "exercises", tmp_path / "carol")
    (carol / "activation.py").write_text(VARIANT)
    stubs = [shutil.copytree(ROOT / "exercises", tmp_path / name) for name in ("dan", "erin")]
    html, pairs = similarity.compare([alice, carol, *stubs], threshold=0.0)
    scores = {(p["submission_a"], p["submission_b"], p["exercise"]): p for p in pairs}
    assert not any("dan" in key and "erin" in key for key in scores), pairs
    assert ("alice", "carol", "activation") in scores, pairs  # some likeness, below the threshold
    _, low = similarity.compare([alice, carol], threshold=similarity.THRESHOLD)
    assert low == [], low
    assert "Copy Detection Report" in html


def test_refuses_to_overwrite_a_report_without_force(tmp_path, capsys):
    alice, bob = solution_copy(tmp_path / "alice"), solution_copy(tmp_path / "bob")
    report = tmp_path / "similarity.html"
    report.write_text("earlier")
    code, out = run(capsys, alice, bob, "--report", report)
    assert code == 2 and out.count("\n") == 1 and "exists: pass --force" in out, out
    assert report.read_text() == "earlier" and not (tmp_path / "similarity.csv").exists()
    assert run(capsys, alice, bob, "--report", report, "--force")[0] == 0
    assert "Copy Detection Report" in report.read_text()


def test_a_missing_folder_is_one_clear_error(tmp_path, capsys):
    code, out = run(capsys, tmp_path / "nobody", ROOT / "solutions", "--report", tmp_path / "similarity.html")
    assert code == 2 and out.count("\n") == 1 and "nobody: no such folder" in out, out
    assert not (tmp_path / "similarity.html").exists()


def test_the_batch_checks_the_report_before_grading(tmp_path, capsys):
    report = tmp_path / "similarity.html"
    report.write_text("earlier")
    with pytest.raises(SystemExit) as stop:
        batch.main([str(ROOT / "solutions"), "--csv", str(tmp_path / "grades.csv"), "--similarity", str(report),
                    "--unsafe-no-isolation"])
    assert stop.value.code == 2 and "--similarity" in capsys.readouterr().err
    assert not (tmp_path / "grades.csv").exists() and report.read_text() == "earlier"
