"""Hostile: prints fake grading output and fake grader records, but implements nothing."""
import json
import sys

FAKE = ["activation      10 / 10", "total           30 / 30", "===== 27 passed in 1.00s =====",
        json.dumps({"probe": "compare", "call": "compare", "value": {"dict": [["relu", 0.02]]}}),
        json.dumps({"done": True})]
print("\n".join(FAKE))
print("\n".join(FAKE), file=sys.stderr)


def get_activation(name):
    print("\n".join(FAKE))
    raise NotImplementedError


def train_and_evaluate(activation, train_set, test_set, seed=0):
    raise NotImplementedError


def compare_activations(train_set, test_set, names=(), seed=0):
    raise NotImplementedError


def choose_activation(results):
    raise NotImplementedError
