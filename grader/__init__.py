"""The grader of the course's exercises, apart from the teaching package ``ae`` (which it uses, never the reverse).

- :mod:`grader.registry`: the exercises, one folder each under ``grader/exercises/`` (probes and checks);
- :mod:`grader.probes`: what a probe is, and the inputs the probes pass;
- :mod:`grader.sandbox`: runs the probes of one exercise on a submission in an isolated process;
- :mod:`grader.child`: what runs inside that process;
- :mod:`grader.wire`: the plain data that comes out, checked strictly;
- :mod:`grader.reference`: the reference solution's records, computed outside any sandbox and cached;
- :mod:`grader.plugin`: the pytest plugin behind ``pytest tests/grading``;
- :mod:`grader.batch`: ``python -m grader``, a class at once;
- :mod:`grader.gradescope`: the Gradescope autograder.
"""
