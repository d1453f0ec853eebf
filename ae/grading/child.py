"""The sandboxed process: import one exercise of a submission, run its probes, send back what they return.

Started by :func:`ae.grading.sandbox.run_exercise` as ``python -I -m ae.grading.child`` with its settings
as JSON on stdin. Before any submission code runs it loads the data, limits its own memory and CPU time,
remembers every function of ``torch``, ``ae`` and the random modules, and installs an audit hook
(which cannot be removed) that refuses to read the solutions, the tests or the cached reference results,
to write into the course or the Python installation, to start processes, to signal other processes,
to raise its limits and to use ``ctypes``. Records go out on a pipe as JSON lines; the process's stdout
and stderr, where the submission prints, are never read for grading.
"""
from __future__ import annotations

import ctypes
import importlib
import importlib.util
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path

import torch
from torch import nn

from ..data import TensorLoader
from ..hparams import HParams
from ..model import ACTIVATIONS, Net
from ..train import reset, set_seed
from .probes import PROBES, Inputs
from .wire import encode

WATCHED_MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim", "torch.random",
                   "random", "numpy.random", "ae", "ae.data", "ae.model", "ae.train", "ae.hparams")
WATCHED_CLASSES = (torch.Tensor, torch.Generator, nn.Module, nn.Linear, nn.Sequential, nn.MSELoss,
                   torch.optim.Optimizer, torch.optim.Adam, Net, TensorLoader, HParams, *ACTIVATIONS.values())
REFUSED_EVENTS = {
    "subprocess.Popen": "starting processes", "os.system": "starting processes", "os.exec": "starting processes",
    "os.posix_spawn": "starting processes", "os.spawn": "starting processes", "os.fork": "starting processes",
    "os.forkpty": "starting processes", "os.killpg": "signalling processes", "signal.pthread_kill": "signals",
    "resource.setrlimit": "changing its limits", "sys.setprofile": "profilers", "sys.settrace": "tracers",
}
PATH_EVENTS = ("os.remove", "os.rename", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
               "os.link", "os.symlink", "shutil.rmtree", "shutil.copyfile", "shutil.copytree", "shutil.move")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class Channel:
    """The pipe to the grader: one JSON object per line."""

    def __init__(self, fd: int):
        self.fd = fd

    def send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(self.fd, data):]


class Guard:
    """The audit hook: refuses what a submission must not do, with a message that says what was refused."""

    def __init__(self, hidden, protected):
        self.hidden = [os.path.realpath(p) for p in hidden]
        self.protected = [os.path.realpath(p) for p in protected]
        self.pid = os.getpid()

    @staticmethod
    def _under(path, roots) -> bool:
        path = os.path.realpath(os.fsdecode(path))
        return any(path == root or path.startswith(root + os.sep) for root in roots)

    def __call__(self, event: str, args) -> None:
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            if self._under(path, self.hidden):
                raise PermissionError(f"the grader does not let submissions read {os.fsdecode(path)}")
            writing = any(c in (mode or "") for c in "wax+") or (flags or 0) & WRITE_FLAGS
            if writing and self._under(path, self.protected):
                raise PermissionError(f"the grader does not let submissions write {os.fsdecode(path)}")
        elif event in PATH_EVENTS:
            for path in args:
                if isinstance(path, (str, bytes, os.PathLike)) and self._under(path, self.protected + self.hidden):
                    raise PermissionError(f"the grader does not let submissions change {os.fsdecode(path)}")
        elif event == "os.kill" and args[0] != self.pid:
            raise PermissionError("the grader does not let submissions signal other processes")
        elif event == "resource.prlimit" and args[2] is not None:
            raise PermissionError("the grader does not let submissions change their limits")
        elif event in REFUSED_EVENTS or event.startswith("ctypes."):
            raise PermissionError(f"the grader does not let submissions use {REFUSED_EVENTS.get(event, 'ctypes')}")


class Snapshot:
    """Every attribute of the watched modules and classes, to tell whether a submission replaced one."""

    def __init__(self):
        self.owners = {name: importlib.import_module(name) for name in WATCHED_MODULES}
        self.owners |= {f"{c.__module__}.{c.__qualname__}": c for c in WATCHED_CLASSES}
        self.saved = {label: dict(vars(owner)) for label, owner in self.owners.items()}

    def changes(self) -> list[str]:
        """The names that no longer hold what they held when the snapshot was taken."""
        changed = []
        for label, owner in self.owners.items():
            now = vars(owner)
            is_module = label in WATCHED_MODULES
            for attr, value in self.saved[label].items():
                if is_module and attr.startswith("__"):
                    continue
                if now.get(attr, self) is not value:
                    changed.append(f"{label}.{attr}")
        return changed


class Failed:
    """What ``record`` returns for a call that raised: later calls that need its result are not run."""

    def __init__(self, call: str):
        self.call = call


def describe_error(error: BaseException, folder: Path) -> dict:
    """The type and message of an error, and where in the submission it was raised (file and line)."""
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename).parent == folder:
        where = f"{Path(error.filename).name}, line {error.lineno}"
        return {"type": "SyntaxError", "message": str(error.msg), "where": where}
    try:
        message = str(error) if not isinstance(error, SystemExit) else f"exit({error.code!r}) was called"
    except Exception:  # noqa: BLE001 - an error whose message cannot be read is still reported
        message = "(its message could not be read)"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).parent == folder]
    where = f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}" if frames else ""
    return {"type": type(error).__name__, "message": message[:300], "where": where}


def reset_state() -> None:
    """The global state every call starts from: the same seeds, one thread, gradients on, float32."""
    set_seed(0)
    torch.set_num_threads(1)
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)


def warm_up(inputs: Inputs) -> None:
    """One training step, so that what torch sets up lazily (Adam wraps its ``step``) is set before the snapshot."""
    model, criterion, optimizer = reset(HParams(latent_size=2, hidden=(4,)))
    loss = criterion(model(inputs.images()), inputs.images())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def limit_memory(megabytes: int) -> None:
    """Let the process map at most ``megabytes`` more than it maps now (torch and the data are loaded)."""
    with open("/proc/self/status") as status:
        mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = mapped + megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run(config: dict, channel: Channel) -> None:
    folder = Path(config["folder"])
    exercise = config["exercise"]
    inputs = Inputs()
    warm_up(inputs)
    snapshot = Snapshot()
    limit_memory(config["memory_mb"])
    sys.path.insert(0, str(folder))
    sys.addaudithook(Guard(config["hidden"], config["protected"]))

    def stop(kind: str, message: str):
        channel.send({"failure": kind, "message": message})
        os._exit(0)

    def check_untouched():
        changed = snapshot.changes()
        if changed:
            names = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            stop("tamper", f"{exercise}.py replaced {names}: the grader needs torch, ae and random untouched")

    path = folder / f"{exercise}.py"
    reset_state()
    channel.send({"start": "import", "call": f"import {exercise}"})
    try:
        spec = importlib.util.spec_from_file_location(exercise, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[exercise] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # noqa: BLE001 - whatever the submission raises is reported
        error = describe_error(error, folder)
        where = f" ({error['where']})" if error["where"] else ""
        stop("import", f"importing {exercise}.py failed: {error['type']}: {error['message']}{where}")
    check_untouched()

    def record(name: str, call: str, thunk, show=None, needs=None):
        if isinstance(needs, Failed):
            channel.send({"probe": name, "call": call,
                          "error": {"type": "NotRun", "message": f"not run because {needs.call} failed", "where": ""}})
            return Failed(call)
        channel.send({"start": name, "call": call})
        reset_state()
        try:
            value = thunk()
            shown = show(value) if show else value
        except BaseException as error:  # noqa: BLE001 - whatever the submission raises is reported
            value = Failed(call)
            message = {"probe": name, "call": call, "error": describe_error(error, folder)}
        else:
            try:
                message = {"probe": name, "call": call, "value": encode(shown)}
            except ValueError as error:
                value = Failed(call)
                error = {"type": "UnreadableResult", "message": f"it returned too much for the grader: {error}",
                         "where": ""}
                message = {"probe": name, "call": call, "error": error}
        check_untouched()
        channel.send(message)
        return value

    PROBES[exercise](module, record, inputs)


def main() -> None:
    config = json.loads(sys.stdin.read())
    channel = Channel(config["fd"])
    resource.setrlimit(resource.RLIMIT_CPU, (config["cpu_seconds"], config["cpu_seconds"] + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**28, 2**28))
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: end with the grader
    try:
        run(config, channel)
    except BaseException as error:  # noqa: BLE001 - a failure of the grader itself, reported as such
        channel.send({"failure": "grader", "message": f"{type(error).__name__}: {error}"})
        os._exit(1)
    channel.send({"done": True})
    os._exit(0)


if __name__ == "__main__":
    main()
