"""Running the probes of one exercise on a submission, in a process the operating system isolates.

The isolation (``bwrap``, the default) is bubblewrap: the process sees a read-only view of the system, of Python
and of the ``ae`` and ``grader`` packages, the exercise data and a copy of the submission; nothing else of the
course (no solutions, reference records, caches, other submissions or grader files), a private scratch folder
in memory, no network, and its own PID namespace, so every process it starts dies with it. ``user`` (for
containers without user namespaces, such as Gradescope's) runs it as an unprivileged user instead, and file
modes hide what it must not read; ``none`` runs it as it is, for a student's own code on their own machine.

The grader asks for one probe at a time with a fresh nonce and accepts exactly one record in answer, of a fixed
shape and size, carrying that nonce: whatever else comes out of the sandbox is refused, and the values in the
records are plain data (:mod:`grader.wire`) that the checks judge outside.
"""
from __future__ import annotations

import ctypes
import functools
import json
import math
import os
import pwd
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ae
from ae.paths import data_dir

import grader

from . import limits
from .registry import exercise as find_exercise
from .wire import Refused, decode

ISOLATIONS = ("bwrap", "user", "none")
DEFAULT_TIME_LIMIT = 120.0  # seconds of wall-clock time per exercise, once the process is set up
DEFAULT_MEMORY_MB = 2000  # address space a submission may map beyond what torch and the data already map
MAX_TIME_LIMIT = 86400.0  # the time limit is above 0 and at most this (a day), wherever it is given
MAX_MEMORY_MB = 2**20  # the memory limit is above 0 and at most this (1 TiB), wherever it is given
SETUP_LIMIT = 120.0  # seconds to start the process, import torch and load the data, before the time limit
SCRATCH_BYTES = 256 * 2**20  # the sandbox's writable /tmp
MAX_RECORD_BYTES = 8 * 2**20  # one record: a value of wire.MAX_ITEMS numbers fits several times
MAX_SUBMISSION_BYTES = 16 * 2**20
OUTPUT_CHARS = 10_000  # of what the submission printed, the end kept for the instructor's log
SANDBOX_USER = os.environ.get("GRADER_SANDBOX_USER", "nobody")  # the unprivileged user of ``user`` isolation
NOT_IMPLEMENTED = "NotImplementedError"
ERROR_FIELDS = {"type": 100, "message": 1000, "where": 200}  # an error record's fields and their longest text


class ProbeFailed(Exception):
    """A call of the submission gave no usable result; the message says why, in a student's words."""


@dataclass
class ExerciseRun:
    """The records of one exercise of one submission, and why the run stopped early (``failure``), if it did."""

    exercise: str
    records: dict = field(default_factory=dict)  # probe name -> {"call", "value" (wire data) or "error"}
    failure: dict | None = None  # {"kind", "message"}: missing, copy, setup, import, time, refused, ended
    seconds: float = 0.0
    memory_mb: int = DEFAULT_MEMORY_MB
    output: str = ""  # the end of what the submission's process printed (its last OUTPUT_CHARS characters)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "ExerciseRun":
        return cls(**json.loads(text))

    def error(self, probe: str) -> dict | None:
        """The error a call raised (``{"type", "message", "where"}``), None if it returned; ProbeFailed if it
        never ran."""
        if probe not in self.records:
            reason = self.failure["message"] if self.failure else "a grader error: tell your instructor"
            raise ProbeFailed(f"not run: {reason}")
        return self.records[probe].get("error")

    def value(self, probe: str):
        """What a call returned; ProbeFailed, with a message for the student, if it raised or never ran."""
        error = self.error(probe)
        if error is None:
            return decode(self.records[probe]["value"])
        call = self.records[probe]["call"]
        where = f" ({error['where']})" if error["where"] else ""
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


def limits_error(time_limit, memory_mb=None) -> str | None:
    """Why a time limit (seconds) or a memory limit (MB; None: the default) is out of range, None if both are in:
    the one range of both, whichever command takes them (``--time-limit`` and ``--memory-limit``)."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or \
            not (math.isfinite(time_limit) and 0 < time_limit <= MAX_TIME_LIMIT):
        return f"--time-limit must be a number of seconds above 0 and at most {MAX_TIME_LIMIT:g}, not {time_limit!r}"
    if memory_mb is not None and (isinstance(memory_mb, bool) or not isinstance(memory_mb, int)
                                  or not 0 < memory_mb <= MAX_MEMORY_MB):
        return f"--memory-limit must be a whole number of MB above 0 and at most {MAX_MEMORY_MB}, not {memory_mb!r}"
    return None


def is_memory_error(error: dict) -> bool:
    """Whether an error recorded in the sandbox says that memory ran out."""
    return error["type"] == "MemoryError" or "allocate memory" in error["message"]


@functools.cache
def bwrap_works() -> bool:
    """Whether bubblewrap is installed and can make a sandbox here (user namespaces allowed)."""
    if shutil.which("bwrap") is None:
        return False
    try:
        done = subprocess.run(["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/",
                               "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def missing_isolation_message() -> str:
    """One line: why submissions cannot be isolated here, and what to do about it."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian: apt-get install bubblewrap; macOS/Windows: grade in Linux)"
    return "bubblewrap cannot create a sandbox here (are user namespaces disabled, as in some containers?)"


def copy_submission(folder: Path, destination: Path) -> None:
    """Copy the Python files of ``folder``, links left out, refusing more than ``MAX_SUBMISSION_BYTES``."""
    destination.mkdir()
    size = 0
    for path in sorted(folder.glob("*.py")):
        if path.is_symlink() or not path.is_file():
            continue
        size += path.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise ValueError(f"the submission holds more than {MAX_SUBMISSION_BYTES} bytes of Python files")
        shutil.copyfile(path, destination / path.name)


def _packages(work: Path) -> Path:
    """A folder holding links to the ``ae`` and ``grader`` packages, and nothing else of the course."""
    course = work / "course"
    course.mkdir()
    for package in (ae, grader):
        (course / package.__name__).symlink_to(Path(package.__file__).resolve().parent)
    return course


def _environment(home: str, data: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "MPLCONFIGDIR": home, "MPLBACKEND": "Agg",
            "AE_DATA_DIR": data, "AE_CACHE_DIR": f"{home}/cache", "AE_DEVICE": "cpu", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"}


def _bootstrap(course: str) -> list[str]:
    """The sandbox's Python command. Before it loads torch, it asks the kernel to kill it first when memory runs
    out (``oom_score_adj`` 1000, inherited by what it starts), so that a container or cgroup out of memory (on
    Gradescope: the whole container) loses the submission's process, not the grader that reports the points."""
    code = (f"import sys\ntry:\n    open('/proc/self/oom_score_adj', 'w').write('1000')\nexcept OSError:\n    pass\n"
            f"sys.path.insert(0, {course!r})\nfrom grader.child import main\nmain()")
    return [sys.executable, "-I", "-u", "-c", code]  # -u: what it prints is in output.txt even when it is killed


def python_folders() -> list[str]:
    """The folders of this Python that the sandbox shows at their own paths (read-only): its environment, its
    installation and the folder of its executable, less those under ``/usr`` (shown whole). Any of them may lie
    under ``/tmp`` (a course checked out there): they are bound over the sandbox's own ``/tmp``."""
    found = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(folder for folder in found if folder != "/usr" and not folder.startswith("/usr/"))


def _bwrap_command(submission: Path) -> tuple[list[str], str]:
    """The bubblewrap command line, and the submission's folder as the sandbox sees it."""
    # The scratch /tmp comes first: Python's folders are bound after it, so that a Python (a course's venv) that
    # lives under the host's /tmp is seen at its own path, and nothing else of the host's /tmp is.
    command = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
               "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--size", str(SCRATCH_BYTES),
               "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"):
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    for folder in python_folders():
        command += ["--ro-bind", folder, folder]
    raw = data_dir() / "MNIST" / "raw"
    for package in (ae, grader):
        command += ["--ro-bind", str(Path(package.__file__).resolve().parent), f"/course/{package.__name__}"]
    command += ["--ro-bind", str(raw), "/data/MNIST/raw", "--ro-bind", str(submission), "/submission",
                "--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--clearenv"]
    for name, value in _environment("/tmp", "/data").items():
        command += ["--setenv", name, value]
    return [*command, "--", *_bootstrap("/course")], "/submission"


def _die_with_grader() -> None:
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill_user(uid: int) -> None:
    """Kill every process of ``uid`` (``user`` isolation: what the submission started, wherever it went)."""
    for _ in range(3):
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                uids = next(line for line in status.read_text().splitlines() if line.startswith("Uid:"))
                if int(uids.split()[1]) == uid:
                    os.kill(int(status.parent.name), signal.SIGKILL)
            except (OSError, StopIteration, ValueError):
                continue


class _Reader:
    """Lines from the channel, each within a size limit and a deadline."""

    def __init__(self, fd: int):
        self.fd, self.buffer = fd, bytearray()

    def line(self, deadline: float) -> bytes | str:
        """The next line, or "time", "size" or "closed"."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_RECORD_BYTES:
                return "size"
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                return "time"
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                return "closed"
            self.buffer += chunk
        line, _, rest = bytes(self.buffer).partition(b"\n")
        self.buffer = bytearray(rest)
        return line if len(line) <= MAX_RECORD_BYTES else "size"


def parse_record(line: bytes, nonce: str, probe: str) -> dict:
    """The record in ``line`` if it is exactly the answer to request (``nonce``, ``probe``); Refused otherwise."""
    try:
        message = json.loads(line)
    except (ValueError, RecursionError):
        raise Refused("it is not a JSON record") from None
    if not isinstance(message, dict) or set(message) not in ({"nonce", "probe", "value"}, {"nonce", "probe", "error"}):
        raise Refused("it is not a record of the grader's shape")
    if message["nonce"] != nonce or message["probe"] != probe:
        raise Refused("it answers another request (a record that the grader did not ask for)")
    if "value" in message:
        decode(message["value"])
        return {"value": message["value"]}
    error = message["error"]
    if not (isinstance(error, dict) and set(error) == set(ERROR_FIELDS) and
            all(isinstance(error[k], str) and len(error[k]) <= n for k, n in ERROR_FIELDS.items())):
        raise Refused("its error is not of the grader's shape")
    return {"error": error}


def _ended(process: subprocess.Popen, during: str, memory_before=None) -> str:
    """Why the sandbox's process ended during a call, in a student's words. ``memory_before``: the memory limit of
    the submission's cgroup and its kills when the run started (``limits.memory_here``), where it has one."""
    try:
        code = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        code = None
    memory_now = limits.memory_here() if memory_before is not None else None
    if code in (-signal.SIGKILL, 128 + signal.SIGKILL) and memory_now is not None and \
            memory_now[1] > memory_before[1]:
        return (f"{during} ran out of memory: the submission's processes together took more than the "
                f"{memory_now[0]} MB a submission may take in all, and the system stopped them")
    status = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit status {code}"
    return (f"the process ended during {during} ({status}: does the code call exit(), sys.exit() or os._exit(), "
            "or close the grader's channel?)")


def run_exercise(folder, exercise: str, seed: int = 0, time_limit: float = DEFAULT_TIME_LIMIT,
                 memory_mb: int = DEFAULT_MEMORY_MB, isolation: str = "bwrap") -> ExerciseRun:
    """The records of the probes of ``exercise`` run on the submission in ``folder``, in an isolated process."""
    if isolation not in ISOLATIONS:
        raise ValueError(f"isolation must be one of {', '.join(ISOLATIONS)}, not {isolation!r}")
    if (error := limits_error(time_limit, memory_mb)) is not None:
        raise ValueError(error)
    start = time.monotonic()
    run = ExerciseRun(exercise, memory_mb=memory_mb)
    source = Path(folder) / f"{exercise}.py"
    if not source.is_file() or source.is_symlink():
        why = ("is missing from the submission (it is a link: submit the file itself)" if source.is_symlink() else
               "is not a plain file (a pipe or a device): submit the file itself" if source.exists() else
               "is missing from the submission")
        run.failure = {"kind": "missing", "message": f"{exercise}.py {why}"}
        return run
    with tempfile.TemporaryDirectory(prefix="grader-") as work:
        work = Path(work)
        try:
            copy_submission(Path(folder), work / "submission")
        except (OSError, ValueError) as error:
            run.failure = {"kind": "copy", "message": f"the submission could not be copied: {error}"}
            return run
        _run(run, work, seed, time_limit, memory_mb, isolation)
    run.seconds = time.monotonic() - start
    return run


def _run(run: ExerciseRun, work: Path, seed: int, time_limit: float, memory_mb: int, isolation: str) -> None:
    probes = find_exercise(run.exercise).probes(seed)
    memory_before = limits.memory_here()  # in a batch's cgroup: its limit, and the kernel's kills so far
    read_fd, write_fd = os.pipe()
    options = {"stdin": subprocess.PIPE, "pass_fds": (write_fd,), "start_new_session": True}
    uid = None
    if isolation == "bwrap":
        command, submission = _bwrap_command(work / "submission")
    else:
        scratch = work / "scratch"
        scratch.mkdir()
        course, submission = _packages(work), str(work / "submission")
        command = _bootstrap(str(course))
        options |= {"env": _environment(str(scratch), str(data_dir())), "cwd": scratch,
                    "preexec_fn": _die_with_grader}
        if isolation == "user":
            user = pwd.getpwnam(SANDBOX_USER)
            uid = user.pw_uid
            os.chown(scratch, user.pw_uid, user.pw_gid)
            for path in (work, work / "submission", *(work / "submission").iterdir()):
                path.chmod(0o755 if path.is_dir() else 0o644)
            options |= {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    config = {"fd": write_fd, "folder": submission, "exercise": run.exercise, "seed": seed, "memory_mb": memory_mb}
    try:
        with open(work / "output.txt", "wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, **options)
    except OSError as error:
        os.close(read_fd)
        os.close(write_fd)
        run.failure = {"kind": "setup", "message": f"the grader could not start the sandbox ({error}; a grader "
                                                   "error: tell your instructor)"}
        return
    os.close(write_fd)
    reader = _Reader(read_fd)
    try:
        _converse(run, process, reader, probes, config, time_limit, memory_before)
    finally:
        os.close(read_fd)
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.kill()
        process.wait()
        if uid is not None:
            _kill_user(uid)
        run.output = printed(work / "output.txt")


def printed(path: Path) -> str:
    """The end of the text in ``path`` (what the sandbox's process wrote to stdout and stderr)."""
    with open(path, "rb") as output:
        output.seek(max(0, output.seek(0, os.SEEK_END) - 4 * OUTPUT_CHARS))
        text = output.read().decode(errors="replace")
    return text[-OUTPUT_CHARS:]


def _converse(run: ExerciseRun, process, reader: _Reader, probes, config: dict, time_limit: float,
              memory_before=None) -> None:
    try:
        process.stdin.write((json.dumps(config) + "\n").encode())
        process.stdin.flush()
    except BrokenPipeError:
        pass
    ready = reader.line(time.monotonic() + SETUP_LIMIT)
    if ready != b'{"ready": true}':
        run.failure = {"kind": "setup", "message": "the grader could not set up the sandbox (a grader error: tell "
                                                   "your instructor)"}
        return
    deadline = time.monotonic() + time_limit
    calls = [("import", f"import {run.exercise}", None), *((p.name, p.call, p.needs) for p in probes)]
    for name, call, needs in calls:
        if needs is not None and "value" not in run.records.get(needs, {}):
            run.records[name] = {"call": call, "error": {"type": "NotRun", "message": f"not run because "
                                                         f"{run.records[needs]['call']} failed", "where": ""}}
            continue
        nonce = secrets.token_hex(16)
        try:
            process.stdin.write((json.dumps({"probe": name, "nonce": nonce}) + "\n").encode())
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        line = reader.line(deadline)
        if line == "time":
            run.failure = {"kind": "time", "message": f"{call} did not finish: it ran past the time limit of "
                                                      f"{time_limit:g} s"}
            return
        if line == "size":
            run.failure = {"kind": "refused", "message": f"the grader refused what came back for {call}: it sent "
                                                         f"more than {MAX_RECORD_BYTES} bytes"}
            return
        if line == "closed":
            run.failure = {"kind": "ended", "message": _ended(process, call, memory_before)}
            return
        try:
            record = parse_record(line, nonce, name)
        except Refused as refused:
            run.failure = {"kind": "refused", "message": f"the grader refused what came back for {call}: {refused}"}
            return
        if name == "import":
            if "error" in record:
                error = record["error"]
                where = f" ({error['where']})" if error["where"] else ""
                run.failure = {"kind": "import", "message": f"importing {run.exercise}.py failed: {error['type']}: "
                                                            f"{error['message']}{where}"}
                return
            continue
        run.records[name] = {"call": call, **record}
