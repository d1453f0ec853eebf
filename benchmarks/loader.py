"""Images per second of the seed's pipeline against the fast in-memory loader, same model and steps.

The seed's pipeline is a ``DataLoader`` over the torchvision dataset with ``ToTensor()`` (one PIL image
per sample); the fast one is ``ae.TensorLoader`` (the whole split preloaded as one tensor). Both train the
same ``Net`` with the same batch size for the same number of steps; each is run ``--repeats`` times in
alternation and the median is reported, since the machine is shared and noisy.

    python benchmarks/loader.py [--steps 200] [--batch-size 128] [--repeats 5]
"""
import argparse
import statistics
import time

import ae
from ae import HParams, TensorLoader


def images_per_second(loader, steps: int, batch_size: int) -> float:
    model, criterion, optimizer = ae.reset(HParams(batch_size=batch_size))
    batches = iter(loader)
    start = time.perf_counter()
    for _ in range(steps):
        images, _ = next(batches)
        loss = criterion(model(images), images)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps per measurement (default 200)")
    parser.add_argument("--batch-size", type=int, default=128, help="images per step (default 128)")
    parser.add_argument("--repeats", type=int, default=5, help="measurements of each pipeline (default 5)")
    args = parser.parse_args()
    seed_loader, _ = ae.get_dataloaders(args.batch_size)
    fast_loader = TensorLoader(seed_loader.dataset, args.batch_size)
    seed, fast = [], []
    for _ in range(args.repeats):
        seed.append(images_per_second(seed_loader, args.steps, args.batch_size))
        fast.append(images_per_second(fast_loader, args.steps, args.batch_size))
    seed_median, fast_median = statistics.median(seed), statistics.median(fast)
    print(f"seed pipeline (DataLoader + ToTensor): {seed_median:8.0f} images/s")
    print(f"fast loader (TensorLoader):            {fast_median:8.0f} images/s")
    print(f"speed-up: {fast_median / seed_median:.2f}x (median of {args.repeats} runs of {args.steps} steps)")


if __name__ == "__main__":
    main()
