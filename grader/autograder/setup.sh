#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu); the bundle is unzipped in
# $ROOT/source. It installs Python, bubblewrap and the course, creates the unprivileged user of "user" isolation
# and computes the reference records, so that each submission is only graded (run_autograder).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
USER_NAME="${GRADER_SANDBOX_USER:-student}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap

python3 -m venv "$VENV"
"$VENV/bin/pip" install --upgrade pip
# torch and torchvision with pyproject.toml's pins: CPU wheels (smaller), from PyPI if that index fails.
mapfile -t PINS < <(grep -oE '"torch(vision)?==[^"]+"' "$SOURCE/pyproject.toml" | tr -d '"')
if [ "${#PINS[@]}" -ne 2 ]; then
    echo "setup.sh: the pins of torch and torchvision are not in $SOURCE/pyproject.toml" >&2
    exit 1
fi
"$VENV/bin/pip" install --index-url https://download.pytorch.org/whl/cpu "${PINS[@]}" \
    || "$VENV/bin/pip" install "${PINS[@]}"
"$VENV/bin/pip" install "$SOURCE" pytest
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
