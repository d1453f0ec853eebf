"""Limits per submission in a local batch: the memory, processes and CPU share of everything one submission's
grading starts (its pytest process, the sandboxes, whatever they start), with the operating system's cgroups.

Each exercise's sandbox limits its own address space (``--memory-limit``) and wall-clock time (``--time-limit``),
but a submission may start many processes: without more, one that forks eight children holding 1.5 GB each takes
12 GB, and one that starts a process per session takes the CPU from the submissions graded beside it. So in a
batch (``python -m grader --jobs N``) the grading of each submission runs in a cgroup of its own:

- memory: ``--submission-memory`` MB for all its processes together (default ``--memory-limit`` + 2048: one
  exercise at its own limit still fits, beside the grading pytest process and the sandbox's torch, data and
  256 MB scratch ``/tmp``); no swap beyond it where the kernel accounts swap;
- processes: at most ``PROCESSES`` tasks (threads count) and 2 per core, so a fork bomb stops there;
- CPU: at most (cores / jobs) CPUs (a quota), and an equal weight among the batch's submissions, however many
  processes or sessions each starts.

When a submission's processes together reach its memory, the kernel kills one of them, inside that cgroup only.
So that it kills the sandbox's processes and not the pytest process that writes the submission's report, every
process of the cgroup but that one gets ``oom_score_adj`` 1000 as soon as it appears (a watcher, every
``WATCH_SECONDS``: a sandbox loads torch and the data for a second or more before the submission's code runs).
The exercise whose process was killed gets zero and the report still comes.

What works is found at the start of a batch, in this order: cgroup v2 (as root, a cgroup of the batch at the
top of the hierarchy; as a user, a delegated cgroup the user may write: the batch moves its processes to a leaf
of it), cgroup v1 (as root, under the batch's own cgroups), ``systemd-run --user --scope`` (a user whose systemd
delegates the memory, pids and cpu controllers), else nothing: :func:`protect` says which in one line.
"""
from __future__ import annotations

import errno
import itertools
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROCESSES = 256  # tasks (processes and threads) of one submission's grading, plus 2 per core (torch's threads)
OVERHEAD_MB = 2048  # beyond --memory-limit: the pytest process, the sandbox's torch and data, its scratch /tmp
KILLABLE = "1000"  # oom_score_adj of every process of a submission's cgroup but its pytest process
WATCH_SECONDS = 0.1
PERIOD_US = 100_000  # the CPU quota's period
KIND_WORDS = {"memory": "memory", "pids": "processes", "cpu": "CPU"}


@dataclass(frozen=True)
class Limits:
    """What one submission's grading may take: MB of memory in all, tasks, CPUs (of ``cores``), for ``jobs``."""

    memory_mb: int
    processes: int
    cpus: float
    cores: int
    jobs: int


def plan(memory_limit_mb: int, jobs: int, submission_memory_mb: int | None = None, cores: int | None = None) -> Limits:
    """The limits of each submission of a batch of ``jobs`` at once, each exercise taking ``memory_limit_mb``."""
    cores = cores or len(os.sched_getaffinity(0))
    memory = submission_memory_mb if submission_memory_mb is not None else memory_limit_mb + OVERHEAD_MB
    return Limits(memory, PROCESSES + 2 * cores, cores / jobs, cores, jobs)


def cpus_text(limits: Limits) -> str:
    share = f"{limits.cpus:.2f}".rstrip("0").rstrip(".")
    return f"{share} of the {limits.cores} CPUs" + (f" (--jobs {limits.jobs})" if limits.jobs > 1 else "")


# --- what the system offers ---------------------------------------------------------------------------------------


def mounts(text: str | None = None) -> list[tuple[str, str, str, set]]:
    """The cgroup file systems mounted: (mount point, root in the hierarchy, type, options), from mountinfo."""
    if text is None:
        try:
            text = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return []
    found = []
    for line in text.splitlines():
        head, _, tail = line.partition(" - ")
        fields, after = head.split(), tail.split()
        if len(fields) >= 5 and len(after) >= 3 and after[0] in ("cgroup", "cgroup2"):
            found.append((fields[4].replace("\\040", " "), fields[3], after[0], set(after[2].split(","))))
    return found


def own_cgroups(text: str | None = None) -> dict[str, str]:
    """This process's cgroup per controller (``""``: cgroup v2), from ``/proc/self/cgroup``."""
    if text is None:
        try:
            text = Path("/proc/self/cgroup").read_text()
        except OSError:
            return {}
    found = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in (parts[1].split(",") if parts[1] else [""]):
                found[controller] = parts[2]
    return found


def within(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup ``path`` in a hierarchy mounted at ``mount`` whose root is ``root``."""
    if root != "/" and (path == root or path.startswith(root + "/")):
        path = path[len(root):]
    return Path(mount) / path.lstrip("/")


def read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def write(path: Path, value: str) -> None:
    path.write_text(value)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


BATCHES = itertools.count(1)


def batch_name() -> str:
    """The name of a batch's cgroup: ``grader-PID-N`` (a process may run several batches, one after another)."""
    return f"grader-{os.getpid()}-{next(BATCHES)}"


class Unavailable(Exception):
    """This way of limiting a submission does not work here; the message says why, in a few words."""


# --- one submission's cgroup --------------------------------------------------------------------------------------


class Group:
    """The cgroup of one submission's grading: its folders (one per hierarchy), the process that enters it first."""

    def __init__(self, folders: dict[str, Path], v2: bool):
        self.folders, self.v2, self.main, self.removed = folders, v2, None, False

    def folder_list(self) -> list[Path]:
        return list(dict.fromkeys(self.folders.values()))

    def wrap(self, command: list[str]) -> list[str]:
        """``command``, run by a shell that first moves itself into this cgroup (what it starts follows it)."""
        script = ('while [ "$1" != -- ]; do echo $$ > "$1" || { echo "grader error: cannot enter the cgroup $1" >&2; '
                  'exit 125; }; shift; done; shift; exec "$@"')
        return ["/bin/sh", "-c", script, "grader-enter", *(str(f / "cgroup.procs") for f in self.folder_list()), "--",
                *command]

    def started(self, pid: int) -> None:
        self.main = pid

    def pids(self) -> list[int]:
        found = set()
        for folder in self.folder_list():
            found.update(int(p) for p in read(folder / "cgroup.procs").split())
        return sorted(found)

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for the memory limit (0 where the kernel does not say)."""
        folder = self.folders.get("memory")
        if folder is None:
            return 0
        text = read(folder / ("memory.events" if self.v2 else "memory.oom_control"))
        found = re.search(r"^oom_kill (\d+)$", text, re.M)
        return int(found.group(1)) if found else 0

    def mark_killable(self) -> None:
        """Make every process but the main one the kernel's first choice when the cgroup runs out of memory."""
        for pid in self.pids():
            if pid == self.main:
                continue
            path = Path(f"/proc/{pid}/oom_score_adj")
            try:
                if path.read_text().strip() != KILLABLE:
                    path.write_text(KILLABLE)
            except OSError:
                pass

    def kill(self) -> None:
        """Kill every process in the cgroup, forks stopped first (a fork bomb cannot outrun it)."""
        if "pids" in self.folders and (self.folders["pids"] / "pids.max").exists():
            try:
                write(self.folders["pids"] / "pids.max", "0")
            except OSError:
                pass
        for folder in self.folder_list() if self.v2 else []:
            if (folder / "cgroup.kill").exists():
                try:
                    write(folder / "cgroup.kill", "1")
                except OSError:
                    pass
        deadline = time.monotonic() + 10
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left in the cgroup and remove it."""
        if self.removed:
            return
        self.kill()
        deadline = time.monotonic() + 10
        for folder in self.folder_list():
            while folder.exists():
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    break
                except OSError as error:
                    if error.errno == errno.ENOTEMPTY or time.monotonic() > deadline:  # ENOTEMPTY: not a cgroup
                        break
                    self.kill()
                    time.sleep(0.05)
        self.removed = True


class ScopeGroup(Group):
    """A submission's grading in a transient systemd scope of the user's manager (``systemd-run --user --scope``)."""

    def __init__(self, unit: str, limits: Limits, mount: Path):
        super().__init__({}, True)
        self.unit, self.limits, self.mount = unit, limits, mount

    def wrap(self, command: list[str]) -> list[str]:
        return ["systemd-run", "--user", "--scope", "--quiet", "--collect", f"--unit={self.unit}", *scope_properties(
            self.limits), "--", *command]

    def resolve(self) -> None:
        if self.folders or self.main is None:
            return
        found = own_cgroups(read(Path(f"/proc/{self.main}/cgroup"))).get("")
        if found and found.endswith(f"/{self.unit}"):
            folder = within(str(self.mount), "/", found)
            self.folders = {"memory": folder, "pids": folder, "cpu": folder}

    def pids(self) -> list[int]:
        self.resolve()
        return super().pids()

    def oom_kills(self) -> int:
        self.resolve()
        return super().oom_kills()

    def kill(self) -> None:
        subprocess.run(["systemctl", "--user", "kill", "--signal=SIGKILL", self.unit], capture_output=True, timeout=30)
        self.resolve()
        super().kill()

    def remove(self) -> None:
        self.kill()  # the scope is gone once empty (--collect)
        self.removed = True


def scope_properties(limits: Limits) -> list[str]:
    return ["-p", f"MemoryMax={limits.memory_mb}M", "-p", "MemorySwapMax=0", "-p", f"TasksMax={limits.processes}",
            "-p", f"CPUQuota={round(limits.cpus * 100)}%"]


# --- the ways of making them --------------------------------------------------------------------------------------


class Backend:
    """A way of making a cgroup per submission; ``limited``: which of memory, pids, cpu it limits."""

    name = ""

    def __init__(self):
        self.limited: tuple[str, ...] = ()
        self.count = 0

    def group(self, limits: Limits) -> Group:
        raise NotImplementedError

    def close(self) -> None:
        pass


def clean_stale(parent: Path, v2: bool) -> None:
    """Remove the cgroups an earlier batch left (``grader-PID-N`` whose process is gone), killing what is in them
    (not a ``-leaf``: it holds the processes of the user's own cgroup)."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        found = re.fullmatch(r"grader-(\d+)-\d+", entry.name)
        if found and entry.is_dir() and not alive(int(found.group(1))):
            for child in [c for c in entry.iterdir() if c.is_dir()] + [entry]:
                Group({"pids": child, "memory": child}, v2).remove()


class V1(Backend):
    """cgroup v1, as root: ``<hierarchy>/<this process's cgroup>/grader-PID-N/sub-M`` per controller."""

    name = "cgroup v1"

    def __init__(self, limits: Limits, mount_list, own: dict):
        super().__init__()
        self.bases: dict[str, Path] = {}
        self.name_of_batch = batch_name()
        reasons = []
        for kind in ("memory", "pids", "cpu"):
            found = [(m, r) for m, r, fs, options in mount_list if fs == "cgroup" and kind in options]
            if not found or kind not in own:
                reasons.append(f"no {kind} hierarchy")
                continue
            parent = within(*found[0], own[kind])
            base = parent / self.name_of_batch
            try:
                clean_stale(parent, False)
                base.mkdir()
            except OSError as error:
                reasons.append(f"{parent} cannot be written ({error.strerror or error})")
                continue
            self.bases[kind] = base
            if kind == "cpu":  # the batch weighs as much as its jobs against the rest of the machine
                try:
                    write(base / "cpu.shares", str(1024 * limits.jobs))
                except OSError:
                    pass
        if "memory" not in self.bases and "pids" not in self.bases:
            self.close()
            raise Unavailable("cgroup v1: " + "; ".join(reasons))
        self.limited = tuple(self.bases)

    def group(self, limits: Limits) -> Group:
        self.count += 1
        folders = {kind: base / f"sub-{self.count}" for kind, base in self.bases.items()}
        group = Group(folders, False)
        try:
            for folder in folders.values():
                folder.mkdir()
            if "memory" in folders:
                size = str(limits.memory_mb * 2**20)
                write(folders["memory"] / "memory.limit_in_bytes", size)
                if (folders["memory"] / "memory.memsw.limit_in_bytes").exists():  # no swap beyond it
                    write(folders["memory"] / "memory.memsw.limit_in_bytes", size)
            if "pids" in folders:
                write(folders["pids"] / "pids.max", str(limits.processes))
            if "cpu" in folders:
                write(folders["cpu"] / "cpu.cfs_period_us", str(PERIOD_US))
                write(folders["cpu"] / "cpu.cfs_quota_us", str(max(1000, round(limits.cpus * PERIOD_US))))
        except OSError:
            group.remove()
            raise
        return group

    def close(self) -> None:
        for base in self.bases.values():
            for child in [c for c in base.iterdir() if c.is_dir()] if base.is_dir() else []:
                Group({"pids": child}, False).remove()
            try:
                base.rmdir()
            except OSError:
                pass


class V2(Backend):
    """cgroup v2: ``<parent>/grader-PID-N/sub-M``, the parent being the top of the hierarchy (root) or this process's
    own cgroup where it may be written (delegated to this user), its processes then moved to a leaf of it."""

    name = "cgroup v2"

    def __init__(self, limits: Limits, mount_list, own: dict, root: bool):
        super().__init__()
        self.leaf = self.parent = None
        found = [(m, r) for m, r, fs, _ in mount_list if fs == "cgroup2"]
        if not found or "" not in own:
            raise Unavailable("no cgroup v2 hierarchy")
        mount, top = found[0]
        if root and top == "/":
            self.parent = Path(mount)
        else:
            self.parent = within(mount, top, own[""])
            if not os.access(self.parent / "cgroup.subtree_control", os.W_OK) or not os.access(
                    self.parent / "cgroup.procs", os.W_OK):
                raise Unavailable(f"cgroup v2: {self.parent} is not delegated to this user")
        available = set(read(self.parent / "cgroup.controllers").split())
        wanted = [kind for kind in ("memory", "pids", "cpu") if kind in available]
        if "memory" not in wanted and "pids" not in wanted:
            raise Unavailable(f"cgroup v2: {self.parent} has neither the memory nor the pids controller")
        self.base = self.parent / batch_name()
        try:
            clean_stale(self.parent, True)
            if self.parent != Path(mount):  # a cgroup that distributes controllers may hold no process: move them
                self.leaf = self.parent / f"{self.base.name}-leaf"
                self.leaf.mkdir(exist_ok=True)
                for pid in read(self.parent / "cgroup.procs").split():
                    try:
                        write(self.leaf / "cgroup.procs", pid)
                    except OSError:
                        pass
            enabled = set(read(self.parent / "cgroup.subtree_control").split())
            if not set(wanted) <= enabled:
                write(self.parent / "cgroup.subtree_control", " ".join(f"+{k}" for k in wanted if k not in enabled))
            self.base.mkdir()
            write(self.base / "cgroup.subtree_control", " ".join(f"+{k}" for k in wanted))
            if "cpu" in wanted:  # the batch weighs as much as its jobs against the rest of the machine
                write(self.base / "cpu.weight", str(min(10000, 100 * limits.jobs)))
        except OSError as error:
            self.close()
            raise Unavailable(f"cgroup v2: {self.parent} cannot be used ({error.strerror or error})") from None
        enabled = {k.lstrip("+") for k in read(self.base / "cgroup.subtree_control").split()}
        self.limited = tuple(k for k in wanted if k in enabled)
        if not self.limited:
            self.close()
            raise Unavailable(f"cgroup v2: the controllers of {self.parent} cannot be enabled")

    def group(self, limits: Limits) -> Group:
        self.count += 1
        folder = self.base / f"sub-{self.count}"
        group = Group({kind: folder for kind in self.limited}, True)
        try:
            folder.mkdir()
            if "memory" in self.limited:
                write(folder / "memory.max", str(limits.memory_mb * 2**20))
                if (folder / "memory.swap.max").exists():
                    write(folder / "memory.swap.max", "0")
            if "pids" in self.limited:
                write(folder / "pids.max", str(limits.processes))
            if "cpu" in self.limited:
                write(folder / "cpu.max", f"{max(1000, round(limits.cpus * PERIOD_US))} {PERIOD_US}")
        except OSError:
            group.remove()
            raise
        return group

    def close(self) -> None:
        base = getattr(self, "base", None)
        if base is not None and base.is_dir():
            for child in [c for c in base.iterdir() if c.is_dir()]:
                Group({"pids": child}, True).remove()
            try:
                base.rmdir()
            except OSError:
                pass
        if self.leaf is not None and self.leaf.is_dir():  # give the parent its processes back
            try:
                enabled = read(self.parent / "cgroup.subtree_control").split()
                if enabled:
                    write(self.parent / "cgroup.subtree_control", " ".join(f"-{k}" for k in enabled))
                for pid in read(self.leaf / "cgroup.procs").split():
                    write(self.parent / "cgroup.procs", pid)
                self.leaf.rmdir()
            except OSError:
                pass


class Scopes(Backend):
    """Transient scopes of the user's systemd (``systemd-run --user --scope``), cgroup v2 delegated to the user."""

    name = "systemd user scopes"

    def __init__(self, limits: Limits, mount_list):
        super().__init__()
        found = [m for m, r, fs, _ in mount_list if fs == "cgroup2"]
        if shutil.which("systemd-run") is None or not found:
            raise Unavailable("no systemd-run --user with cgroup v2")
        self.mount = Path(found[0])
        script = (f'd={self.mount}$(sed -n "s/^0:://p" /proc/self/cgroup); '
                  'cat "$d/memory.max" "$d/pids.max" "$d/cpu.max"')
        try:
            done = subprocess.run(["systemd-run", "--user", "--scope", "--quiet", "--collect",
                                   *scope_properties(limits), "--", "/bin/sh", "-c", script],
                                  capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise Unavailable(f"systemd-run --user failed ({error})") from None
        if done.returncode != 0:
            raise Unavailable(f"systemd-run --user --scope failed ({(done.stderr.strip() or 'no message')[:120]})")
        out = done.stdout
        limited = [kind for kind, seen in (("memory", str(limits.memory_mb * 2**20)), ("pids", str(limits.processes)),
                                           ("cpu", f"{round(limits.cpus * 100) * 1000} {PERIOD_US}")) if seen in out]
        if "memory" not in limited and "pids" not in limited:
            raise Unavailable("systemd-run --user makes scopes without the memory and pids controllers")
        self.limited = tuple(limited)
        self.prefix = f"{batch_name()}-"

    def group(self, limits: Limits) -> Group:
        self.count += 1
        return ScopeGroup(f"{self.prefix}{self.count}.scope", limits, self.mount)


def memory_here(mountinfo: str | None = None, cgroups: str | None = None) -> tuple[int, int] | None:
    """The memory limit (MB) of the cgroup this process is in, and how many of its processes the kernel has killed
    for it so far; None where it has no limit. The pytest process of a submission graded in a batch reads it to
    tell a student why a sandbox was killed (``killed by SIGKILL``, or bubblewrap's exit status 137)."""
    own = own_cgroups(cgroups)
    for mount, top, fs, options in mounts(mountinfo):
        if fs == "cgroup" and "memory" in options and "memory" in own:
            folder = within(mount, top, own["memory"])
            limit, events = read(folder / "memory.limit_in_bytes"), read(folder / "memory.oom_control")
        elif fs == "cgroup2" and "" in own:
            folder = within(mount, top, own[""])
            limit, events = read(folder / "memory.max"), read(folder / "memory.events")
        else:
            continue
        if limit.isdigit() and int(limit) < 2**60:
            found = re.search(r"^oom_kill (\d+)$", events, re.M)
            return int(limit) // 2**20, int(found.group(1)) if found else 0
    return None


# --- the protection of a batch ------------------------------------------------------------------------------------


class Protection:
    """The limits per submission in force for one batch: a cgroup per submission (``group``), or none, and why."""

    def __init__(self, limits: Limits, backend: Backend | None, reason: str = "", spare_main: bool = True):
        self.limits, self.backend, self.reason = limits, backend, reason
        self.groups: list[Group] = []
        self.lock, self.closed = threading.Lock(), threading.Event()
        self.watcher = None
        if backend is not None and "memory" in backend.limited and spare_main:
            self.watcher = threading.Thread(target=self.watch, name="grader-limits", daemon=True)
            self.watcher.start()

    def line(self) -> str:
        """One line: what protects the submissions from each other here."""
        if self.backend is None:
            return (f"no limits per submission ({self.reason}): each exercise's process is limited to its own "
                    "memory (--memory-limit) and time (--time-limit) only")
        limits, limited = self.limits, self.backend.limited
        parts = {"memory": f"{limits.memory_mb} MB of memory in all", "pids": f"{limits.processes} processes",
                 "cpu": cpus_text(limits)}
        missing = [KIND_WORDS[kind] for kind in parts if kind not in limited]
        return (f"limits per submission: {self.backend.name}, " + ", ".join(parts[k] for k in parts if k in limited)
                + (f"; not limited here: {', '.join(missing)}" if missing else ""))

    def group(self) -> Group | None:
        """A new cgroup for one submission's grading (None where there are none), removed by :meth:`release`."""
        if self.backend is None or self.closed.is_set():
            return None
        group = self.backend.group(self.limits)
        with self.lock:
            self.groups.append(group)
        return group

    def release(self, group: Group | None) -> int:
        """Kill what is left of a submission's grading and remove its cgroup; how many of its processes the
        kernel killed for memory."""
        if group is None:
            return 0
        kills = group.oom_kills()
        group.remove()
        with self.lock:
            if group in self.groups:
                self.groups.remove(group)
        return kills

    def watch(self) -> None:
        while not self.closed.wait(WATCH_SECONDS):
            with self.lock:
                groups = list(self.groups)
            for group in groups:
                if not group.removed:
                    group.mark_killable()

    def close(self) -> None:
        """Remove every cgroup of the batch (what is still in them killed)."""
        self.closed.set()
        with self.lock:
            groups, self.groups = list(self.groups), []
        for group in groups:
            group.remove()
        if self.backend is not None:
            self.backend.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def protect(limits: Limits, mountinfo: str | None = None, cgroups: str | None = None, root: bool | None = None,
            scopes: bool = True, spare_main: bool = True) -> Protection:
    """The best protection this machine offers a batch: cgroup v2, cgroup v1, systemd user scopes, or none.
    ``spare_main=False``: no watcher marks the processes of a group killable (a container's own choice, as on
    Gradescope, where only the sandbox's ``oom_score_adj`` decides)."""
    mount_list, own = mounts(mountinfo), own_cgroups(cgroups)
    root = os.geteuid() == 0 if root is None else root
    if not mount_list:
        return Protection(limits, None, "no cgroup file system is mounted")
    reasons = []
    attempts = [lambda: V2(limits, mount_list, own, root), lambda: V1(limits, mount_list, own)]
    if scopes and not root:
        attempts.append(lambda: Scopes(limits, mount_list))
    for attempt in attempts:
        try:
            return Protection(limits, attempt(), spare_main=spare_main)
        except Unavailable as why:
            reasons.append(str(why))
    return Protection(limits, None, "; ".join(reasons))
