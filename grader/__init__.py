"""The grader of the course's exercises, apart from the teaching package ``ae`` (which it uses, never the reverse).

- :mod:`grader.registry`: the exercises, one folder each under ``grader/exercises/`` (probes and checks);
- :mod:`grader.probes`: what a probe is, and the inputs the probes pass;
- :mod:`grader.sandbox`: runs the probes of one exercise on a submission in an isolated process;
- :mod:`grader.child`: what runs inside that process;
- :mod:`grader.wire`: the plain data that comes out, checked strictly;
- :mod:`grader.reference`: the reference solution's records, computed outside any sandbox and cached;
- :mod:`grader.plugin`: the pytest plugin of the checks (``pytest tests/grading``, ``pytest grader/exercises``);
- :mod:`grader.report`: the typed report of one graded submission;
- :mod:`grader.submission`: grades one submission (the batch and Gradescope both call it);
- :mod:`grader.limits`: the cgroup of each submission of a batch;
- :mod:`grader.batch`: ``python -m grader``, a class at once;
- :mod:`grader.similarity`: how alike the submissions of a class are;
- :mod:`grader.gradescope`: the Gradescope autograder.
"""
