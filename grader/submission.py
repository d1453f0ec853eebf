"""Grade one submission: run the checks of every exercise on it and return its :class:`~grader.report.Report`.

Both commands that grade call :func:`grade`: the batch (``python -m grader``, a class at once) and Gradescope's
autograder (``python -m grader.gradescope``, one submission per container). The checks run in a pytest process
of their own, ``pytest grader/exercises`` with :mod:`grader.plugin` (nothing of ``tests/``); each exercise of the
submission runs in an isolated process (:mod:`grader.sandbox`, which copies its files). The report comes back
as a file that the pytest process writes in a private folder no submission can see.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from . import limits
from .registry import FOLDER, names
from .report import Report

COURSE = FOLDER.parent.parent


class Running:
    """The grading processes now running, so that an interruption can stop them all; with a ``protection``
    (:mod:`grader.limits`), each runs in a cgroup of its own, with everything it starts, removed when it ends."""

    def __init__(self, protection: limits.Protection | None = None):
        self.lock, self.processes, self.stopped = threading.Lock(), set(), False
        self.protection, self.groups, self.oom_kills = protection, {}, {}

    def start(self, command, **options) -> subprocess.Popen:
        with self.lock:
            if self.stopped:
                raise KeyboardInterrupt
            group = self.protection.group() if self.protection is not None else None
            try:
                process = subprocess.Popen(group.wrap(command) if group else command, start_new_session=True,
                                           **options)
            except BaseException:
                if group is not None:
                    self.protection.release(group)
                raise
            if group is not None:
                group.started(process.pid)
                self.groups[process] = group
            self.processes.add(process)
        return process

    def finish(self, process) -> None:
        """Forget a process that ended: kill what is left of what it started, remove its cgroup and keep how many
        of its processes the kernel killed for the memory limit (``oom_kills``)."""
        with self.lock:
            self.processes.discard(process)
            group = self.groups.pop(process, None)
        if group is not None:
            self.oom_kills[process.pid] = self.protection.release(group)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for process in self.processes:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            groups = list(self.groups.values())
        for group in groups:
            group.kill()


def submission_folder(folder: Path) -> Path:
    """The folder of the submission that holds its exercise files: ``folder``, or the one below it with the most
    (a student who uploads a folder, or a zip of one)."""
    files = {f"{name}.py" for name in names()}

    def found(path: Path) -> int:
        return len(files & {p.name for p in path.iterdir()})

    if found(folder):
        return folder
    below = [p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink()
             and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts)]
    best = max(below, key=lambda p: (found(p), -len(p.parts)), default=folder)
    return best if found(best) else folder


def grade(folder: Path, time_limit: float, memory_mb: int | None, seed: int | None, isolation: str,
          running: Running | None = None) -> Report:
    """The report of the submission in ``folder`` (or the folder below it that holds its files); on any failure,
    the grader's own included, a report of zero points saying why."""
    try:
        return _grade(Path(folder), time_limit, memory_mb, seed, isolation, running or Running())
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - a failure of the grader on one submission stays on its report
        return Report.failed(f"grader error: {type(error).__name__}: {error}")


def _grade(folder: Path, time_limit, memory_mb, seed, isolation: str, running: Running) -> Report:
    if not folder.is_dir():
        return Report.failed(f"{folder} is not a folder: a submission is a folder of the exercise files")
    command = [sys.executable, "-m", "pytest", str(FOLDER), "--submission", str(submission_folder(folder)),
               "--time-limit", str(time_limit), "--isolation", isolation, "-q", "-p", "no:cacheprovider",
               "-o", "addopts=", "--rootdir", str(COURSE)]
    if memory_mb is not None:
        command += ["--memory-limit", str(memory_mb)]
    if seed is not None:
        command += ["--grading-seed", str(seed)]
    with tempfile.TemporaryDirectory(prefix="grader-report-") as private:
        report = Path(private) / "report.json"
        process = running.start([*command, "--grading-report", str(report)], cwd=COURSE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        try:
            log = process.communicate(timeout=len(names()) * (time_limit + 180) + 120)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            log = process.communicate()[0].decode(errors="replace") + "\nthe grading did not finish in time"
        finally:
            running.finish(process)
        if running.stopped:
            raise KeyboardInterrupt
        log = log.strip()
        if report.is_file():
            return Report.from_json(report.read_text(), log=log)
    lines = log.splitlines() or ["no output"]
    why = next((line for line in reversed(lines) if "error" in line.lower()), lines[-1]).strip()
    return Report.failed(f"grader error: {why[:300]}", log=log)
