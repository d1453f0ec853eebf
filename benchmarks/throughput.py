"""How close training comes to the machine's peak: Hinton & Salakhutdinov's network against torch's matmul rate.

In one run, alternating ``--repeats`` times (the machine is shared and noisy; medians are reported):

- the **matmul rate**: torch's matrix products alone, at exactly the shapes one training step of the
  784-1000-500-250-30 network multiplies (forward, and backward for the weights and the inputs), in GFLOP/s;
- the **training rate**: ``ae.train`` on MNIST with the reproduction's hyperparameters
  (``ae.reproduce.HINTON2006``: activation, batch size, optimizer), in images per second and in GFLOP/s of
  those same matrix products.

The fraction of peak is the training rate over the matmul rate, both in float32; ``--bf16`` measures both in
bfloat16 instead (the matrix products alone, and ``ae.train(..., bf16=True)``). A last line times the
activations alone: torch's ELU, ``ae``'s own, GELU and ReLU. ``--profile`` adds the profiler's table of
where a training step spends its time. The header line shows ``OMP_WAIT_POLICY``: with ``PASSIVE`` (what
``make`` sets, for builds that run two pages at a time), torch's threads sleep between operations and every
small operation pays for waking them, so a lone training runs slower; run this without it.

    python benchmarks/throughput.py [--steps 60] [--repeats 5] [--batch-size N] [--activation NAME] [--bf16]
                                    [--profile]
"""
import argparse
import os
import statistics
import time

import torch
from torch import nn
from torch.profiler import ProfilerActivity, profile

import ae
from ae.data import subset
from ae.reproduce import HINTON2006


def layer_shapes(model) -> list[tuple[int, int]]:
    """``(in, out)`` of every linear layer of ``model``, in order."""
    return [(layer.in_features, layer.out_features) for layer in model.modules() if isinstance(layer, nn.Linear)]


def step_products(shapes, batch_size: int) -> list[tuple[int, int, int]]:
    """The matrix products ``(m, k, n)`` of one training step: each layer's forward product, its weight gradient,
    and its input gradient (except the first layer's: the images need none)."""
    products = []
    for index, (n_in, n_out) in enumerate(shapes):
        products.append((batch_size, n_in, n_out))  # forward: (B, in) @ (in, out)
        products.append((n_out, batch_size, n_in))  # weight gradient: (out, B) @ (B, in)
        if index > 0:
            products.append((batch_size, n_out, n_in))  # input gradient: (B, out) @ (out, in)
    return products


def flops(products) -> int:
    return sum(2 * m * k * n for m, k, n in products)


def matmul_rate(products, dtype=torch.float32, repeats: int = 20) -> float:
    """GFLOP/s of torch's matrix products alone at these shapes (the best of a few timings)."""
    operands = [(torch.rand(m, k, dtype=dtype), torch.rand(k, n, dtype=dtype)) for m, k, n in products]
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            for a, b in operands:
                torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return repeats * flops(products) / best / 1e9


def training_rate(hp, train_set, steps: int, bf16: bool = False) -> float:
    """Images per second of ``ae.train`` over ``steps`` batches of MNIST (after 5 warm-up steps)."""
    model, criterion, optimizer = ae.reset(hp)
    warm_up, timed = (ae.TensorLoader(subset(train_set, slice(n * hp.batch_size)), hp.batch_size, seed=hp.seed)
                      for n in (5, steps))
    ae.train(model, criterion, optimizer, warm_up, None, progress=False, log=None, bf16=bf16)
    logs = ae.train(model, criterion, optimizer, timed, None, progress=False, log=None, bf16=bf16)
    return steps * hp.batch_size / logs["seconds"][-1]


def activation_microseconds(module, shape=(128, 1000), repeats: int = 100) -> float:
    """Microseconds of one forward and backward pass of ``module`` on a batch of ``shape`` (the best of 5)."""
    x = torch.randn(shape, requires_grad=True)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            module(x).backward(torch.ones(shape))
        best = min(best, time.perf_counter() - start)
    return best / repeats * 1e6


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps per timing (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of each kind (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=HINTON2006.batch_size)
    parser.add_argument("--activation", default=HINTON2006.activation)
    parser.add_argument("--bf16", action="store_true",
                        help="matrix products in bfloat16, and training with ae.train's bf16 (its forward pass)")
    parser.add_argument("--profile", action="store_true", help="print where a training step spends its time")
    args = parser.parse_args(argv)
    hp = HINTON2006.replace(batch_size=args.batch_size, activation=args.activation)
    train_set, _ = ae.get_datasets()
    shapes = layer_shapes(ae.Net(hp.latent_size, hp.hidden, hp.activation))
    products = step_products(shapes, hp.batch_size)
    per_image = flops(products) / hp.batch_size
    print(f"network {'-'.join(str(n) for n, _ in shapes)}-{shapes[-1][1]} and back, {hp.activation}, "
          f"batch {hp.batch_size}, {hp.optimizer}, {hp.loss}, {'bfloat16' if args.bf16 else 'float32'}; "
          f"{torch.get_num_threads()} torch threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(not set)')}; "
          f"{per_image / 1e6:.1f} MFLOP of matrix products per image")
    peaks, rates = [], []
    for _ in range(args.repeats):
        peaks.append(matmul_rate(products, torch.bfloat16 if args.bf16 else torch.float32))
        rates.append(training_rate(hp, train_set, args.steps, args.bf16))
        print(f"  matmul {peaks[-1]:6.1f} GFLOP/s   training {rates[-1]:7.0f} images/s = "
              f"{rates[-1] * per_image / 1e9:6.1f} GFLOP/s")
    peak, rate = statistics.median(peaks), statistics.median(rates)
    print(f"median: matmul peak {peak:.1f} GFLOP/s, training {rate:.0f} images/s = {rate * per_image / 1e9:.1f} "
          f"GFLOP/s, fraction of peak {rate * per_image / 1e9 / peak:.2f}")
    print("one forward and backward pass on a 128x1000 batch: "
          + ", ".join(f"{name} {activation_microseconds(module):.0f} us" for name, module in
                      (("torch.nn.ELU", nn.ELU()), ("ae.model.ELU", ae.model.ELU()), ("torch.nn.GELU", nn.GELU()),
                       ("torch.nn.ReLU", nn.ReLU()))))
    if args.profile:
        model, criterion, optimizer = ae.reset(hp)
        loader = ae.TensorLoader(subset(train_set, slice(args.steps * hp.batch_size)), hp.batch_size, seed=hp.seed)
        with profile(activities=[ProfilerActivity.CPU]) as profiler:
            ae.train(model, criterion, optimizer, loader, None, progress=False, log=None, bf16=args.bf16)
        print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


if __name__ == "__main__":
    main()
