"""The grader's sandbox and wire, on small modules (no solutions needed: these stay in the students' copy)."""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from ae.paths import course_root
from grader import wire
from grader.sandbox import (DEFAULT_MEMORY_MB, MAX_MEMORY_MB, MAX_TIME_LIMIT, ProbeFailed, bwrap_works, limits_error,
                            parse_record, run_exercise)

needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot make a sandbox here")


def test_wire_carries_values_as_they_left():
    value = {8: (0.5, float("nan")), "codes": torch.arange(6.0).reshape(2, 3), "name": [None, True, "relu"]}
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert set(back) == {8, "codes", "name"} and back["name"] == [None, True, "relu"]
    assert back[8][0] == 0.5 and math.isnan(back[8][1]) and isinstance(back[8], tuple)
    assert isinstance(back["codes"], np.ndarray) and back["codes"].dtype == np.float32  # the checks run without torch
    assert (back["codes"] == value["codes"].numpy()).all() and back["codes"].shape == (2, 3)
    bf16 = wire.decode(wire.encode(torch.tensor([0.1, -2.5], dtype=torch.bfloat16)))
    assert bf16.dtype == np.float32 and bf16.tolist() == torch.tensor([0.1, -2.5], dtype=torch.bfloat16).tolist()
    assert wire.decode(wire.encode(object())) == wire.Unknown("object")


@pytest.mark.parametrize("value, refused", [
    (torch.zeros(wire.MAX_ITEMS + 1), "more than"),
    (10**5000, "digits"),
    ("x" * (wire.MAX_STRING + 1), "characters"),
], ids=["huge tensor", "huge int", "long string"])
def test_wire_refuses_what_no_check_needs(value, refused):
    with pytest.raises(wire.Refused, match=refused):
        wire.encode(value)


def test_wire_refuses_a_value_that_holds_itself():
    cyclic = {"a": 1}
    cyclic["self"] = cyclic
    with pytest.raises(wire.Refused, match="holds itself"):
        wire.encode(cyclic)
    deep = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(wire.Refused, match="nested"):
        wire.encode(deep)


@pytest.mark.parametrize("data", [
    {"pickle": "gASV"}, {"tensor": [1, 2], "shape": [3], "dtype": "float32"}, {"tensor": [1], "shape": [1],
                                                                             "dtype": "object"},
    {"dict": [[1]]}, {"float": "1e308"}, {"a": 1, "b": 2},
])
def test_decode_accepts_only_what_encode_makes(data):
    with pytest.raises(wire.Refused):
        wire.decode(data)


@pytest.mark.parametrize("line, refused", [
    (b"not json", "not a JSON record"),
    (b"[" * 100_000, "not a JSON record"),
    (b'{"nonce": "n", "probe": "sweep", "value": ' + b"9" * 5000 + b"}", "not a JSON record"),
    (b'{"done": true}', "shape"),
    (b'{"nonce": "n", "probe": "sweep", "value": 1, "extra": 2}', "shape"),
    (b'{"nonce": "other", "probe": "sweep", "value": 1}', "another request"),
    (b'{"nonce": "n", "probe": "train", "value": 1}', "another request"),
    (b'{"nonce": "n", "probe": "sweep", "error": {"type": "E"}}', "error"),
    (b'{"nonce": "n", "probe": "sweep", "value": {"pickle": "x"}}', "tag"),
])
def test_a_record_is_exactly_the_answer_to_the_request_or_refused(line, refused):
    with pytest.raises(wire.Refused, match=refused):
        parse_record(line, "n", "sweep")
    assert parse_record(b'{"nonce": "n", "probe": "sweep", "value": 1}', "n", "sweep") == {"value": 1}


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_a_missing_exercise_is_reported_without_starting_a_process(tmp_path):
    run = run_exercise(tmp_path, "latent_size")
    assert run.failure["kind"] == "missing" and run.seconds < 1
    with pytest.raises(ProbeFailed, match="latent_size.py is missing"):
        run.value("build")


def test_a_link_is_not_followed(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "denoising.py").symlink_to(course_root() / "solutions" / "denoising.py")
    run = run_exercise(folder, "denoising")
    assert run.failure["kind"] == "missing" and "it is a link" in run.failure["message"]


@pytest.mark.parametrize("isolation", [pytest.param("bwrap", marks=needs_bwrap), "none"])
def test_a_hanging_import_is_stopped_at_the_time_limit(tmp_path, isolation):
    folder = write(tmp_path / "s", "activation.py", "import time\ntime.sleep(1000)\n")
    run = run_exercise(folder, "activation", time_limit=3, isolation=isolation)
    assert run.failure == {"kind": "time", "message": "import activation did not finish: it ran past the time "
                                                      "limit of 3 s"}
    assert run.seconds < 60


def test_exit_at_import_is_one_reason_and_print_is_ignored(tmp_path):
    folder = write(tmp_path / "s", "latent_size.py", 'print(\'{"done": true}\')\nraise SystemExit(3)\n')
    run = run_exercise(folder, "latent_size", isolation="none")
    assert run.failure == {"kind": "import", "message": "importing latent_size.py failed: SystemExit: exit(3) was "
                                                        "called (latent_size.py, line 2)"}
    assert run.records == {}


def test_a_record_forged_at_import_is_refused(tmp_path):
    forged = ('import json, os\nfor fd in range(3, 30):\n    try: os.write(fd, (json.dumps({"nonce": "0", "probe": '
              '"constants", "value": 1}) + "\\n").encode())\n    except OSError: pass\n')
    run = run_exercise(write(tmp_path / "s", "latent_size.py", forged), "latent_size", isolation="none")
    assert run.failure["kind"] == "refused" and "another request" in run.failure["message"]
    assert run.records == {}


@needs_bwrap
def test_the_sandbox_shows_nothing_of_the_course_but_ae_and_grader(tmp_path):
    repo = str(course_root())
    paths = [f"{repo}/solutions", f"{repo}/tests", f"{repo}/.cache", "/course/ae", "/course/grader",
             "/course/solutions", "/submission/latent_size.py"]
    probe = (f"import os\nSEEN = {{p: os.path.exists(p) for p in {paths!r}}}\n"
             f"SEEN['listed'] = sorted(os.listdir({repo!r})) if os.path.isdir({repo!r}) else []\n"
             "GRID = (2,)\nTARGET_MSE = 0.0\n"
             "class B:\n    def asdict(self): return SEEN\nBUDGET = B()\n")
    run = run_exercise(write(tmp_path / "s", "latent_size.py", probe), "latent_size", time_limit=30)
    seen = run.value("constants")["BUDGET"]
    listed = seen.pop("listed")
    assert seen == {path: path.startswith(("/course/ae", "/course/grader", "/submission")) for path in paths}
    assert set(listed) <= {".venv"}  # the course's own Python environment, when it lives there


@pytest.mark.parametrize("time_limit, memory_mb, wrong", [
    (0, 2000, "--time-limit"), (-1, None, "--time-limit"), (MAX_TIME_LIMIT + 1, 2000, "--time-limit"),
    (float("nan"), 2000, "--time-limit"), (float("inf"), None, "--time-limit"), ("60", None, "--time-limit"),
    (60, 0, "--memory-limit"), (60, MAX_MEMORY_MB + 1, "--memory-limit"), (60, 1.5, "--memory-limit"),
])
def test_the_limits_have_one_range(tmp_path, time_limit, memory_mb, wrong):
    """One range for the limits, wherever they are given: above 0 and at most a day (86400 s included, which
    ``ae.grade --timeout`` accepts) and at most MAX_MEMORY_MB."""
    assert limits_error(time_limit, memory_mb).startswith(wrong)
    with pytest.raises(ValueError, match=wrong):
        run_exercise(tmp_path, "latent_size", time_limit=time_limit,
                     memory_mb=DEFAULT_MEMORY_MB if memory_mb is None else memory_mb)


def test_the_largest_limits_are_in_range(tmp_path):
    assert MAX_TIME_LIMIT == 86400 and limits_error(MAX_TIME_LIMIT, MAX_MEMORY_MB) is None
    assert limits_error(0.5) is None and limits_error(86400, None) is None
    run = run_exercise(tmp_path, "latent_size", time_limit=86400, memory_mb=MAX_MEMORY_MB)
    assert run.failure["kind"] == "missing"


LOOKS_AROUND = """import os, sys
SEEN = {{"prefix": sys.prefix, "tmp": sorted(os.listdir("/tmp")), "root": sorted(os.listdir({root!r})),
        "secret": os.path.exists({secret!r})}}
GRID = (2,)
TARGET_MSE = 0.0
class B:
    def asdict(self): return SEEN
BUDGET = B()
"""
GRADES_ONE_PROBE = """import json, sys
from grader.sandbox import run_exercise
run = run_exercise(sys.argv[1], "latent_size", time_limit=60)
print(json.dumps(run.failure or run.value("constants")["BUDGET"]))
"""


@needs_bwrap
def test_a_python_under_tmp_grades_and_shows_nothing_else_of_tmp():
    """A course checked out under /tmp: its venv (so the grader's Python) lives under the host's /tmp, which the
    sandbox's own scratch /tmp would hide. Made cheaply: this venv, seen through a link in a folder under /tmp, is
    the grader's Python (sys.prefix is the link's path, as it would be for a venv created there), grading one probe
    with bubblewrap. The sandbox must show that venv at its own path and nothing else of the host's /tmp."""
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtual environment")
    root = Path(tempfile.mkdtemp(prefix="ae-course-", dir="/tmp"))
    try:
        venv = root / "venv"
        venv.symlink_to(Path(sys.prefix))
        secret = root / "secret.txt"
        secret.write_text("the host's /tmp")
        write(root / "s", "latent_size.py", LOOKS_AROUND.format(root=str(root), secret=str(secret)))
        python = venv / "bin" / Path(sys.executable).name
        done = subprocess.run([str(python), "-c", GRADES_ONE_PROBE, str(root / "s")], cwd=course_root(),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        seen = json.loads(done.stdout.splitlines()[-1])
        host = set(os.listdir("/tmp")) - {root.name}  # the sandbox's own files in its /tmp (torch's) are not there
        tmp = seen.pop("tmp")
        assert root.name in tmp and host.isdisjoint(tmp), tmp
        assert seen == {"prefix": str(venv), "root": ["venv"], "secret": False}
    finally:
        shutil.rmtree(root)


@pytest.mark.parametrize("option, value, accepted", [("--time-limit", str(MAX_TIME_LIMIT), True),
                                                     ("--time-limit", str(MAX_TIME_LIMIT + 1), False)])
def test_the_checks_take_the_limits_in_the_one_range(option, value, accepted):
    """``pytest tests/grading`` (which ``ae.grade`` runs with its own limits) takes what the batch takes."""
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/grading", "--collect-only", "-q", "-p",
                           "no:cacheprovider", "-o", "addopts=", option, value], cwd=course_root(),
                          capture_output=True, text=True, timeout=300)
    assert (done.returncode == 0) is accepted, done.stdout[-2000:] + done.stderr[-2000:]
    if not accepted:
        assert limits_error(float(value)) in done.stdout + done.stderr


def test_the_autograder_takes_the_limits_in_the_one_range(tmp_path):
    done = subprocess.run([sys.executable, "-m", "grader.gradescope", "--root", str(tmp_path), "--time-limit",
                           str(MAX_TIME_LIMIT + 1)], cwd=course_root(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and limits_error(MAX_TIME_LIMIT + 1) in done.stderr
    assert not (tmp_path / "results").exists()


def test_the_grading_process_never_imports_torch():
    """What runs outside the sandbox (the plugin, the checks of every exercise, the probes' definitions, the
    batch and Gradescope commands, the reference records' cache) holds no torch: it needs little memory beside
    the sandbox's process (Gradescope's default container has 768 MB for both)."""
    code = """import importlib, json, sys
import grader.batch, grader.gradescope, grader.plugin, grader.reference
from grader import wire
from grader.registry import check_files, exercise, names
for name in names():
    exercise(name).probes(1)
    for path in check_files(name):
        importlib.import_module(f"grader.exercises.{name}.{path.stem}")
wire.decode({"tensor": [0.5, 1.0], "shape": [2], "dtype": "bfloat16"})
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "torch")))"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
