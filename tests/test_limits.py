"""Limits per submission (grader/limits.py): one student cannot harm another, or the machine.

The detection and the one line it prints, on fake cgroup folders; a real cgroup where this machine allows one
(processes capped, memory capped with the main process spared, everything killed and removed); and, slow, each
hog of ``tests/submissions/hog_*`` graded by ``python -m grader --jobs 2`` beside an honest classmate (a copy of
``solutions/``), who keeps every point, after which nothing of either submission is alive and no cgroup is left.
"""
import ast
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import limits
from grader.submission import Running
from grader.registry import FOLDER, names

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = REPO / "tests" / "submissions"
HOG = "ae-hog"  # the name (/proc/PID/comm) every process of a hog takes
TIME_LIMIT = 30  # per exercise: each hog's compare_activations runs this long
# What a hog loses: compare_activations and the checks that need its result (as tests/submissions/hangs).
COMPARE_CHECKS = ("test_compare_activations_gives_one_validation_mse_per_name", "test_same_seed_same_numbers",
                  "test_comparison_matches_the_reference", "test_chosen_activation_matches_the_reference",
                  "test_test_mse_of_the_chosen_activation_matches_the_reference")


def fake_tree(tmp_path, v1=("memory", "pids", "cpu"), v2=None, own_v1="/", own_v2="/"):
    """Fake cgroup hierarchies under ``tmp_path``: (mountinfo, /proc/self/cgroup) texts describing them."""
    mountinfo, cgroup = [], []
    for number, kind in enumerate(v1, start=1):
        (tmp_path / kind / own_v1.lstrip("/")).mkdir(parents=True, exist_ok=True)
        mountinfo.append(f"{30 + number} 25 0:{30 + number} / {tmp_path / kind} rw,relatime - cgroup cgroup rw,{kind}")
        cgroup.append(f"{number}:{kind}:{own_v1}")
    if v2 is not None:
        own = tmp_path / "unified" / own_v2.lstrip("/")
        own.mkdir(parents=True, exist_ok=True)
        (tmp_path / "unified" / "cgroup.controllers").write_text(" ".join(v2) + "\n")
        (own / "cgroup.controllers").write_text(" ".join(v2) + "\n")
        (own / "cgroup.subtree_control").write_text("")
        (own / "cgroup.procs").write_text("")
        mountinfo.append(f"40 25 0:40 / {tmp_path / 'unified'} rw,relatime - cgroup2 cgroup2 rw")
        cgroup.append(f"0::{own_v2}")
    mountinfo.insert(0, f"23 1 0:22 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755")
    return "\n".join(mountinfo) + "\n", "\n".join(cgroup) + "\n"


PLAN = limits.Limits(memory_mb=4048, processes=256, cpus=1.0, cores=2, jobs=2)


def test_the_default_submission_memory_is_the_memory_limit_and_what_grading_takes_beside_it():
    assert limits.plan(2000, 2, cores=2) == limits.Limits(2000 + limits.OVERHEAD_MB, 260, 1.0, 2, 2)
    assert limits.plan(2000, 4, submission_memory_mb=3000, cores=64) == limits.Limits(3000, 384, 16.0, 64, 4)


def test_cgroup_v1_as_root_each_submission_gets_its_memory_processes_and_cpu(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, own_v1="/batch")
    with limits.protect(PLAN, mountinfo, cgroup, root=True) as protection:
        assert protection.line() == ("limits per submission: cgroup v1, 4048 MB of memory in all, 256 processes, "
                                     "1 of the 2 CPUs (--jobs 2)")
        group = protection.group()
        batch = protection.backend.bases["memory"].name
        assert batch.startswith(f"grader-{os.getpid()}-")
        base = f"batch/{batch}/sub-1"
        assert group.folders == {kind: tmp_path / kind / base for kind in ("memory", "pids", "cpu")}
        assert (tmp_path / "memory" / base / "memory.limit_in_bytes").read_text() == str(4048 * 2**20)
        assert (tmp_path / "pids" / base / "pids.max").read_text() == "256"
        assert (tmp_path / "cpu" / base / "cpu.cfs_quota_us").read_text() == "100000"
        assert (tmp_path / "cpu" / base / "cpu.cfs_period_us").read_text() == "100000"
        assert (tmp_path / "cpu" / "batch" / batch / "cpu.shares").read_text() == "2048"
        command = group.wrap(["python", "-m", "pytest"])
        assert command[:2] == ["/bin/sh", "-c"] and command[-4:] == ["--", "python", "-m", "pytest"]
        assert [c for c in command if c.endswith("cgroup.procs")] == [
            str(tmp_path / kind / base / "cgroup.procs") for kind in ("memory", "pids", "cpu")]


def test_cgroup_v1_without_a_pids_hierarchy_says_what_is_not_limited(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v1=("memory", "cpu"))
    with limits.protect(PLAN, mountinfo, cgroup, root=True) as protection:
        assert protection.line() == ("limits per submission: cgroup v1, 4048 MB of memory in all, 1 of the 2 CPUs "
                                     "(--jobs 2); not limited here: processes")


def test_a_hybrid_machine_whose_cgroup_v2_has_no_controllers_uses_v1(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v2=("hugetlb",))
    with limits.protect(PLAN, mountinfo, cgroup, root=True) as protection:
        assert protection.line().startswith("limits per submission: cgroup v1, ")


def test_cgroup_v2_as_root_makes_the_batchs_cgroup_at_the_top(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v1=(), v2=("cpuset", "cpu", "io", "memory", "pids"),
                                  own_v2="/user.slice/session-1.scope")
    top = tmp_path / "unified"
    (top / "cgroup.subtree_control").write_text("")
    with limits.protect(PLAN, mountinfo, cgroup, root=True) as protection:
        assert protection.line() == ("limits per submission: cgroup v2, 4048 MB of memory in all, 256 processes, "
                                     "1 of the 2 CPUs (--jobs 2)")
        folder = protection.backend.base / "sub-1"
        assert folder.parent.parent == top
        assert protection.group().folders == dict.fromkeys(("memory", "pids", "cpu"), folder)
        assert (top / "cgroup.subtree_control").read_text() == "+memory +pids +cpu"
        assert (folder / "memory.max").read_text() == str(4048 * 2**20)
        assert (folder / "pids.max").read_text() == "256"
        assert (folder / "cpu.max").read_text() == "100000 100000"
        assert (folder.parent / "cpu.weight").read_text() == "200"


def test_cgroup_v2_delegated_to_a_user_moves_the_batch_to_a_leaf_and_gives_it_back(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v1=(), v2=("memory", "pids"), own_v2="/user.slice/grading.scope")
    own = tmp_path / "unified" / "user.slice" / "grading.scope"
    (own / "cgroup.procs").write_text(f"{os.getpid()}\n")
    protection = limits.protect(PLAN, mountinfo, cgroup, root=False, scopes=False)
    assert protection.line() == ("limits per submission: cgroup v2, 4048 MB of memory in all, 256 processes; not "
                                 "limited here: CPU")
    leaf = own / f"{protection.backend.base.name}-leaf"
    assert (leaf / "cgroup.procs").read_text() == str(os.getpid())
    assert (own / "cgroup.subtree_control").read_text() == "+memory +pids"
    assert protection.group().folders["memory"] == own / protection.backend.base.name / "sub-1"
    protection.close()
    assert (own / "cgroup.procs").read_text() == str(os.getpid())  # moved back


def test_a_user_without_a_delegated_cgroup_or_systemd_gets_no_limits_and_is_told_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))  # no systemd-run
    mountinfo, cgroup = fake_tree(tmp_path, v1=(), v2=("memory", "pids", "cpu"), own_v2="/user.slice/session-1.scope")
    (tmp_path / "unified" / "user.slice" / "session-1.scope").rename(tmp_path / "elsewhere")  # not the user's
    protection = limits.protect(PLAN, mountinfo, cgroup, root=False)
    line = protection.line()
    assert line.startswith("no limits per submission (cgroup v2: ") and "not delegated to this user" in line
    assert line.endswith("each exercise's process is limited to its own memory (--memory-limit) and time "
                         "(--time-limit) only")
    assert "\n" not in line and protection.group() is None
    protection.close()


def test_without_any_cgroup_file_system_the_line_says_so():
    protection = limits.protect(PLAN, "23 1 0:22 / /sys rw - sysfs sysfs rw\n", "", root=True)
    assert protection.line().startswith("no limits per submission (no cgroup file system is mounted): ")


def test_a_user_with_systemd_gets_transient_scopes_with_the_limits(tmp_path, monkeypatch):
    """A stand-in ``systemd-run`` answers the probe as a systemd that delegates memory, pids and cpu would."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "systemd-run").write_text(f"#!/bin/sh\nprintf '{4048 * 2**20}\\n256\\n100000 100000\\n'\n")
    (bin_folder / "systemd-run").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    mountinfo, cgroup = fake_tree(tmp_path, v1=(), v2=("memory", "pids", "cpu"), own_v2="/user.slice/s.scope")
    (tmp_path / "unified" / "user.slice" / "s.scope").rename(tmp_path / "elsewhere")
    protection = limits.protect(PLAN, mountinfo, cgroup, root=False)
    assert protection.line() == ("limits per submission: systemd user scopes, 4048 MB of memory in all, "
                                 "256 processes, 1 of the 2 CPUs (--jobs 2)")
    command = protection.group().wrap(["python", "-m", "pytest"])
    assert command == ["systemd-run", "--user", "--scope", "--quiet", "--collect",
                       f"--unit={protection.backend.prefix}1.scope", "-p", "MemoryMax=4048M", "-p", "MemorySwapMax=0",
                       "-p", "TasksMax=256", "-p", "CPUQuota=100%", "--", "python", "-m", "pytest"]
    protection.backend.close()


def test_a_stale_cgroup_of_a_batch_that_died_is_removed(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v1=("memory",))
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / "memory" / f"grader-{dead.pid}-1" / "sub-3").mkdir(parents=True)
    (tmp_path / "memory" / f"grader-{os.getpid()}-999").mkdir()  # this process's: alive
    with limits.protect(PLAN, mountinfo, cgroup, root=True):
        assert not (tmp_path / "memory" / f"grader-{dead.pid}-1").exists()
        assert (tmp_path / "memory" / f"grader-{os.getpid()}-999").exists()


# --- a real cgroup, where this machine gives one -------------------------------------------------------------------


def real_protection(limits_here: limits.Limits, *kinds) -> limits.Protection:
    protection = limits.protect(limits_here)
    if protection.backend is None or not set(kinds) <= set(protection.backend.limited):
        protection.close()
        pytest.skip(f"no cgroup with {', '.join(kinds)} here: {protection.line()}")
    return protection


def batch_cgroups(pid: int) -> list[str]:
    """The cgroups of the batch ``pid`` still there, in every hierarchy."""
    found = []
    for mount, _, _, _ in limits.mounts():
        found += [str(p) for p in Path(mount).rglob(f"grader-{pid}-*") if p.is_dir()]
    return found


def named(name: str) -> list[int]:
    """The processes called ``name`` that are alive (a zombie has ended: it only waits to be reaped)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            state = (comm.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if comm.read_text().strip() == name and state != "Z":
                found.append(int(comm.parent.name))
        except (OSError, IndexError):
            pass
    return found


def left_behind(batch_pid: int, grace: float = 10) -> tuple[list[int], list[str]]:
    """The hog's processes and the batch's cgroups still there once the batch ended; the processes are killed, to
    leave this machine clean whatever happened. Without cgroups the processes of a sandbox die with its PID
    namespace, which the kernel tears down just after the sandbox ends: they get ``grace`` seconds to be gone."""
    deadline = time.monotonic() + grace
    while named(HOG) and time.monotonic() < deadline:
        time.sleep(0.2)
    left, cgroups = named(HOG), batch_cgroups(batch_pid)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left, cgroups


def batch_folders(protection: limits.Protection) -> list[Path]:
    backend = protection.backend
    return list(backend.bases.values()) if hasattr(backend, "bases") else [backend.base]


FORKS = """import os, sys, time
started = 0
for _ in range(40):
    try:
        if os.fork() == 0:
            os.setsid()
            time.sleep(300)
            os._exit(0)
        started += 1
    except OSError:
        pass
print(started, flush=True)
"""


def test_a_real_cgroup_caps_the_processes_and_everything_in_it_is_killed_and_removed():
    """40 sleepers, each in a session of its own, in a cgroup of 16 processes: at most 15 start; then all are gone."""
    protection = real_protection(limits.Limits(512, 16, 1.0, 2, 1), "pids")
    with protection:
        running = Running(protection)
        process = running.start([sys.executable, "-c", FORKS], stdout=subprocess.PIPE)
        group = running.groups[process]
        assert int(process.stdout.readline()) == 15  # and the main process: 16
        assert 1 <= len(group.pids()) <= 16
        process.wait(timeout=60)
        running.finish(process)
        assert group.pids() == [] and not any(folder.exists() for folder in group.folder_list())
    assert not any(folder.exists() for folder in batch_folders(protection))


def test_out_of_memory_the_kernel_kills_a_child_not_the_process_that_reports():
    """A main process (the pytest process of a submission) and a child that takes more than the cgroup's 300 MB:
    the child is killed, the main process lives and says so, and the kill is counted."""
    with real_protection(limits.Limits(300, 64, 1.0, 2, 1), "memory") as protection:
        running = Running(protection)
        script = ("import subprocess, sys, time\ntime.sleep(0.5)\nchild = subprocess.run([sys.executable, '-c', "
                  "'import time; held = b\"x\" * (600 * 2**20); time.sleep(60)'])\nprint('child', child.returncode)")
        process = running.start([sys.executable, "-c", script], stdout=subprocess.PIPE)
        assert process.communicate(timeout=120)[0].decode().split() == ["child", str(-signal.SIGKILL)]
        running.finish(process)
        assert running.oom_kills[process.pid] >= 1


def test_a_process_in_a_submissions_cgroup_reads_its_memory_limit_and_the_kills_so_far():
    """What the pytest process of a submission needs to tell a student that a sandbox was killed for memory."""
    with real_protection(limits.Limits(300, 64, 1.0, 2, 1), "memory") as protection:
        running = Running(protection)
        script = ("import subprocess, sys\nfrom grader.limits import memory_here\nprint(*memory_here())\n"
                  "subprocess.run([sys.executable, '-c', 'held = b\"x\" * (600 * 2**20)'])\nprint(*memory_here())")
        process = running.start([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=REPO)
        before, after = process.communicate(timeout=120)[0].decode().splitlines()
        running.finish(process)
    assert before == "300 0" and after.split()[0] == "300" and int(after.split()[1]) >= 1
    assert limits.memory_here() is None or limits.memory_here()[0] != 300  # not this process's


def test_memory_here_reads_a_fake_v2_cgroup(tmp_path):
    mountinfo, cgroup = fake_tree(tmp_path, v1=(), v2=("memory",), own_v2="/grader-1-1/sub-2")
    folder = tmp_path / "unified" / "grader-1-1" / "sub-2"
    (folder / "memory.max").write_text(f"{2500 * 2**20}\n")
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n")
    assert limits.memory_here(mountinfo, cgroup) == (2500, 2)
    (folder / "memory.max").write_text("max\n")
    assert limits.memory_here(mountinfo, cgroup) is None


def test_an_interrupted_batch_leaves_no_process_and_no_cgroup():
    protection = real_protection(limits.Limits(512, 64, 1.0, 2, 2), "pids")
    with protection:
        running = Running(protection)
        processes = [running.start(["/bin/sh", "-c", "setsid sleep 300 & sleep 300"]) for _ in range(2)]
        groups = [running.groups[p] for p in processes]
        time.sleep(0.5)
        running.stop()
        for process in processes:
            process.wait(timeout=30)
            running.finish(process)
        with pytest.raises(KeyboardInterrupt):
            running.start(["true"])
    assert all(group.pids() == [] for group in groups)
    assert not any(folder.exists() for folder in batch_folders(protection))


# --- the hogs, each graded beside an honest classmate --------------------------------------------------------------


def check_points(exercise: str) -> dict:
    points = {}
    for path in sorted((FOLDER / exercise).glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            for decorator in getattr(node, "decorator_list", []):
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "pytest.mark.points":
                    points[node.name] = decorator.args[0].value
    return points


def build(name: str, folder: Path) -> None:
    """Lay out the submission ``tests/submissions/name`` (see its README) in ``folder``."""
    folder.mkdir(parents=True)
    for path in (SUBMISSIONS / name).glob("*.py"):
        exercise, _, kind = path.name.partition(".")
        text = path.read_text()
        if kind == "after_solution.py":
            text = (REPO / "solutions" / f"{exercise}.py").read_text() + "\n\n" + text
        (folder / f"{exercise}.py").write_text(text)


def autogroups_share_the_cpu() -> str | None:
    """Why the kernel's autogroups do not decide the CPU share of processes here, None if they do."""
    try:
        enabled = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        enabled = False
    if not enabled:
        return "the kernel's autogroups are off here (kernel.sched_autogroup_enabled)"
    own = limits.own_cgroups()
    if own.get("cpu", own.get("", "/")) != "/":
        return "this process is in a cpu cgroup, where autogroups do not apply"
    return None


def grade_beside_a_classmate(tmp_path, hog: str, *extra, command=None):
    """Grade ``hog`` and a copy of solutions/ at once (--jobs 2); their rows, the batch's output and what is left."""
    if not (REPO / "solutions").is_dir() or not (SUBMISSIONS / hog).is_dir():
        pytest.skip("needs solutions/ and tests/submissions/ (not in the students' copy)")
    classmate = tmp_path / "classmate"
    classmate.mkdir()
    for exercise in names():
        (classmate / f"{exercise}.py").write_text((REPO / "solutions" / f"{exercise}.py").read_text())
    build(hog, tmp_path / hog)
    args = [str(tmp_path / hog), str(classmate), "--csv", str(tmp_path / "grades.csv"), "--jobs", "2",
            "--timeout", str(TIME_LIMIT), *extra]
    started = time.monotonic()
    batch = subprocess.Popen([*(command or [sys.executable, "-m", "grader"]), *args], cwd=REPO, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = batch.communicate(timeout=900)
    seconds = time.monotonic() - started
    left, cgroups = left_behind(batch.pid)
    with open(tmp_path / "grades.csv") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return {"rows": rows, "out": out, "err": err, "code": batch.returncode, "left": left, "cgroups": cgroups,
            "seconds": seconds}


def assert_only_the_hog_lost(done, hog: str) -> None:
    rows = done["rows"]
    full = {exercise: sum(check_points(exercise).values()) for exercise in names()}
    assert {e: int(rows["classmate"][e]) for e in names()} == full, (rows["classmate"], done["err"])
    lost = sum(points for check, points in check_points("activation").items() if check in COMPARE_CHECKS)
    assert {e: int(rows[hog][e]) for e in names()} == {**dict.fromkeys(names(), 0),
                                                       "activation": full["activation"] - lost}, rows[hog]
    assert done["code"] == 0, done["err"]
    assert done["left"] == [], "processes of the hog outlived the batch"
    assert done["cgroups"] == [], "cgroups outlived the batch"


@pytest.mark.slow
@pytest.mark.parametrize("hog, kind", [("hog_forks", "pids"), ("hog_spins", "cpu"), ("hog_sessions", "cpu"),
                                       ("hog_memory", "memory")])
def test_a_hog_loses_its_own_call_and_its_classmate_graded_beside_it_keeps_every_point(tmp_path, hog, kind):
    """The fork bomb, the 64 spinning processes (in one session, and each in a session of its own) and the 8
    children of 1.5 GB each (2,000 MB per submission here) cost their classmate nothing."""
    real_protection(limits.Limits(2000, 256, 1.0, 2, 2), kind).close()
    done = grade_beside_a_classmate(tmp_path, hog, "--submission-memory", "2000")
    line = done["err"].splitlines()[0]
    assert line.startswith("limits per submission: cgroup") and "2000 MB of memory in all" in line, line
    assert_only_the_hog_lost(done, hog)
    if hog == "hog_memory":
        assert "ran out of memory" in done["rows"][hog]["notes"], done["rows"][hog]["notes"]


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGHUP], ids=["Ctrl-C", "a lost SSH session"])
def test_a_batch_interrupted_while_a_fork_bomb_runs_leaves_no_process_and_no_cgroup(tmp_path, stop):
    real_protection(limits.Limits(2000, 256, 1.0, 2, 2), "pids").close()
    if not (REPO / "solutions").is_dir() or not SUBMISSIONS.is_dir():
        pytest.skip("needs solutions/ and tests/submissions/ (not in the students' copy)")
    build("hog_forks", tmp_path / "hog_forks")
    batch = subprocess.Popen([sys.executable, "-m", "grader", str(tmp_path / "hog_forks"), str(REPO / "solutions"),
                              "--csv", str(tmp_path / "grades.csv"), "--jobs", "2", "--timeout", str(TIME_LIMIT)],
                             cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while len(named(HOG)) < 10 and time.monotonic() < deadline and batch.poll() is None:
        time.sleep(0.5)
    assert len(named(HOG)) >= 10, "the fork bomb did not start"
    batch.send_signal(stop)
    err = batch.communicate(timeout=300)[1]
    left, cgroups = left_behind(batch.pid)
    assert batch.returncode == 130 and "--resume" in err, err
    assert left == [] and cgroups == []


@pytest.mark.slow
def test_without_cgroups_the_kernels_autogroups_keep_a_classmates_cpu_from_one_sessions_spinners(tmp_path):
    """Why a submission spinning 64 processes lost only its own exercise even before the cgroups: every sandbox
    runs in a session of its own, and the kernel shares the CPU between sessions (autogroups), not processes."""
    if (why := autogroups_share_the_cpu()) is not None:
        pytest.skip(why)
    switched_off = ("import sys; from grader import limits; limits.protect = lambda plan: limits.Protection(plan, "
                    "None, 'switched off by the test'); from grader.batch import main; sys.exit(main(sys.argv[1:]))")
    done = grade_beside_a_classmate(tmp_path, "hog_spins", command=[sys.executable, "-c", switched_off])
    assert done["err"].startswith("no limits per submission (switched off by the test)")
    assert_only_the_hog_lost(done, "hog_spins")


SPINNERS = """import os, sys, time
for _ in range(63):
    if os.fork() == 0:
        if sys.argv[1] == "sessions":
            os.setsid()
        break
end = time.monotonic() + 6
while time.monotonic() < end:
    pass
"""
VICTIM = """import time
start, cpu = time.monotonic(), time.process_time()
while time.monotonic() - start < 3:
    pass
print((time.process_time() - cpu) / 3)
"""


def victims_cpu(spinners: str) -> float:
    """The share of one CPU a spinning process in a session of its own gets beside 64 spinning processes."""
    hogs = subprocess.Popen([sys.executable, "-c", SPINNERS, spinners], start_new_session=True)
    try:
        time.sleep(1)
        victim = subprocess.run([sys.executable, "-c", VICTIM], start_new_session=True, capture_output=True,
                                text=True, timeout=60)
    finally:
        hogs.wait(timeout=60)
    return float(victim.stdout)


@pytest.mark.slow
def test_autogroups_share_the_cpu_between_sessions_not_processes():
    """64 spinners in one session leave a process of another session about a CPU (of this machine's 2); 64 in
    64 sessions leave it a few percent: the sandbox's session is what protected a classmate without cgroups,
    and a submission that starts a session per process defeats it (hog_sessions), not a cgroup."""
    if (why := autogroups_share_the_cpu()) is not None:
        pytest.skip(why)
    one_session, many_sessions = victims_cpu("one"), victims_cpu("sessions")
    assert one_session > 0.5 and many_sessions < one_session / 3, (one_session, many_sessions)
