"""Similarity of the submissions: ``python -m grader.similarity DIR [DIR ...] --report similarity.html``.

Each exercise file is compared with the same file of every other submission by copydetect, with the starter code
(``exercises/``) as boilerplate, so that the stubs' text never counts. Writes copydetect's HTML report and, beside
it (``similarity.csv``), the pairs above the threshold, most similar first; prints them too.
"""
from __future__ import annotations

import csv
import io
import os
import sys
import warnings
from pathlib import Path

from copydetect import CopyDetector

from ae.paths import atomic_write

from .batch import Parser, row_names
from .registry import names

STARTER = Path(__file__).resolve().parent.parent / "exercises"
THRESHOLD = 0.5
FIELDS = ["submission_a", "submission_b", "exercise", "similarity_a", "similarity_b"]


def table_path(report) -> Path:
    """Where the table of the pairs goes: the report's path with ``.csv``."""
    return Path(report).with_suffix(".csv")


def check_report(report, force: bool) -> str | None:
    """Why the report (and its table) cannot be written, or None."""
    path = Path(report)
    if path.suffix != ".html":
        return f"{report}: the report's name must end in .html (the table goes beside it, in .csv)"
    if not path.parent.resolve().is_dir() or not os.access(path.parent.resolve(), os.W_OK):
        return f"{report}: its folder does not exist or cannot be written"
    taken = [p for p in (path, table_path(path)) if p.exists()]
    if taken and not force:
        return f"{taken[0]} exists: pass --force to replace it"
    return None


def compare(folders, threshold: float = THRESHOLD, starter=STARTER) -> tuple[str, list[dict]]:
    """copydetect's HTML report and the pairs of submissions (one row per exercise) above ``threshold``."""
    folders = [Path(f) for f in folders]
    detector = CopyDetector(boilerplate_dirs=[str(starter)], extensions=["py"], display_t=threshold,
                            same_name_only=True, autoopen=False, silent=True)
    owner = {}
    for name, folder in zip(row_names(folders), folders):
        for exercise in names():
            if (folder / f"{exercise}.py").is_file():
                owner[str(folder / f"{exercise}.py")] = name
                detector.add_file(str(folder / f"{exercise}.py"))
    if not owner:
        raise ValueError(f"no exercise file ({', '.join(n + '.py' for n in names())}) in the submissions")
    detector.run()
    pairs = [{"submission_a": owner[a], "submission_b": owner[b], "exercise": Path(a).stem,
              "similarity_a": round(float(sim_a), 3), "similarity_b": round(float(sim_b), 3)}
             for sim_a, sim_b, a, b, *_ in detector.get_copied_code_list()]
    pairs.sort(key=lambda p: (-max(p["similarity_a"], p["similarity_b"]), p["exercise"], p["submission_a"]))
    with warnings.catch_warnings():  # copydetect 0.5.0 reads its template with importlib.resources.open_text
        warnings.simplefilter("ignore", DeprecationWarning)
        return detector.generate_html_report(output_mode="return"), pairs


def write_report(folders, report, threshold: float = THRESHOLD, starter=STARTER) -> list[dict]:
    """Write the HTML report and its CSV table (each atomically), print the pairs, return them."""
    html, pairs = compare(folders, threshold, starter)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(pairs)
    atomic_write(Path(report), lambda tmp: tmp.write_text(html, encoding="utf-8"))
    atomic_write(table_path(report), lambda tmp: tmp.write_text(text.getvalue()))
    print(f"\n{len(pairs)} pair(s) of submissions above similarity {threshold:g} (report: {report}, table: "
          f"{table_path(report)}):")
    for p in pairs:
        print(f"{p['similarity_a']:>6.0%} {p['similarity_b']:>6.0%}  {p['exercise']:<12} {p['submission_a']} ~ "
              f"{p['submission_b']}")
    return pairs


def main(argv=None) -> int:
    """Compare the submissions and write the report; 2 on bad arguments."""
    parser = Parser(prog="python -m grader.similarity", description="A similarity report of the submissions.")
    parser.add_argument("submissions", nargs="+", metavar="DIR", help="submission folders, laid out like exercises/")
    parser.add_argument("--report", required=True, metavar="FILE.html",
                        help="write copydetect's HTML report here, and the pairs above the threshold beside it (.csv)")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help="report the pairs more similar than this, from 0 to 1 (default %(default)s)")
    parser.add_argument("--starter", default=str(STARTER), metavar="DIR",
                        help="the starter code, left out of the comparison (default: the course's exercises/)")
    parser.add_argument("--force", action="store_true", help="replace the report and its table if they exist")
    args = parser.parse_args(argv)
    for folder in [*args.submissions, args.starter]:
        if not Path(folder).is_dir():
            parser.error(f"{folder}: no such folder")
    if not 0 <= args.threshold <= 1:
        parser.error("--threshold must be from 0 to 1")
    if (error := check_report(args.report, args.force)) is not None:
        parser.error(f"--report {error}")
    try:
        write_report(args.submissions, args.report, args.threshold, args.starter)
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
