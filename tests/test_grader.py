"""The grader graded: a class of known submissions must get exactly the points they deserve.

One ``python -m grader`` run grades the solutions, the untouched stubs and the faulty submissions of
``tests/submissions`` (see its README): bugs, attacks, and honest but odd code. Every test below reads that
run's CSV, its Gradescope files, and what the machine looks like after it. The points each submission deserves
are computed from the checks' own ``@pytest.mark.points`` and the names of the checks it must fail.
"""
import ast
import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ae import results
from ae.paths import cache_dir
from grader import expected, reference
from grader.exercises import RELATIVE_TOLERANCE
from grader.probes import PUBLIC_SEED
from grader.registry import FOLDER, names

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
TIME_LIMIT = 60  # per exercise: a hanging submission costs this long
MARKER = "ae-grader-escape-marker"  # in the command line of every process that tests/submissions/escapes starts
ALL, NONE = "all", ()

# Per submission: the checks it fails, per exercise (ALL, NONE when omitted, or check names), and a word of its notes.
EXPECTED = {
    "solutions": ({}, ""),
    "exercises": ({e: ALL for e in names()}, "not implemented"),
    "raises": ({"activation": ALL, "denoising": ALL, "latent_size": (
        "test_sweep_gives_one_validation_mse_per_latent_size", "test_same_seed_same_numbers",
        "test_sweep_matches_the_reference", "test_chosen_latent_size_matches_the_reference",
        "test_test_mse_of_the_chosen_size_matches_the_reference")}, "ZeroDivisionError"),
    "hangs": ({"latent_size": ALL, "denoising": ALL, "activation": (
        "test_compare_activations_gives_one_validation_mse_per_name", "test_same_seed_same_numbers",
        "test_comparison_matches_the_reference", "test_chosen_activation_matches_the_reference",
        "test_test_mse_of_the_chosen_activation_matches_the_reference")}, "time limit"),
    "memory": ({"latent_size": ALL, "activation": ALL, "denoising": (
        "test_train_denoiser_returns_an_autoencoder", "test_denoising_mse_reports_less_error_after_denoising",
        "test_noisy_mse_matches_the_reference", "test_gaussian_denoiser_matches_the_reference",
        "test_mask_denoiser_matches_the_reference")}, "out of memory"),
    "exits": ({"latent_size": ALL, "denoising": ALL, "activation": (
        "test_compare_activations_gives_one_validation_mse_per_name", "test_same_seed_same_numbers",
        "test_train_and_evaluate_builds_its_model_with_get_activation", "test_comparison_matches_the_reference",
        "test_chosen_activation_matches_the_reference", "test_train_and_evaluate_uses_the_splits_it_is_given",
        "test_test_mse_of_the_chosen_activation_matches_the_reference")}, "exit"),
    "syntax_error": ({e: ALL for e in names()}, "SyntaxError"),
    # latent_size is right and prints fake results: full points; activation prints fake records only: zero.
    "fake_output": ({"activation": ALL, "denoising": ALL}, "NotImplementedError"),
    "imports_solutions": ({e: ALL for e in names()}, "No module named 'solutions'"),
    # sweep disables torch's seeding and returns zeros; activation rebinds ae.evaluate, which ae.train does not use.
    "tampers": ({"latent_size": (
        "test_sweep_gives_one_validation_mse_per_latent_size", "test_same_seed_same_numbers",
        "test_sweep_matches_the_reference", "test_chosen_latent_size_matches_the_reference",
        "test_test_mse_of_the_chosen_size_matches_the_reference")}, "checks failed"),
    "wrong_latent_size": ({"activation": ALL, "denoising": ALL, "latent_size": (
        "test_build_autoencoder_returns_an_autoencoder", "test_build_autoencoder_matches_the_reference",
        "test_sweep_matches_the_reference", "test_chosen_latent_size_matches_the_reference",
        "test_test_mse_of_the_chosen_size_matches_the_reference")}, "checks failed"),
    "choose_largest": ({"activation": ALL, "denoising": ALL, "latent_size": (
        "test_choose_latent_size_picks_the_smallest_size_reaching_the_target",
        "test_chosen_latent_size_matches_the_reference", "test_test_mse_of_the_chosen_size_matches_the_reference")},
                       "checks failed"),
    "noise_in_target": ({"latent_size": ALL, "activation": ALL, "denoising": (
        "test_denoising_mse_reports_less_error_after_denoising", "test_gaussian_denoiser_matches_the_reference",
        "test_mask_denoiser_matches_the_reference")}, "checks failed"),
    "wrong_gelu": ({"latent_size": ALL, "denoising": ALL, "activation": (
        "test_get_activation_computes_the_named_function",)}, "checks failed"),
    # Right numbers, but the model is built from the name: the activation the student wrote is never trained.
    "ignores_get_activation": ({"latent_size": ALL, "denoising": ALL, "activation": (
        "test_train_and_evaluate_builds_its_model_with_get_activation",)}, "checks failed"),
    # Right numbers on the public inputs' budget, measured on the wrong images: the argument checks catch it.
    "ignores_splits": ({"latent_size": ("test_train_and_evaluate_uses_the_splits_it_is_given",),
                        "activation": ("test_train_and_evaluate_uses_the_splits_it_is_given",),
                        "denoising": ("test_denoising_mse_reports_less_error_after_denoising",
                                      "test_gaussian_denoiser_matches_the_reference",
                                      "test_mask_denoiser_matches_the_reference")}, "test_set argument was ignored"),
    # Attacks and nothing else: zero.
    "reads_hidden": ({e: ALL for e in names()}, "nothing to steal"),
    "forges_records": ({e: ALL for e in names()}, "refused"),
    "patches_grader": ({e: ALL for e in names()}, "did not finish"),
    "escapes": ({e: ALL for e in names()}, "NotImplementedError"),
    # It writes into everything it can reach, its own channel to the grader included: refused.
    # Its walk of every folder it can see ends in a refused record, or, where the course and its venv live under
    # /tmp (shown to the sandbox, read-only), in the time limit: nothing either way.
    "writes_everywhere": ({e: ALL for e in names()}, ("refused", "time limit")),
    # Numbers remembered from the public inputs fail against the instructor's seed (the chosen size with them).
    "memorised": ({"activation": ALL, "denoising": ALL, "latent_size": (
        "test_same_seed_same_numbers", "test_sweep_matches_the_reference",
        "test_chosen_latent_size_matches_the_reference", "test_test_mse_of_the_chosen_size_matches_the_reference")},
                  "checks failed"),
    # Honest but odd: a cyclic dict and a huge int fail only the checks that need them; float64 by default is fine.
    "odd_values": ({"latent_size": (
        "test_sweep_gives_one_validation_mse_per_latent_size", "test_same_seed_same_numbers",
        "test_sweep_matches_the_reference", "test_chosen_latent_size_matches_the_reference",
        "test_test_mse_of_the_chosen_size_matches_the_reference"), "activation": (
        "test_compare_activations_gives_one_validation_mse_per_name", "test_same_seed_same_numbers",
        "test_comparison_matches_the_reference", "test_chosen_activation_matches_the_reference",
        "test_test_mse_of_the_chosen_activation_matches_the_reference")}, "cannot read"),
}
COPIES = {"noise_in_target_again": "noise_in_target", "solutions_again": "solutions"}


def check_points() -> dict:
    """{exercise: {check function: points}}, read from the ``@pytest.mark.points(n)`` of the checks' files."""
    points = {}
    for exercise in names():
        for path in sorted((FOLDER / exercise).glob("test_*.py")):
            for node in ast.parse(path.read_text()).body:
                for decorator in getattr(node, "decorator_list", []):
                    if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.points":
                        points.setdefault(exercise, {})[node.name] = decorator.args[0].value
    return points


def deserved(name: str) -> dict:
    """{exercise: points} that submission ``name`` deserves."""
    lost, _ = EXPECTED[COPIES.get(name, name)]
    points = check_points()
    return {e: 0 if lost.get(e, NONE) == ALL else sum(p for check, p in points[e].items()
                                                      if check not in lost.get(e, NONE)) for e in names()}


def build(name: str, folder: Path) -> None:
    """Lay out the faulty submission ``name`` in ``folder`` (see tests/submissions/README.md)."""
    folder.mkdir(parents=True)
    for path in (SUBMISSIONS / name).glob("*.py"):
        exercise, _, kind = path.name.partition(".")
        if kind == "after_solution.py":
            text = (REPO / "solutions" / f"{exercise}.py").read_text() + "\n\n" + path.read_text()
            (folder / f"{exercise}.py").write_text(text)
        else:
            shutil.copy(path, folder / path.name)


def tree_digest(root: Path) -> dict:
    """{path: sha256} of the files under ``root`` (caches and environments left out)."""
    skip = {".venv", "__pycache__", ".pytest_cache", "_build", ".cache", "release", "dist", ".git"}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and not skip & set(p.relative_to(root).parts)}


def escaped_processes() -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if MARKER.encode() in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One grading of the whole class: the CSV rows, the Gradescope folder, the output, and the machine after."""
    work = tmp_path_factory.mktemp("class")
    seed = reference.grading_seed()
    for exercise in names():
        reference.reference(exercise, seed)
    cache = tree_digest(cache_dir() / "grading")
    folders = []
    for name in [*EXPECTED, *COPIES]:
        if name in ("solutions", "exercises", "solutions_again"):
            shutil.copytree(REPO / COPIES.get(name, name), work / name)
        else:
            build(COPIES.get(name, name), work / name)
        folders.append(work / name)
    (work / "special_file").mkdir()
    os.mkfifo(work / "special_file" / "activation.py")
    folders.append(work / "special_file")
    before = tree_digest(REPO)
    command = [sys.executable, "-m", "grader", *map(str, folders), "--csv", str(work / "grades.csv"),
               "--gradescope", str(work / "gradescope"), "--jobs", "2", "--timeout", str(TIME_LIMIT)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=3000)
    escaped = escaped_processes()
    after = tree_digest(REPO)
    with open(work / "grades.csv") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return {"rows": rows, "gradescope": work / "gradescope", "done": done, "escaped": escaped, "csv": work / "grades.csv",
            "changed": sorted(set(before.items()) ^ set(after.items())),
            "cache_changed": sorted(set(cache.items()) ^ set(tree_digest(cache_dir() / "grading").items()))}


@pytest.mark.parametrize("name", [*EXPECTED, *COPIES])
def test_each_submission_gets_the_points_it_deserves(graded, name):
    row = graded["rows"][name]
    points = deserved(name)
    assert {e: int(row[e]) for e in names()} == points, row
    assert int(row["total"]) == sum(points.values())
    assert int(row["max"]) == sum(sum(checks.values()) for checks in check_points().values())
    words = EXPECTED[COPIES.get(name, name)][1]
    assert any(word in row["notes"] for word in ((words,) if isinstance(words, str) else words)), row["notes"]


def test_a_submission_whose_file_is_a_pipe_gets_its_row_and_its_reason(graded):
    """A pipe in place of a file (it would block whoever reads it) is not read: its row says why; every other row
    is graded, and the batch ends well."""
    done, rows = graded["done"], graded["rows"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows["special_file"]["total"] == "0"
    assert "activation: activation.py is not a plain file" in rows["special_file"]["notes"]
    assert len(rows) == len(EXPECTED) + len(COPIES) + 1


def test_a_failure_of_the_grader_on_one_submission_is_its_report(tmp_path):
    """Whatever stops the checks' process (here pytest refusing an option) gives a report of zero points that
    says why, never an exception that would end the batch."""
    from grader.submission import grade

    report = grade(REPO / "solutions", 60, None, None, isolation="no-such-isolation")
    assert report.points == 0 and report.error.startswith("grader error: ") and "isolation" in report.error
    assert "isolation" in report.log
    missing = grade(tmp_path / "nothing", 60, None, None, isolation="none")
    assert missing.points == 0 and "is not a folder" in missing.error


def test_no_process_of_any_submission_outlives_the_batch(graded):
    assert graded["escaped"] == []


def test_the_course_and_the_reference_records_are_unchanged_after_the_batch(graded):
    assert graded["changed"] == [] and graded["cache_changed"] == []


def test_same_submission_same_points(graded):
    rows = graded["rows"]
    for name, original in COPIES.items():
        assert {k: v for k, v in rows[name].items() if k != "submission"} == \
               {k: v for k, v in rows[original].items() if k != "submission"}


def test_the_printed_table_has_one_row_per_submission_then_the_checks_failure_rates(graded):
    lines = graded["done"].stdout.splitlines()
    assert lines[0].split()[:2 + len(names())] == ["submission", *names(), "total"]
    table = lines[1:lines.index("")]
    assert [line.split()[0] for line in table] == [*EXPECTED, *COPIES, "special_file"]
    summary = lines[lines.index("") + 1:]
    assert summary[0] == f"checks failed, across the {len(table)} submissions:"
    checks = sum(len(points) for points in check_points().values())
    assert len(summary) == 1 + checks, summary
    rates = [float(line.split("%")[0]) for line in summary[1:]]
    assert rates == sorted(rates, reverse=True) and 0 < rates[-1] < 100  # the stubs fail every check, solutions none


def test_each_submission_gets_its_progress_line_log_and_report(graded):
    progress = [line for line in graded["done"].stderr.splitlines() if line.startswith("[")]
    total = len(EXPECTED) + len(COPIES) + 1
    assert len(progress) == total and progress[-1].startswith(f"[{total}/{total}] ")
    assert all("left)" in line for line in progress[:-1])
    logs = graded["csv"].with_name("grades.logs")
    assert sorted(path.name for path in logs.glob("*.log")) == sorted(f"{name}.log" for name in graded["rows"])
    assert "raised NotImplementedError" in (logs / "exercises.log").read_text()
    assert json.loads((logs / "solutions.json").read_text())["points"] == int(graded["rows"]["solutions"]["total"])
    # What the student's code printed (in the sandbox) ends the log, apart from the grader's own output.
    log = (logs / "fake_output.log").read_text()
    assert "--- what activation.py printed (the end) ---\nactivation      10 / 10" in log, log[-2000:]


def test_gradescope_results_hold_every_check_with_its_points(graded):
    rows, folder = graded["rows"], graded["gradescope"]
    for name in ("solutions", "wrong_gelu"):
        results = json.loads((folder / name / "results.json").read_text())
        assert results["score"] == int(rows[name]["total"])
        assert sum(test["score"] for test in results["tests"]) == results["score"]
        assert sum(test["max_score"] for test in results["tests"]) == int(rows[name]["max"])
        assert all(set(test) == {"name", "score", "max_score", "output", "visibility"} for test in results["tests"])
        assert {test["visibility"] for test in results["tests"]} == {"visible", "after_published"}
    tests = json.loads((folder / "wrong_gelu" / "results.json").read_text())["tests"]
    failed = [t for t in tests if t["name"].startswith("activation:") and t["score"] < t["max_score"]]
    assert len(failed) == 1 and "gelu" in failed[0]["output"]


def test_student_self_check_says_what_is_expected():
    """``pytest tests/grading`` on the untouched stubs: zero points, and each failure points to the page."""
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "-k", "latent_size and test_public",
                           "-p", "no:cacheprovider"], cwd=REPO, capture_output=True, text=True, timeout=600)
    public = (FOLDER / "latent_size" / "test_public.py").read_text()
    total = sum(points for check, points in check_points()["latent_size"].items() if f"def {check}(" in public)
    assert done.returncode == 1
    assert f"latent_size      0 / {total}" in done.stdout
    assert "raised NotImplementedError (it is not written yet)" in done.stdout
    assert "see book/exercises/latent_size.md" in done.stdout
    assert "Traceback" not in done.stdout


def test_bad_command_lines_are_one_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "--submission", "no/such/folder"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 4
    assert "--submission no/such/folder: no such folder" in done.stderr
    (tmp_path / "taken.csv").write_text("my grades")
    (tmp_path / "folder.csv").mkdir()
    for args, message in [(["no/such/folder", "--csv", "grades.csv"], "no/such/folder: no such folder"),
                          (["solutions", "--csv", str(tmp_path / "taken.csv")], "exists: pass --resume"),
                          (["solutions", "--csv", str(tmp_path / "folder.csv")], "is a folder"),
                          (["solutions", "--csv", "/no/such/dir/g.csv"], "cannot be written"),
                          (["solutions", "--csv", "g.csv", "--timeout", "nan"], "--time-limit must be"),
                          (["solutions", "--csv", "g.csv", "--timeout", "inf"], "--time-limit must be"),
                          (["solutions", "--csv", "g.csv", "--jobs", "0"], "--jobs must be")]:
        done = subprocess.run([sys.executable, "-m", "grader", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and message in done.stderr, (args, done.stderr)
    assert (tmp_path / "taken.csv").read_text() == "my grades"


def test_without_bubblewrap_a_class_is_refused_and_a_student_is_told(tmp_path):
    """No bwrap on the PATH: python -m grader refuses unless told it is unsafe; a student's self-check says it in one line."""
    env = {**os.environ, "PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "grader", "solutions", "--csv", str(tmp_path / "g.csv")], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "bubblewrap is not installed" in done.stderr and "--unsafe-no-isolation" in done.stderr
    assert not (tmp_path / "g.csv").exists()
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "-k", "latent_size and choose_latent",
                           "-p", "no:cacheprovider"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stderr.splitlines() if "without isolation" in line]
    assert len(lines) == 1 and "bubblewrap is not installed" in lines[0]
    assert "2 failed" in done.stdout  # the untouched stubs, graded all the same


# Another CPU's arithmetic moves the reference numbers by about 0.05% (relu 0.0243574 here, 0.0243700 on another
# machine); a changed solution, probe, budget or data set moves them by more. Choices and constants must be equal.
MACHINE_TOLERANCE = 0.02


def differences(committed, now, where=""):
    """Where two JSON values disagree: floats by more than ``MACHINE_TOLERANCE`` relative, anything else at all."""
    if isinstance(committed, float) and isinstance(now, float):
        close = abs(committed - now) <= MACHINE_TOLERANCE * max(abs(committed), abs(now))
        return [] if close else [f"{where}: {committed} committed, {now} now"]
    if isinstance(committed, dict) and isinstance(now, dict) and committed.keys() == now.keys():
        return [d for key in committed for d in differences(committed[key], now[key], f"{where}/{key}")]
    if isinstance(committed, list) and isinstance(now, list) and len(committed) == len(now):
        return [d for i, pair in enumerate(zip(committed, now)) for d in differences(*pair, f"{where}/{i}")]
    return [] if committed == now else [f"{where}: {committed!r} committed, {now!r} now"]


def test_differences_tolerate_another_cpu_but_not_another_result():
    committed = {"compare": {"relu": 0.024357376620173454, "tanh": 0.042}, "choice": "relu", "sizes": [2, 4]}
    assert differences(committed, {**committed, "compare": {"relu": 0.0243699848651886, "tanh": 0.042}}) == []
    assert differences(committed, {**committed, "compare": {"relu": 0.0256, "tanh": 0.042}}) == [
        "/compare/relu: 0.024357376620173454 committed, 0.0256 now"]
    assert len(differences(committed, {**committed, "choice": "tanh", "sizes": [2, 8]})) == 2
    assert differences(committed, {**committed, "compare": {"relu": 0.024357376620173454}}) != []


def test_the_pages_expected_results_are_what_the_reference_computes_now():
    """results/exercises.json (``python -m grader.expected``), which the exercise pages read, holds the reference
    records of the public inputs, within what another CPU's arithmetic changes: a change of a solution, a probe or
    the data that is not rerun fails here."""
    committed = json.loads((REPO / "results" / expected.FILE).read_text())
    assert committed["tolerance"] == RELATIVE_TOLERANCE and sorted(committed["exercises"]) == sorted(names())
    for exercise in names():
        run = reference.reference(exercise, PUBLIC_SEED)
        now = {probe: json.loads(json.dumps(run.value(probe))) for probe in expected.REPORTED[exercise]}
        stale = differences(committed["exercises"][exercise]["reference"], now, exercise)
        for probe, runs in committed["exercises"][exercise]["over_seeds"].items():
            assert sorted(map(int, runs)) == list(expected.SEEDS)
            seed_run = {k: v for k, v in runs[str(PUBLIC_SEED)].items() if k in now[probe]}
            stale += differences(seed_run, now[probe], f"{exercise}/over_seeds/{probe}")
        assert not stale, "run python -m grader.expected:\n" + "\n".join(stale)


def test_the_expected_results_hold_with_the_cpus_bfloat16_and_avx512_code_turned_off(tmp_path):
    """The exercises' numbers do not depend on which CPU features a machine has: the test above, run again in a
    fresh process with torch's AVX512 code and oneDNN's bfloat16 instructions turned off (what a laptop without
    AMX runs) and an empty cache (the reference recomputed), against the same committed file."""
    env = {**os.environ, "ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "AE_CACHE_DIR": str(tmp_path)}
    test = f"{Path(__file__).name}::test_the_pages_expected_results_are_what_the_reference_computes_now"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(REPO),
                           test], cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_expected_refuses_a_dirty_tree_and_a_copy_without_solutions(tmp_path, monkeypatch, capsys):
    out = tmp_path / "exercises.json"
    monkeypatch.setattr(results, "tree_is_dirty", lambda: True)
    with pytest.raises(SystemExit) as stopped:
        expected.main(["--out", str(out)])
    assert stopped.value.code == 2 and "--allow-dirty" in capsys.readouterr().err
    monkeypatch.setattr(expected, "SOLUTIONS", tmp_path / "solutions")
    with pytest.raises(SystemExit) as stopped:
        expected.main(["--out", str(out), "--allow-dirty"])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and "needs the reference solutions" in error and error.count("\n") == 1
    assert not out.exists()


def test_expected_says_when_the_reference_is_not_reproducible():
    values = {"sweep": {2: 0.05, 4: 0.04}}
    expected.check_same("latent_size", values, {"sweep": {0: {2: 0.05, 4: 0.04}, 1: {2: 0.06, 4: 0.03}}})
    with pytest.raises(RuntimeError, match="not reproducible"):
        expected.check_same("latent_size", values, {"sweep": {0: {2: 0.05, 4: 0.041}}})


def batch(folders, csv_path, *extra):
    return [sys.executable, "-m", "grader", *map(str, folders), "--csv", str(csv_path), "--timeout", str(TIME_LIMIT),
            *extra]


def test_an_interrupted_batch_keeps_its_rows_and_resume_finishes_it_as_an_uninterrupted_batch(tmp_path):
    folders = []
    for name, source in (("first", "exercises"), ("second", None), ("third", "exercises")):
        if source:
            shutil.copytree(REPO / source, tmp_path / name)
        else:
            build("syntax_error", tmp_path / name)
        folders.append(tmp_path / name)
    whole = subprocess.run(batch(folders, tmp_path / "whole.csv"), cwd=REPO, capture_output=True, text=True,
                           timeout=1200)
    assert whole.returncode == 0, whole.stderr
    interrupted = subprocess.Popen(batch(folders, tmp_path / "grades.csv"), cwd=REPO, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and (not (tmp_path / "grades.csv").is_file()
                                           or len((tmp_path / "grades.csv").read_text().splitlines()) < 2):
        time.sleep(0.2)
    interrupted.send_signal(signal.SIGINT)
    out, err = interrupted.communicate(timeout=300)
    assert interrupted.returncode == 130, err
    assert "run the same command with --resume" in err
    kept = (tmp_path / "grades.csv").read_text().splitlines()
    assert 2 <= len(kept) < 4, kept
    assert escaped_processes() == []
    refused = subprocess.run(batch(folders, tmp_path / "grades.csv"), cwd=REPO, capture_output=True, text=True)
    assert refused.returncode == 2 and "pass --resume" in refused.stderr
    resumed = subprocess.run(batch(folders, tmp_path / "grades.csv", "--resume"), cwd=REPO, capture_output=True,
                             text=True, timeout=1200)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming: {len(kept) - 1} of 3 submissions already graded" in resumed.stderr
    assert (tmp_path / "grades.csv").read_text() == (tmp_path / "whole.csv").read_text()
    regraded = subprocess.run(batch(folders[:2], tmp_path / "again.csv", "--regrade", tmp_path / "whole.csv"),
                              cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert regraded.returncode == 0 and "no submission changed" in regraded.stdout
    with open(tmp_path / "whole.csv") as f:
        rows = list(csv.DictReader(f))
    rows[0]["total"], rows[0]["latent_size"] = "7", "7"
    with open(tmp_path / "old.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    regraded = subprocess.run(batch(folders[:1], tmp_path / "third.csv", "--regrade", tmp_path / "old.csv"),
                              cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert "first: total 7 -> 0 (latent_size 7 -> 0)" in regraded.stdout
    assert "1 of 1 submissions changed" in regraded.stdout
