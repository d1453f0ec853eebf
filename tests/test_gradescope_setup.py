"""The bundle's ``setup.sh`` on Gradescope's Ubuntu images, with stand-ins for the image's commands.

Nothing is installed: ``apt-get``, ``add-apt-repository``, the image's ``python3`` (Ubuntu 22.04's 3.10 or
24.04's 3.12) and the Pythons they would install are small scripts on ``PATH`` that record their calls. Sourced,
``setup.sh`` only defines its functions, so its choice of Python runs alone; run, it goes through every step
with the same stand-ins (pip and the venv's Python included).
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SETUP = REPO / "grader" / "autograder" / "setup.sh"
PYPROJECT = REPO / "pyproject.toml"
if not SETUP.is_file():
    pytest.skip("the Gradescope bundle's files are not in this copy of the course", allow_module_level=True)

# A Python that answers the version query with its version and records every other call.
FAKE_PYTHON = """#!/bin/sh
echo "$(basename "$0") $*" >> "$CALLS"
case "$1 $2" in
    "-m venv")
        mkdir -p "$3/bin"
        for tool in pip python; do
            printf '#!/bin/sh\\necho "venv-%s $*" >> "$CALLS"\\n' "$tool" > "$3/bin/$tool"
            chmod +x "$3/bin/$tool"
        done ;;
    -c*) echo {version} ;;
esac
"""
# apt-get installs python3.X, when asked, as a Python of that version (unless $NO_PYTHON names it).
FAKE_APT_GET = """#!/bin/sh
echo "apt-get $*" >> "$CALLS"
for package in "$@"; do
    case "$package" in
        python3.[0-9]*-*) ;;
        python3.[0-9]*)
            [ "$package" = "$NO_PYTHON" ] && exit 100
            sed "s/{{version}}/${{package#python}}/" "$FAKES/python.template" > "$FAKES/$package"
            chmod +x "$FAKES/$package" ;;
    esac
done
"""
FAKE_ADD_APT_REPOSITORY = """#!/bin/sh
echo "add-apt-repository $*" >> "$CALLS"
exit ${PPA_STATUS:-0}
"""


def image(tmp_path: Path, python3: str | None) -> dict:
    """The environment of a fake Ubuntu image whose python3 is version ``python3`` (None: no python3)."""
    fakes = tmp_path / "fakes"
    fakes.mkdir()
    (fakes / "python.template").write_text(FAKE_PYTHON)
    for name, text in (("apt-get", FAKE_APT_GET.format()), ("add-apt-repository", FAKE_ADD_APT_REPOSITORY),
                       ("useradd", '#!/bin/sh\necho "useradd $*" >> "$CALLS"\n'),
                       *((("python3", FAKE_PYTHON.replace("{version}", python3)),) if python3 else ())):
        (fakes / name).write_text(text)
        (fakes / name).chmod(0o755)
    # Only the stand-ins and the tools setup.sh uses: no Python of this machine can be found.
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("bash", "sh", "grep", "sed", "sort", "head", "tr", "printf", "basename", "mkdir", "chmod", "cat",
                 "id", "env", "dirname"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    return {"PATH": f"{fakes}:{tools}", "CALLS": str(tmp_path / "calls"), "FAKES": str(fakes), "HOME": str(tmp_path),
            "LANG": "C"}


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


def course_python(tmp_path: Path, env: dict, minimum: str = "3.11"):
    return subprocess.run(["bash", "-c", f'. "{SETUP}" && course_python {minimum}'], env=env, capture_output=True,
                          text=True, timeout=60)


def test_pyproject_says_the_python_the_course_needs(tmp_path):
    done = subprocess.run(["bash", "-c", f'. "{SETUP}" && min_python "{PYPROJECT}" && min_python /dev/null'],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["3.11", "3.11"]
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nrequires-python = ">=3.12"\n')
    done = subprocess.run(["bash", "-c", f'. "{SETUP}" && min_python "{other}"'], capture_output=True, text=True)
    assert done.stdout.strip() == "3.12"


@pytest.mark.parametrize("version, minimum, result", [
    ("3.10", "3.11", False), ("3.11", "3.11", True), ("3.12", "3.11", True), ("3.9", "3.11", False),
    ("3.13", "3.12", True), ("4.0", "3.11", True),
])
def test_versions_compare_as_numbers(version, minimum, result):
    done = subprocess.run(["bash", "-c", f'. "{SETUP}" && at_least {version} {minimum}'], timeout=60)
    assert (done.returncode == 0) is result


def test_ubuntu_22_04_gets_python_3_11_from_deadsnakes(tmp_path):
    env = image(tmp_path, "3.10")
    done = course_python(tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{env['FAKES']}/python3.11"
    assert "the image's python3 is 3.10 and the course needs 3.11 or later" in done.stderr
    made = [call for call in calls(tmp_path) if not call.startswith("python")]
    assert made == ["apt-get install -y --no-install-recommends python3 python3-venv",
                    "apt-get install -y software-properties-common gpg-agent",
                    "add-apt-repository -y ppa:deadsnakes/ppa",
                    "apt-get update",
                    "apt-get install -y --no-install-recommends python3.11 python3.11-venv"]


def test_ubuntu_24_04_keeps_its_python_3_12(tmp_path):
    env = image(tmp_path, "3.12")
    done = course_python(tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{env['FAKES']}/python3"
    assert not [call for call in calls(tmp_path) if "deadsnakes" in call or "python3.1" in call]


def test_without_the_ppa_the_images_own_python_is_tried(tmp_path):
    env = {**image(tmp_path, "3.10"), "PPA_STATUS": "1"}
    done = course_python(tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{env['FAKES']}/python3.11"
    assert "the deadsnakes PPA could not be added" in done.stderr
    assert calls(tmp_path)[-2:] == ["apt-get install -y --no-install-recommends python3.11 python3.11-venv",
                                    "python3.11 -c import sys; print(\"%d.%d\" % sys.version_info[:2])"]


@pytest.mark.parametrize("python3", ["3.10", None], ids=["python3 too old", "no python3"])
def test_no_python_to_be_had_is_said_in_one_line(tmp_path, python3):
    env = {**image(tmp_path, python3), "NO_PYTHON": "python3.11"}
    done = course_python(tmp_path, env)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines()[-1].startswith("setup.sh: no Python 3.11 or later could be installed")


def test_setup_installs_the_pinned_course_with_that_python(tmp_path):
    """The whole of setup.sh on a fake Ubuntu 22.04: the venv is made with the Python it chose, and every pip
    install is constrained by the bundle's constraints.txt, torch and torchvision at pyproject.toml's pins."""
    env = image(tmp_path, "3.10")
    root = tmp_path / "autograder"
    source = root / "source"
    (source / "solutions").mkdir(parents=True)
    (source / ".cache").mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copyfile(REPO / name, source / name)
    env |= {"AUTOGRADER_ROOT": str(root), "GRADER_SANDBOX_USER": "ae-no-such-user"}
    done = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"setup.sh: Python 3.11 ({env['FAKES']}/python3.11)" in done.stdout
    made = calls(tmp_path)
    constraints = f"-c {source}/constraints.txt"
    assert f"python3.11 -m venv {root}/venv" in made
    pips = [call for call in made if call.startswith("venv-pip")]
    assert pips and all(call.startswith(f"venv-pip install {constraints} ") for call in pips)
    assert pips[0] == f"venv-pip install {constraints} --upgrade pip"
    assert pips[1].endswith("--index-url https://download.pytorch.org/whl/cpu --extra-index-url "
                            "https://pypi.org/simple torch==2.14.1 torchvision==0.29.1")
    assert pips[-1] == f"venv-pip install {constraints} {source} pytest"
    assert "useradd --system --no-create-home --shell /usr/sbin/nologin ae-no-such-user" in made
    assert "venv-python -c" in "\n".join(made) and "reference.reference(exercise, seed)" in "\n".join(made)
    assert oct(os.stat(source / "solutions").st_mode & 0o777) == "0o700"


def test_setup_refuses_a_bundle_without_its_constraints(tmp_path):
    env = image(tmp_path, "3.12")
    source = tmp_path / "autograder" / "source"
    source.mkdir(parents=True)
    shutil.copyfile(PYPROJECT, source / "pyproject.toml")
    done = subprocess.run(["bash", str(SETUP)], env={**env, "AUTOGRADER_ROOT": str(tmp_path / "autograder")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "constraints.txt is missing from the bundle" in done.stderr
