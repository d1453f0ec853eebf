"""The graded exercises, one folder each: its probes and constants (``__init__.py``) beside its checks.

The rule every exercise shares: a number the reference solution computes (a test MSE) passes when the
submission's is within ``RELATIVE_TOLERANCE`` of it, with the same data, seed and budget.
"""
RELATIVE_TOLERANCE = 0.10
