"""Grading the exercises: run a submission's functions in a sandboxed process and record what they return.

- :mod:`ae.grading.probes`: the data the grader passes to the exercises and the calls it makes;
- :mod:`ae.grading.sandbox`: runs the probes of one exercise on a submission in a separate, limited process;
- :mod:`ae.grading.child`: what runs inside that process;
- :mod:`ae.grading.reference`: the records of the reference solutions, cached on disk;
- :mod:`ae.grading.wire`: how records travel from the sandboxed process to the grader (JSON).

The checks and their points are the pytest suite in ``tests/grading``; ``python -m ae.grade`` runs it on a class.
"""
from .probes import EXERCISES, exercise_datasets

__all__ = ["EXERCISES", "exercise_datasets"]
