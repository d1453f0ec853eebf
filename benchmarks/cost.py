"""How training time grows: with the number of training images, and with the width of the hidden layer.

    python benchmarks/cost.py [--out results/cost.json] [--plot cost.png] [--repeats 3]

Each point is one epoch of ``ae.train`` of the book's model (``ae.HParams()``: 784-256-64, ReLU, batch 128),
the median of ``--repeats`` runs (the machine is shared and noisy). Sizes: the first 7,500 to 60,000 training
images at the book's width; widths: 64 to 1,024 hidden units on 15,000 images. A straight line through the
points (least squares) says how to predict a larger run; the script prints both tables with the line's
seconds per 10,000 images, writes them with the commit and the machine to ``--out``, and draws them to ``--plot``.
Grading time against class size is measured by ``benchmarks/grading.py``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import ae  # noqa: E402
from ae.data import subset  # noqa: E402
from ae.results import provenance, write_result  # noqa: E402

SIZES = (7_500, 15_000, 30_000, 60_000)
WIDTHS = (64, 128, 256, 512, 1024)
WIDTH_IMAGES = 15_000


def epoch_seconds(train_set, n: int, width: int, repeats: int) -> float:
    """Median seconds of one training epoch on the first ``n`` images with one hidden layer of ``width``."""
    hp = ae.HParams(hidden=(width,), epochs=1)
    times = []
    for _ in range(repeats):
        model, criterion, optimizer = ae.reset(hp)
        loader = ae.TensorLoader(subset(train_set, slice(n)), hp.batch_size, seed=hp.seed)
        times.append(ae.train(model, criterion, optimizer, loader, None, progress=False, log=None)["seconds"][-1])
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per point, median (default %(default)s)")
    parser.add_argument("--out", type=Path, help="write the tables, with provenance, to this JSON file")
    parser.add_argument("--plot", type=Path, help="draw both curves to this image file")
    parser.add_argument("--allow-dirty", action="store_true", help="write --out from uncommitted code")
    args = parser.parse_args()
    train_set, _ = ae.get_datasets()
    by_size = [{"images": n, "seconds": epoch_seconds(train_set, n, 256, args.repeats)} for n in SIZES]
    by_width = [{"width": w, "seconds": epoch_seconds(train_set, WIDTH_IMAGES, w, args.repeats)} for w in WIDTHS]
    slope, intercept = np.polyfit(SIZES, [row["seconds"] for row in by_size], 1)
    print("images  seconds per epoch (width 256)")
    for row in by_size:
        print(f"{row['images']:6d}  {row['seconds']:7.2f}")
    print(f"line: {intercept:.2f} s + {slope * 10_000:.2f} s per 10,000 images")
    print(f"width  seconds per epoch ({WIDTH_IMAGES} images)")
    for row in by_width:
        print(f"{row['width']:5d}  {row['seconds']:7.2f}")
    result = {**provenance("python benchmarks/cost.py", ae.get_device("cpu")), "by_size": by_size,
              "by_width": by_width, "seconds_per_10000_images": slope * 10_000, "fixed_seconds": intercept}
    if args.out:
        write_result(args.out, result, allow_dirty=args.allow_dirty)
    if args.plot:
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
        left.plot(SIZES, [row["seconds"] for row in by_size], "o-")
        left.set(xlabel="training images", ylabel="seconds per epoch", title="width 256")
        right.plot(WIDTHS, [row["seconds"] for row in by_width], "o-")
        right.set(xlabel="hidden units", xscale="log", title=f"{WIDTH_IMAGES:,} images")
        right.set_xticks(WIDTHS, [str(w) for w in WIDTHS])
        for ax in (left, right):
            ax.grid(True, alpha=0.3)
            ax.set_ylim(0, None)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)


if __name__ == "__main__":
    main()
