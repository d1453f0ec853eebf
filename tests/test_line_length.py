"""The package's source fits the book's column: the book shows it (included listings, the [source] pages), and a
1280-pixel-wide window shows about 124 characters of code (tests/book/test_browser.py measures the pages)."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINE = 118


@pytest.mark.parametrize("path", sorted((ROOT / "ae").glob("*.py")), ids=lambda path: path.name)
def test_no_line_of_ae_is_wider_than_the_column(path):
    long = [f"line {number}: {len(line)} characters" for number, line in
            enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if len(line) > MAX_LINE]
    assert not long, f"ae/{path.name} has lines wider than the book's column ({MAX_LINE}):\n" + "\n".join(long)
