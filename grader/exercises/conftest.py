"""``pytest grader/exercises --submission DIR``: the grading checks as the grader runs them (:mod:`grader.submission`),
with nothing of ``tests/``. Students run the same checks with ``pytest tests/grading``."""
from grader import plugin


def pytest_addoption(parser):
    plugin.add_options(parser)


def pytest_configure(config):
    config.pluginmanager.register(plugin, "grading")
