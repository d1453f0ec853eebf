"""Running the probes of one exercise on a submission, in its own process, under a time and a memory limit.

The grader reads the records the process sends on its pipe and nothing else: whatever the submission
prints goes to a file that is thrown away. A process that raises, hangs, runs out of memory or exits
early leaves the records it sent before, and an :class:`ExerciseRun` that says what went wrong.
"""
from __future__ import annotations

import json
import math
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..cache import cache_dir
from ..data import REPO_ROOT, data_dir
from .wire import decode

DEFAULT_TIME_LIMIT = 120.0  # seconds of wall-clock time per exercise
DEFAULT_MEMORY_MB = 2000  # address space a submission may map beyond what torch and the data already map
SETUP_LIMIT = 300.0  # seconds to start the process, import torch and load the data, before the time limit
MAX_CHANNEL_BYTES = 64 * 2**20
MAX_SUBMISSION_BYTES = 16 * 2**20
NOT_IMPLEMENTED = "NotImplementedError"
IMPORT_STARTED = b'{"start": "import"'


class ProbeFailed(Exception):
    """A call of the submission gave no usable result; the message says why, in a student's words."""


@dataclass
class ExerciseRun:
    """The records of one exercise of one submission, and why the run stopped early (``failure``), if it did."""

    exercise: str
    records: dict = field(default_factory=dict)  # probe name -> {"call", "value" (wire-encoded) or "error"}
    failure: dict | None = None  # {"kind", "message"}: missing, copy, import, tamper, time, exit, crash, output, grader
    started: dict | None = None  # the last call that started: {"start": probe name, "call": text}
    seconds: float = 0.0
    memory_mb: int = DEFAULT_MEMORY_MB

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ExerciseRun":
        return cls(**json.loads(text))

    def _missing(self, probe: str) -> str:
        if self.failure is None:
            return f"{probe} was not recorded (a grader error: tell your instructor)"
        started = self.started or {}
        if started.get("start") == probe:
            return f"{started['call']} did not finish: {self.failure['message']}"
        stopped_in_a_call = started.get("call") and started["start"] != "import"
        during = f" (it stopped during {started['call']})" if stopped_in_a_call else ""
        return f"not run: {self.failure['message']}{during}"

    def error(self, probe: str) -> dict | None:
        """The error a call raised (``{"type", "message"}``), None if it returned; ProbeFailed if it never ran."""
        if probe not in self.records:
            raise ProbeFailed(self._missing(probe))
        return self.records[probe].get("error")

    def value(self, probe: str):
        """What a call returned; ProbeFailed, with a message for the student, if it raised or never ran."""
        error = self.error(probe)
        if error is None:
            return decode(self.records[probe]["value"])
        call = self.records[probe]["call"]
        where = f" ({error['where']})" if error.get("where") else ""
        if error["type"] == "NotRun":
            raise ProbeFailed(f"{call} was {error['message']}")
        if is_memory_error(error):
            raise ProbeFailed(f"{call} ran out of memory (a submission may take {self.memory_mb} MB){where}")
        hint = " (it is not written yet)" if error["type"] == NOT_IMPLEMENTED else ""
        message = f": {error['message']}" if error["message"] else ""
        raise ProbeFailed(f"{call} raised {error['type']}{hint}{message}{where}")

    def reason(self) -> str | None:
        """Why the exercise lost points wholesale: how the run failed, a call out of memory, "not implemented"."""
        if self.failure is not None:
            return self.failure["message"]
        errors = {probe: r["error"] for probe, r in self.records.items() if "error" in r}
        for probe, error in errors.items():
            if is_memory_error(error):
                return f"{self.records[probe]['call']} ran out of memory (a submission may take {self.memory_mb} MB)"
        kinds = {error["type"] for error in errors.values()}
        return "not implemented" if NOT_IMPLEMENTED in kinds and kinds <= {NOT_IMPLEMENTED, "NotRun"} else None


def is_memory_error(error: dict) -> bool:
    """Whether an error recorded in the sandbox says that memory ran out."""
    return error["type"] == "MemoryError" or "allocate memory" in error["message"]


def hidden_paths() -> list[str]:
    """What a submission may not read: the solutions, the checks and the cached reference records."""
    return [str(REPO_ROOT / "solutions"), str(REPO_ROOT / "tests"), str(cache_dir() / "grading")]


def protected_paths() -> list[str]:
    """Where a submission may not write: the course, the Python installation, the data and the cache."""
    return [str(REPO_ROOT), sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"], str(data_dir()),
            str(cache_dir())]


def copy_submission(folder: Path, destination: Path) -> None:
    """Copy the Python files of ``folder`` (links stay links, so they cannot smuggle in other files)."""

    def ignore(directory, names):
        return [n for n in names if n.startswith(".") or n == "__pycache__"
                or (not n.endswith(".py") and not (Path(directory) / n).is_dir())]

    shutil.copytree(folder, destination, symlinks=True, ignore=ignore)
    size = sum(p.lstat().st_size for p in destination.rglob("*"))
    if size > MAX_SUBMISSION_BYTES:
        raise ValueError(f"{folder} holds {size} bytes of Python files, more than the {MAX_SUBMISSION_BYTES} allowed")


def child_environment(work: Path) -> dict:
    """A small, fixed environment: one thread, the CPU, the data folder; home and temporary files in ``work``."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(work), "TMPDIR": str(work),
            "MPLCONFIGDIR": str(work), "MPLBACKEND": "Agg", "AE_DATA_DIR": str(data_dir()), "AE_DEVICE": "cpu",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"}


def read_channel(fd: int, time_limit: float) -> tuple[bytes, str | None]:
    """Everything sent on the pipe until it closes; with "time" or "output" when the time or size ran out.

    The clock starts when the process starts importing the submission: setting up (torch, the data) does
    not count against ``time_limit``, only against ``SETUP_LIMIT``.
    """
    received = bytearray()
    deadline, timing = time.monotonic() + SETUP_LIMIT, False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(received), "time"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return bytes(received), None
            received += chunk
            if not timing and len(received) >= len(IMPORT_STARTED):
                timing = True
                if received.startswith(IMPORT_STARTED):
                    deadline = time.monotonic() + time_limit
            if len(received) > MAX_CHANNEL_BYTES:
                return bytes(received), "output"


def end_of_run(stopped: str | None, returncode: int, time_limit: float) -> dict:
    """Why a process that sent no ``done`` stopped, from how the wait ended and its exit status."""
    if stopped == "time" or returncode == -signal.SIGXCPU:
        return {"kind": "time", "message": f"it ran past the time limit of {time_limit:g} s"}
    if stopped == "output":
        return {"kind": "output", "message": "it sent more than the grader reads"}
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return {"kind": "crash", "message": f"the process was killed by {name} (out of memory, or a crash)"}
    return {"kind": "exit", "message": f"the process exited with status {returncode} before finishing "
                                       "(does the code call exit(), sys.exit() or os._exit()?)"}


def run_exercise(folder, exercise: str, time_limit: float = DEFAULT_TIME_LIMIT,
                 memory_mb: int = DEFAULT_MEMORY_MB) -> ExerciseRun:
    """The records of the probes of ``exercise`` run on the submission in ``folder``, in a sandboxed process."""
    start = time.monotonic()
    run = ExerciseRun(exercise, memory_mb=memory_mb)
    if not (Path(folder) / f"{exercise}.py").exists():
        run.failure = {"kind": "missing", "message": f"{exercise}.py is missing from the submission"}
        return run
    with tempfile.TemporaryDirectory(prefix="ae-grading-") as work:
        work = Path(work)
        try:
            copy_submission(Path(folder), work / "submission")
        except (OSError, ValueError) as error:
            run.failure = {"kind": "copy", "message": f"the submission could not be copied: {error}"}
            return run
        read_fd, write_fd = os.pipe()
        config = {"exercise": exercise, "folder": str(work / "submission"), "fd": write_fd, "memory_mb": memory_mb,
                  "cpu_seconds": math.ceil(time_limit + SETUP_LIMIT), "hidden": hidden_paths(),
                  "protected": protected_paths()}
        with open(work / "output.txt", "wb") as output:
            process = subprocess.Popen([sys.executable, "-I", "-m", "ae.grading.child"], stdin=subprocess.PIPE,
                                       stdout=output, stderr=subprocess.STDOUT, cwd=work, env=child_environment(work),
                                       pass_fds=(write_fd,), start_new_session=True)
        os.close(write_fd)
        try:
            process.stdin.write(json.dumps(config).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass
        received, stopped = read_channel(read_fd, time_limit)
        os.close(read_fd)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        returncode = process.wait()
    done = False
    for line in received.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        if "probe" in message:
            run.records.setdefault(message["probe"], message)
        elif "start" in message:
            run.started = message
        elif "failure" in message and run.failure is None:
            run.failure = {"kind": message["failure"], "message": message.get("message", "")}
        elif message.get("done"):
            done = True
    if run.failure is None and not done:
        run.failure = end_of_run(stopped, returncode, time_limit)
    run.seconds = time.monotonic() - start
    return run
