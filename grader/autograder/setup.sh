#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu); the bundle is unzipped in
# $ROOT/source. It installs a Python the course supports, bubblewrap and the course (the versions of
# constraints.txt), creates the unprivileged user of "user" isolation and computes the reference records, so that
# each submission is only graded (run_autograder).
#
# The Python: the image's python3 where it is recent enough (pyproject.toml's requires-python: Ubuntu 24.04's
# 3.12), else (Ubuntu 22.04's 3.10) python3.X from the deadsnakes PPA, the usual source of newer Pythons for
# Ubuntu LTS (it builds for 22.04 and 24.04, installs under /usr like the system's, which bubblewrap and the
# "student" user see), falling back to the image's own python3.X package (22.04's universe has a 3.11) when the
# PPA cannot be added. Sourced (". setup.sh"), this file only defines its functions: the tests run them alone.
set -euo pipefail

# The lowest Python version (X.Y) that pyproject.toml ($1) requires, 3.11 if it says none.
min_python() {
    local found
    found="$(grep -oE '^requires-python *= *">= *[0-9]+\.[0-9]+' "$1" | grep -oE '[0-9]+\.[0-9]+$' || true)"
    echo "${found:-3.11}"
}

# The version (X.Y) of the Python command $1; nothing (and status 1) if it does not run.
python_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null
}

# Whether version $1 (X.Y) is at least $2 (X.Y).
at_least() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

# Install a Python of at least version $1 (X.Y) with its venv module, and print its path: the image's python3
# where it is recent enough, else python$1 from the deadsnakes PPA, else from the image's own archive.
course_python() {
    local min="$1" version
    apt-get install -y --no-install-recommends python3 python3-venv >&2
    version="$(python_version python3 || true)"
    if [ -n "$version" ] && at_least "$version" "$min"; then
        command -v python3
        return
    fi
    echo "setup.sh: the image's python3 is ${version:-missing} and the course needs $min or later: installing" \
         "python$min from the deadsnakes PPA" >&2
    if ! { apt-get install -y software-properties-common gpg-agent >&2 \
            && add-apt-repository -y ppa:deadsnakes/ppa >&2 && apt-get update >&2; }; then
        echo "setup.sh: the deadsnakes PPA could not be added: trying the image's own python$min" >&2
    fi
    apt-get install -y --no-install-recommends "python$min" "python$min-venv" >&2 || true
    version="$(python_version "python$min" || true)"
    if [ -z "$version" ] || ! at_least "$version" "$min"; then
        echo "setup.sh: no Python $min or later could be installed (is this image Ubuntu 22.04 or 24.04?)" >&2
        return 1
    fi
    command -v "python$min"
}

main() {
    local ROOT="${AUTOGRADER_ROOT:-/autograder}"
    local SOURCE="$ROOT/source"
    local VENV="$ROOT/venv"
    local USER_NAME="${GRADER_SANDBOX_USER:-student}"
    local CONSTRAINTS="$SOURCE/constraints.txt"
    local PYTHON PINS

    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends bubblewrap
    PYTHON="$(course_python "$(min_python "$SOURCE/pyproject.toml")")"
    echo "setup.sh: Python $(python_version "$PYTHON") ($PYTHON)"

    if [ ! -f "$CONSTRAINTS" ]; then
        echo "setup.sh: $CONSTRAINTS is missing from the bundle (make autograder puts it there)" >&2
        exit 1
    fi
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -c "$CONSTRAINTS" --upgrade pip
    # torch and torchvision with pyproject.toml's pins: CPU wheels (smaller; their dependencies from PyPI), from
    # PyPI alone if that index fails. Every package at the version of constraints.txt.
    mapfile -t PINS < <(grep -oE '"torch(vision)?==[^"]+"' "$SOURCE/pyproject.toml" | tr -d '"')
    if [ "${#PINS[@]}" -ne 2 ]; then
        echo "setup.sh: the pins of torch and torchvision are not in $SOURCE/pyproject.toml" >&2
        exit 1
    fi
    "$VENV/bin/pip" install -c "$CONSTRAINTS" --index-url https://download.pytorch.org/whl/cpu \
            --extra-index-url https://pypi.org/simple "${PINS[@]}" \
        || "$VENV/bin/pip" install -c "$CONSTRAINTS" "${PINS[@]}"
    "$VENV/bin/pip" install -c "$CONSTRAINTS" "$SOURCE" pytest
    chmod -R a+rX "$VENV"

    id -u "$USER_NAME" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME"

    # The reference records, in $SOURCE/.cache/grading (keyed by the code and the seed that decide them).
    cd "$SOURCE"
    AE_DATA_DIR="$SOURCE/data" OMP_WAIT_POLICY=PASSIVE "$VENV/bin/python" -c '
from grader import reference
from grader.registry import names
seed = reference.grading_seed()
for exercise in names():
    reference.reference(exercise, seed)
    print(f"setup.sh: reference records of {exercise} computed (seed of solutions/grading.json)")
'
    chmod 700 "$SOURCE/solutions" "$SOURCE/.cache"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
