"""How close training comes to the machine's peak: Hinton & Salakhutdinov's network against torch's matmul rates.

In one run, alternating ``--repeats`` times (the machine is shared and noisy; medians are reported), for each
precision the training can use, float32 and bfloat16:

- the **peak** of torch's matrix products alone: at exactly the shapes one training step of the 784-1000-500-250-30
  network multiplies (forward, and backward for the weights and the inputs), in the layouts ``nn.Linear`` gives
  them (a weight matrix is stored (out, in): some operands are transposed views), and at a large square shape
  (``--large``, 2048 by default, in the forward layout), in GFLOP/s;
- the **training rate**: ``ae.train`` on MNIST with the reproduction's hyperparameters (``ae.reproduce.HINTON2006``:
  activation, batch size, optimizer, loss) and its images moved by up to a pixel (``RECIPE``), in float32 and
  with ``bf16=True`` (the step under ``torch.autocast`` in bfloat16, as the reproduction trains), in images per
  second and in GFLOP/s of those same matrix products.

Each training rate is reported as a fraction of the peak of its own precision at the step's shapes. The first line
says what the CPU offers for bfloat16: torch's CPU capability (``torch.backends.cpu.get_cpu_capability()``) and
the flags of ``/proc/cpuinfo`` that matter (``avx512_bf16``: bfloat16 dot products in the vector unit; ``amx_bf16``
and ``amx_tile``: the matrix engine). Without them, bfloat16 products are converted and run in float32 units, and
bfloat16 is no faster. A last line times the activations alone: torch's ELU, GELU and ReLU.
``--profile`` adds where a training step in the precision the reproduction uses here spends its time: the
matrix products against the rest, and the profiler's table. The header line shows
``OMP_WAIT_POLICY``: with ``PASSIVE`` (what ``make`` sets, for builds that run two pages at a time), torch's
threads sleep between operations and every small operation pays for waking them, so a lone training runs slower;
run this without it.

    python benchmarks/throughput.py [--steps 60] [--repeats 5] [--batch-size N] [--activation NAME] [--large N]
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
from ae.data import ShiftedLoader, subset
from ae.reproduce import HINTON2006, RECIPE
from ae.results import BFLOAT16_FLAGS, cpu
from ae.train import bfloat16_is_fast


def layer_shapes(model) -> list[tuple[int, int]]:
    """``(in, out)`` of every linear layer of ``model``, in order."""
    return [(layer.in_features, layer.out_features) for layer in model.modules() if isinstance(layer, nn.Linear)]


def step_products(shapes, batch_size: int) -> list[tuple[int, int, int, str]]:
    """The matrix products ``(m, k, n, layout)`` of one training step: each layer's forward product, its weight
    gradient, and its input gradient (except the first layer's: the images need none). ``layout`` says which
    operand is a transposed view, as ``nn.Linear`` stores its weights (out, in): ``"NT"`` the second (the
    forward, ``x @ W.T``), ``"TN"`` the first (the weight gradient, ``g.T @ x``), ``"NN"`` neither (the input
    gradient, ``g @ W``). The layout changes the speed: bfloat16 without bfloat16 instructions, for one, runs
    several times faster in the layouts of ``nn.Linear`` than with both operands contiguous."""
    products = []
    for index, (n_in, n_out) in enumerate(shapes):
        products.append((batch_size, n_in, n_out, "NT"))  # forward: (B, in) @ (out, in).T
        products.append((n_out, batch_size, n_in, "TN"))  # weight gradient: (B, out).T @ (B, in)
        if index > 0:
            products.append((batch_size, n_out, n_in, "NN"))  # input gradient: (B, out) @ (out, in)
    return products


def flops(products) -> int:
    return sum(2 * m * k * n for m, k, n, _ in products)


def operands(m: int, k: int, n: int, layout: str, dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Random ``(m, k)`` and ``(k, n)`` operands of ``dtype``, each a transposed view where ``layout`` says T."""
    a = torch.rand(k, m, dtype=dtype).T if layout[0] == "T" else torch.rand(m, k, dtype=dtype)
    b = torch.rand(n, k, dtype=dtype).T if layout[1] == "T" else torch.rand(k, n, dtype=dtype)
    return a, b


PRECISIONS = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def cpu_description() -> str:
    """The CPU's name, torch's capability on it, and which of ``BFLOAT16_FLAGS`` it has."""
    found = cpu()
    lacks = [flag for flag in BFLOAT16_FLAGS if flag not in found["bfloat16_flags"]]
    has = ", ".join(found["bfloat16_flags"]) or "none"
    return (f"CPU: {found['name']}, torch capability {found['capability']}; has {has} of the bfloat16 flags; "
            f"lacks {', '.join(lacks) or 'none'}")


def matmul_rate(products, dtype=torch.float32, seconds: float = 0.3) -> float:
    """GFLOP/s of torch's matrix products alone at these shapes and layouts: the best of 5 timings of about
    ``seconds`` each (as many passes over the products as fit, measured with one pass first; that pass alone where
    it took longer, as bfloat16 does on a CPU without bfloat16 instructions)."""
    pairs = [operands(*product, dtype) for product in products]

    def timed(passes: int) -> float:
        start = time.perf_counter()
        for _ in range(passes):
            for a, b in pairs:
                torch.mm(a, b)
        return time.perf_counter() - start

    first = timed(1)
    if first > seconds:
        return flops(products) / first / 1e9
    passes = max(1, round(seconds / first))
    return passes * flops(products) / min(timed(passes) for _ in range(5)) / 1e9


def warmed_up(hp, train_set, steps: int, bf16: bool):
    """A fresh model trained for 5 warm-up steps, and a function that trains it ``steps`` more batches of MNIST
    (``ae.train``) and returns its logs; each image moved as the reproduction's recipe moves it (``RECIPE``)."""
    model, criterion, optimizer = ae.reset(hp)
    warm_up, timed = (ShiftedLoader(subset(train_set, slice(n * hp.batch_size)), hp.batch_size, seed=hp.seed,
                                    shift=RECIPE["shift"]) for n in (5, steps))
    ae.train(model, criterion, optimizer, warm_up, None, progress=False, log=None, bf16=bf16)
    return lambda: ae.train(model, criterion, optimizer, timed, None, progress=False, log=None, bf16=bf16)


def training_rate(hp, train_set, steps: int, bf16: bool = False) -> float:
    """Images per second of ``ae.train`` over ``steps`` batches of MNIST (after 5 warm-up steps)."""
    return steps * hp.batch_size / warmed_up(hp, train_set, steps, bf16)()["seconds"][-1]


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


MATRIX_PRODUCTS = ("aten::mm", "aten::addmm")  # the profiler's names of the step's matrix products


def profile_step(hp, train_set, steps: int, bf16: bool) -> str:
    """Where a training step spends its time (after 5 warm-up steps): the milliseconds per step of the matrix
    products and of everything else, then the profiler's table. On a matrix engine the products are fast and
    the rest (activations, loss, casts, the optimizer) sets the pace."""
    train_timed = warmed_up(hp, train_set, steps, bf16)
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        train_timed()
    events = profiler.key_averages()
    total = sum(event.self_cpu_time_total for event in events) / steps / 1e3
    products = sum(event.self_cpu_time_total for event in events if event.key in MATRIX_PRODUCTS) / steps / 1e3
    return (f"a {'bfloat16' if bf16 else 'float32'} training step of batch {hp.batch_size}, profiled: "
            f"{total:.2f} ms, of which matrix products {products:.2f} ms ({products / total:.0%}), the rest "
            f"{total - products:.2f} ms\n" + events.table(sort_by="self_cpu_time_total", row_limit=15))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="training steps per timing (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="timings of each kind (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=HINTON2006.batch_size)
    parser.add_argument("--activation", default=HINTON2006.activation)
    parser.add_argument("--large", type=int, default=2048, help="the side of the large square product (default "
                        "%(default)s)")
    parser.add_argument("--profile", action="store_true", help="print where a training step spends its time")
    args = parser.parse_args(argv)
    hp = HINTON2006.replace(batch_size=args.batch_size, activation=args.activation)
    train_set, _ = ae.get_datasets()
    shapes = layer_shapes(ae.Net(hp.latent_size, hp.hidden, hp.activation))
    products, large = step_products(shapes, hp.batch_size), [(args.large,) * 3 + ("NT",)]
    per_image = flops(products) / hp.batch_size
    print(cpu_description())
    print(f"network {'-'.join(str(n) for n, _ in shapes)}-{shapes[-1][1]} and back, {hp.activation}, "
          f"batch {hp.batch_size}, {hp.optimizer}, {hp.loss}; {torch.get_num_threads()} torch threads, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(not set)')}; "
          f"{per_image / 1e6:.1f} MFLOP of matrix products per image")
    timings = {name: {"step": [], "large": [], "training": []} for name in PRECISIONS}
    for _ in range(args.repeats):
        for name, dtype in PRECISIONS.items():
            times = timings[name]
            times["step"].append(matmul_rate(products, dtype))
            times["large"].append(matmul_rate(large, dtype))
            times["training"].append(training_rate(hp, train_set, args.steps, bf16=dtype is torch.bfloat16))
            print(f"  {name:<9} matmul at the step's shapes {times['step'][-1]:7.1f} GFLOP/s, at {args.large}^3 "
                  f"{times['large'][-1]:7.1f}; training {times['training'][-1]:6.0f} images/s", flush=True)
    print(f"medians of {args.repeats}:")
    fractions = {}
    for name, times in timings.items():
        step, square, rate = (statistics.median(times[kind]) for kind in ("step", "large", "training"))
        fractions[name] = rate * per_image / 1e9 / step
        print(f"  {name:<9} peak at the step's shapes {step:7.1f} GFLOP/s, at {args.large}^3 {square:7.1f}; "
              f"training {rate:6.0f} images/s = {rate * per_image / 1e9:6.1f} GFLOP/s, "
              f"fraction of the {name} peak at the step's shapes {fractions[name]:.2f}")
    used = "bfloat16" if bfloat16_is_fast("cpu") else "float32"
    print(f"the reproduction trains in {used} here (ae.train.bfloat16_is_fast): "
          f"{fractions[used]:.2f} of the {used} peak at its step's shapes")
    print("one forward and backward pass on a 128x1000 batch: "
          + ", ".join(f"{name} {activation_microseconds(module):.0f} us" for name, module in
                      (("torch.nn.ELU", nn.ELU()), ("torch.nn.GELU", nn.GELU()), ("torch.nn.ReLU", nn.ReLU()))))
    if args.profile:
        print(profile_step(hp, train_set, args.steps, bf16=used == "bfloat16"))


if __name__ == "__main__":
    main()
