"""`python -m ae`: the command line of `ae.cli`."""
import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while Python loads the command line
    sys.stderr.write("python -m ae: interrupted\n")
    raise SystemExit(130) from None

raise SystemExit(main())
