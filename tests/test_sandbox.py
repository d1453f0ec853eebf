"""The grader's sandbox and wire, on small hostile modules (no solutions needed: these stay in the students' copy)."""
import math
import os
import sys

import pytest
import torch

from ae.data import REPO_ROOT
from ae.grading import wire
from ae.grading.child import Guard
from ae.grading.sandbox import ProbeFailed, run_exercise


def test_wire_carries_values_as_they_left():
    value = {8: (0.5, float("nan")), "codes": torch.arange(6.0).reshape(2, 3), "name": [None, True, "relu"]}
    back = wire.decode(wire.encode(value))
    assert set(back) == {8, "codes", "name"} and back["name"] == [None, True, "relu"]
    assert back[8][0] == 0.5 and math.isnan(back[8][1]) and isinstance(back[8], tuple)
    assert torch.equal(back["codes"], value["codes"]) and back["codes"].dtype == torch.float32
    assert wire.decode(wire.encode(object())) == wire.Unknown("object")


def test_wire_refuses_huge_values():
    with pytest.raises(ValueError, match="more than"):
        wire.encode(torch.zeros(wire.MAX_ITEMS + 1))


@pytest.fixture
def guard():
    return Guard(hidden=[REPO_ROOT / "solutions"], protected=[REPO_ROOT, sys.prefix])


@pytest.mark.parametrize("event, args, refused", [
    ("open", (str(REPO_ROOT / "solutions" / "latent_size.py"), "r", os.O_RDONLY), "read"),
    ("open", (str(REPO_ROOT / "ae" / "model.py"), "w", os.O_WRONLY), "write"),
    ("os.remove", (str(REPO_ROOT / "ae" / "model.py"), None), "change"),
    ("subprocess.Popen", ("ls", ["ls"], None, None), "starting processes"),
    ("os.kill", (1, 9), "signal"),
    ("resource.setrlimit", (9, (-1, -1)), "limits"),
    ("ctypes.dlopen", ("libc.so.6",), "ctypes"),
])
def test_guard_refuses_what_a_submission_must_not_do(guard, event, args, refused):
    with pytest.raises(PermissionError, match=refused):
        guard(event, args)


def test_guard_lets_a_submission_read_the_course_and_write_elsewhere(guard, tmp_path):
    guard("open", (str(REPO_ROOT / "ae" / "model.py"), "r", os.O_RDONLY))
    guard("open", (str(tmp_path / "notes.txt"), "w", os.O_WRONLY | os.O_CREAT))
    guard("os.kill", (os.getpid(), 0))


def write(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


def test_a_missing_exercise_is_reported_without_starting_a_process(tmp_path):
    run = run_exercise(tmp_path, "latent_size")
    assert run.failure["kind"] == "missing" and run.seconds < 1
    with pytest.raises(ProbeFailed, match="latent_size.py is missing"):
        run.value("build")


def test_a_hanging_import_is_stopped_at_the_time_limit(tmp_path):
    folder = write(tmp_path / "s", "activation.py", "import time\ntime.sleep(1000)\n")
    run = run_exercise(folder, "activation", time_limit=3)
    assert run.failure == {"kind": "time", "message": "it ran past the time limit of 3 s"}
    assert run.seconds < 60


def test_a_link_to_hidden_files_cannot_smuggle_them_in(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "denoising.py").symlink_to(REPO_ROOT / "tests" / "grading" / "gradelib.py")
    run = run_exercise(folder, "denoising")
    assert run.failure["kind"] == "import" and "does not let submissions read" in run.failure["message"]


def test_exit_at_import_is_one_reason_and_print_is_ignored(tmp_path):
    folder = write(tmp_path / "s", "latent_size.py", 'print(\'{"done": true}\')\nraise SystemExit(3)\n')
    run = run_exercise(folder, "latent_size")
    assert run.failure == {"kind": "import", "message": "importing latent_size.py failed: SystemExit: exit(3) was "
                                                        "called (latent_size.py, line 2)"}
    assert run.records == {}
