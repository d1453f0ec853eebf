"""`python -m grader DIR [DIR ...] --csv grades.csv`: grade a class of submissions (see `grader.batch`)."""
import sys

from .batch import main

sys.exit(main())
