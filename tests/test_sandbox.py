"""The grader's sandbox and wire, on small modules (no solutions needed: these stay in the students' copy)."""
import json
import math

import pytest
import torch

from ae.paths import course_root
from grader import wire
from grader.sandbox import ProbeFailed, bwrap_works, parse_record, run_exercise

needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap cannot make a sandbox here")


def test_wire_carries_values_as_they_left():
    value = {8: (0.5, float("nan")), "codes": torch.arange(6.0).reshape(2, 3), "name": [None, True, "relu"]}
    back = wire.decode(json.loads(json.dumps(wire.encode(value))))
    assert set(back) == {8, "codes", "name"} and back["name"] == [None, True, "relu"]
    assert back[8][0] == 0.5 and math.isnan(back[8][1]) and isinstance(back[8], tuple)
    assert torch.equal(back["codes"], value["codes"]) and back["codes"].dtype == torch.float32
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
