"""The grading checks of every exercise: ``conftest.py`` collects ``grader/exercises/*/test_*.py`` here."""
