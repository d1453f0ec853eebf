"""``pytest tests/grading``: the grading checks of every exercise (``grader/exercises/*/test_*.py``), which
pytest collects through ``test_exercises.py``.

The checks run only when tests/grading is named on the command line (the untouched stubs would fail every
one of them): ``make test`` checks the grader itself. The options and the table of points are the plugin's,
:mod:`grader.plugin`.
"""
from pathlib import Path

from grader import plugin

HERE = Path(__file__).resolve().parent


def requested(config) -> bool:
    """Whether the command line names tests/grading (or a check file of an exercise)."""
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents or plugin.FOLDER in path.parents:
            return True
    return False


def pytest_addoption(parser):
    plugin.add_options(parser)


def pytest_configure(config):
    if requested(config):
        config.pluginmanager.register(plugin, "grading")


def pytest_ignore_collect(collection_path, config):
    return None if requested(config) else True


def pytest_pycollect_makemodule(module_path, parent):
    if module_path == HERE / "test_exercises.py":
        return plugin.Checks.from_parent(parent, path=module_path)
    return None
