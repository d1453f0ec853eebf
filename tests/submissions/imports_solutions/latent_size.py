"""Hostile: finds the course folder through ae and imports the reference solution from it."""
import sys
from pathlib import Path

import ae

sys.path.insert(0, str(Path(ae.__file__).resolve().parent.parent))
from solutions.latent_size import *  # noqa: E402, F403
