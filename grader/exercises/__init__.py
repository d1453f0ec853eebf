"""The graded exercises, one folder each: its probes and constants (``__init__.py``) beside its checks."""
