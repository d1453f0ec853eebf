"""`python -m ae.grade`: grade a class of submissions; the grader itself is the package `grader`."""
from grader.batch import main

if __name__ == "__main__":
    raise SystemExit(main())
