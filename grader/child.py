"""The process inside the sandbox: import one exercise of a submission and run the probes the grader asks for.

Started by :func:`grader.sandbox.run_exercise` with its settings as the first line of stdin. It loads torch and
the exercise data, limits its own memory, says ``ready``, then answers requests: each line of stdin names a
probe and carries a nonce, and the answer is one record on the channel with that nonce and the probe's value
(or error). Nothing here is trusted by the grader: the records are plain data, checked outside.
"""
from __future__ import annotations

import importlib.util
import json
import os
import resource
import sys
import traceback
from pathlib import Path

import torch

from ae.train import set_seed

from .probes import Inputs
from .registry import exercise
from .wire import Refused, encode


class Failed:
    """The value of a probe that raised: a later probe that needs it is not run."""


def describe_error(error: BaseException, folder: Path) -> dict:
    """The type and message of an error, and where in the submission it was raised (file and line)."""
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename).parent == folder:
        return {"type": "SyntaxError", "message": str(error.msg)[:300],
                "where": f"{Path(error.filename).name}, line {error.lineno}"}
    try:
        message = str(error) if not isinstance(error, SystemExit) else f"exit({error.code!r}) was called"
    except Exception:  # noqa: BLE001 - an error whose message cannot be read is still reported
        message = "(its message could not be read)"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename).parent == folder]
    where = f"{Path(frames[-1].filename).name}, line {frames[-1].lineno}" if frames else ""
    return {"type": type(error).__name__[:100], "message": message[:300], "where": where}


def reset_state() -> None:
    """The global state every call starts from: the same seeds, one thread, gradients on, float32."""
    set_seed(0)
    torch.set_num_threads(1)
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)


def limit_memory(megabytes: int) -> None:
    """Let the process map at most ``megabytes`` more than it maps now (torch and the data are loaded)."""
    with open("/proc/self/status") as status:
        mapped = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = mapped + megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def send(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def answer(probe, module, inputs: Inputs, earlier: dict, folder: Path) -> dict:
    """The record of one probe: its value as wire data, or the error it raised."""
    if probe.needs is not None and isinstance(earlier.get(probe.needs, Failed()), Failed):
        earlier[probe.name] = Failed()
        return {"error": {"type": "NotRun", "message": f"not run because {probe.needs} failed", "where": ""}}
    reset_state()
    try:
        value = probe.run(module, inputs, earlier)
        earlier[probe.name] = value
        return {"value": encode(probe.show(value, inputs) if probe.show else value)}
    except Refused as refused:
        earlier[probe.name] = Failed()
        return {"error": {"type": "UnreadableResult", "message": f"the grader cannot read what it returned: {refused}",
                          "where": ""}}
    except BaseException as error:  # noqa: BLE001 - whatever the submission raises is reported
        earlier[probe.name] = Failed()
        return {"error": describe_error(error, folder)}


def main() -> None:
    config = json.loads(sys.stdin.readline())
    fd, folder, name = config["fd"], Path(config["folder"]), config["exercise"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**28, 2**28))
    inputs = Inputs(config["seed"])
    probes = {probe.name: probe for probe in exercise(name).probes(config["seed"])}
    limit_memory(config["memory_mb"])
    send(fd, {"ready": True})
    sys.path.insert(0, str(folder))
    module, earlier = None, {}
    for line in sys.stdin:
        request = json.loads(line)
        if request["probe"] == "import":
            reset_state()
            try:
                spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
                record = {"value": None}
            except BaseException as error:  # noqa: BLE001 - whatever the submission raises is reported
                record = {"error": describe_error(error, folder)}
        else:
            record = answer(probes[request["probe"]], module, inputs, earlier, folder)
        send(fd, {"nonce": request["nonce"], "probe": request["probe"], **record})
    os._exit(0)


if __name__ == "__main__":
    main()
