"""The command line: `python -m ae train` trains a model outside the book, `python -m ae sweep` trains one
per latent size, activation and seed, `python -m ae reproduce hinton2006` reproduces a paper's table,
`python -m ae logistic-pca` recomputes its logistic PCA row, `python -m ae conv` compares a convolutional
autoencoder with the fully connected one, and `python -m ae anomaly` and `python -m ae retrieval` measure what an
autoencoder is for."""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

from .hparams import OPTIMIZERS, HParams

# What --help shows, written out here so that building the parser imports neither torch nor matplotlib nor
# scikit-learn: a command imports what it needs when it runs. tests/test_cli.py checks each against its source.
ACTIVATION_NAMES = ("relu", "leaky_relu", "tanh", "sigmoid", "gelu", "elu")  # ae.model.ACTIVATIONS
DATASET_NAMES = ("mnist", "fashion-mnist")  # ae.data.DATASETS
SWEEP_LATENT_SIZES = (2, 8, 16, 32, 64)  # ae.experiments.LATENT_SIZES
SWEEP_ACTIVATIONS = ("relu", "tanh", "sigmoid")  # ae.experiments.SWEEP_ACTIVATIONS
SWEEP_SEEDS = (0, 1, 2)  # ae.experiments.SEEDS
ANOMALY_DIGITS = tuple(range(10))  # ae.anomaly.DIGITS
ANOMALY_SEEDS = (0, 1, 2)  # ae.anomaly.SEEDS and ae.retrieval's default seeds
PAPER_EPOCHS = {"hinton2006": 40}  # ae.reproduce.PAPERS, and the epochs of each paper's recipe
SEARCH_NAMES = ("recipes", "batches", "short")  # ae.reproduce.SEARCHES
SEARCH_BUDGET = 180  # ae.reproduce.BUDGET_SECONDS
CONV_SEEDS = (0, 1, 2)  # ae.conv.SEEDS
CONV_CPU_SECONDS = 40  # ae.conv.CPU_SECONDS
LOGISTIC_PCA_TRAIN_SIZE = 10_000  # ae.logistic_pca.TRAIN_SIZE
LOGISTIC_PCA_ITERATIONS = 300  # ae.logistic_pca.ITERATIONS
TRAINING_IMAGES = 50_000  # MNIST's training images less the validation ones, the most that --train-size can take

DEVICES = re.compile(r"cpu|cuda(:[0-9]+)?")


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def check_device(device: str | None) -> str | None:
    """`device` (or `$AE_DEVICE`) when it is `cpu`, `cuda` or `cuda:N`; ValueError for any other."""
    source = "--device"
    if not device and os.environ.get("AE_DEVICE"):
        device, source = os.environ["AE_DEVICE"], "AE_DEVICE"
    if device and not DEVICES.fullmatch(device):
        raise ValueError(f"unknown device {device!r} ({source}): use 'cpu', 'cuda' or 'cuda:N'")
    return device or None


def _writable(folder: Path, what: str) -> None:
    """Raise ValueError unless a file can be created in the existing `folder`."""
    try:
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".ae-write-check.")
        os.close(descriptor)
        os.unlink(name)
    except OSError as error:
        raise ValueError(f"{what}: cannot write in {folder} ({error.strerror or error})") from None


def check_run_folder(out, force: bool = False) -> Path:
    """`out` as a Path when it is a folder that exists or can be created, can be written, and holds no run.

    Nothing is created. A folder that already holds `model.pt` is refused unless `force`.
    """
    out = Path(out)
    what = f"--out {out}"
    existing = next(p for p in (out, *out.absolute().parents) if p.exists() or p.is_symlink())
    if not existing.is_dir():
        where = "is a file" if existing == out else f"cannot be created: {existing} is a file"
        raise ValueError(f"{what} {where}, not a folder")
    if existing == out and (out / "model.pt").exists() and not force:
        raise ValueError(f"{what} already holds a run (model.pt): pass --force to replace it, "
                         "or choose another folder")
    _writable(existing, what)
    return out


def check_json_out(path) -> Path:
    """`path` as a Path when it names a file, not a folder, in an existing folder that can be written."""
    path = Path(path)
    what = f"--out {path}"
    if path.is_dir():
        raise ValueError(f"{what} is a folder: give the path of a JSON file, such as results/NAME.json")
    folder = path.parent
    if not folder.is_dir():
        state = "is a file" if folder.exists() else "does not exist"
        raise ValueError(f"{what}: its folder {folder} {state}")
    _writable(folder, what)
    return path


def check_clean(allow_dirty: bool) -> None:
    """Raise ValueError when the git tree has uncommitted changes, unless `allow_dirty`."""
    from .results import tree_is_dirty

    if not allow_dirty and tree_is_dirty():
        raise ValueError("the git tree has uncommitted changes, so the result's commit would not say what produced "
                         "it: commit them first, or pass --allow-dirty to write the result marked dirty")


def save_figure(figure, path: Path) -> None:
    """Write `figure` as a PNG to `path` atomically, then close it."""
    import matplotlib.pyplot as plt

    from .paths import atomic_write

    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    plt.close(figure)


def train_command(args) -> None:
    hp = HParams(latent_size=args.latent_size, hidden=args.hidden, activation=args.activation, lr=args.lr,
                 optimizer=args.optimizer, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                 dataset=args.dataset)
    device = check_device(args.device)
    out = check_run_folder(args.out, args.force)

    import matplotlib

    matplotlib.use("Agg")
    from .cache import save_checkpoint
    from .data import TensorLoader, load_mnist
    from .plots import plot_losses, show_reconstructions
    from .train import evaluate, fit, get_device

    device = get_device(device)
    test_set = load_mnist(False, dataset=hp.dataset)
    model, logs = fit(hp, device, progress=not args.no_progress)
    test_mse, accuracy = evaluate(model, TensorLoader(test_set, 1000, shuffle=False, device=device))
    out.mkdir(parents=True, exist_ok=True)
    save_figure(plot_losses(logs), out / "losses.png")
    save_figure(show_reconstructions(model, test_set.data[:8].float().div(255)), out / "reconstructions.png")
    save_checkpoint(out / "model.pt", model, hp, logs)  # last: a folder with model.pt holds a whole run
    print(f"done: test_mse={test_mse:.5f} accuracy={accuracy:.4f} (files in {out})")


def sweep_command(args) -> None:
    base = HParams(epochs=args.epochs, dataset=args.dataset)
    for activation in args.activations:
        for latent_size in args.latent_sizes:
            for seed in args.seeds:  # every run's values, checked first
                base.replace(latent_size=latent_size, activation=activation, seed=seed)
    device = check_device(args.device)
    command = (f"python -m ae sweep --latent-sizes {' '.join(map(str, args.latent_sizes))} "
               f"--activations {' '.join(args.activations)} --seeds {' '.join(map(str, args.seeds))} "
               f"--epochs {args.epochs} --dataset {args.dataset}")
    if args.out is not None:
        check_json_out(args.out)
        check_clean(args.allow_dirty)
        command += f" --out {args.out}" + " --allow-dirty" * args.allow_dirty

    from .experiments import sweep
    from .results import write_result

    result = sweep(args.latent_sizes, args.activations, args.seeds, base, device, command)
    for pca in result["pca"]:
        print(f"{'PCA':>8} latent {pca['latent_size']:>3}: validation MSE {pca['validation_mse']:.5f}, "
              f"test MSE {pca['test_mse']:.5f}")
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def reproduce_command(args) -> None:
    if args.budget is not None and args.search is None:
        raise ValueError("--budget is the search's time limit: give it with --search")
    if args.budget is not None and not 0 < args.budget < float("inf"):
        raise ValueError(f"budget must be a positive number of seconds, got {args.budget:g}")
    epochs = PAPER_EPOCHS[args.paper] if args.epochs is None and args.search is None else args.epochs
    if epochs is not None:
        HParams(epochs=epochs)  # the bounds of epochs, checked first
    if args.train_size is not None and not 1 <= args.train_size <= TRAINING_IMAGES:
        raise ValueError(f"train_size must be an integer from 1 to {TRAINING_IMAGES}, got {args.train_size}")
    device = check_device(args.device)
    command = f"python -m ae reproduce {args.paper}"
    if args.search is not None:
        command += " --search" + f" {args.search}" * (args.search != SEARCH_NAMES[0])
    if args.budget is not None:
        command += f" --budget {args.budget:g}"
    if epochs is not None:
        command += f" --epochs {epochs}"
    if args.train_size is not None:
        command += f" --train-size {args.train_size}"
    if args.out is not None:
        check_json_out(args.out)
        check_clean(args.allow_dirty)
        command += f" --out {args.out}" + " --allow-dirty" * args.allow_dirty

    from .reproduce import PAPERS, SEARCHES, format_search, format_table, search
    from .results import write_result

    if args.search:
        result = search(SEARCHES[args.search], epochs, args.budget or SEARCH_BUDGET, args.train_size, device, command)
        print(format_search(result))
    else:
        result = PAPERS[args.paper](epochs, args.train_size, device, command)
        print(format_table(result))
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def check_out(args) -> str:
    """Check `--out` and the git tree when a result is to be written; the command line's tail that says so."""
    if args.out is None:
        return ""
    check_json_out(args.out)
    check_clean(args.allow_dirty)
    return f" --out {args.out}" + " --allow-dirty" * args.allow_dirty


def check_seeds(seeds) -> None:
    """ValueError unless `seeds` are one or more different seeds within `HParams`' bounds."""
    if len(seeds) == 0 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be one or more different values, got {list(seeds)}")
    for seed in seeds:
        HParams(seed=seed)


def conv_command(args) -> None:
    if not args.cpu_seconds > 0:
        raise ValueError(f"cpu_seconds must be a positive number, got {args.cpu_seconds}")
    check_seeds(args.seeds)
    if args.train_size is not None and not 1 <= args.train_size <= TRAINING_IMAGES:
        raise ValueError(f"train_size must be an integer from 1 to {TRAINING_IMAGES}, got {args.train_size}")
    device = check_device(args.device)
    command = (f"python -m ae conv --cpu-seconds {args.cpu_seconds:g} --seeds {' '.join(map(str, args.seeds))}"
               + (f" --train-size {args.train_size}" if args.train_size is not None else ""))
    command += check_out(args)

    from . import conv
    from .results import write_result

    result = conv.compare(args.cpu_seconds, args.seeds, args.train_size, device, command)
    print(conv.format_comparison(result))
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def logistic_pca_command(args) -> None:
    if not 1 <= args.train_size <= TRAINING_IMAGES:
        raise ValueError(f"train_size must be an integer from 1 to {TRAINING_IMAGES}, got {args.train_size}")
    if not 1 <= args.iterations <= 100_000:
        raise ValueError(f"iterations must be an integer from 1 to 100000, got {args.iterations}")
    command = f"python -m ae logistic-pca --train-size {args.train_size} --iterations {args.iterations}"
    command += check_out(args)

    from . import logistic_pca
    from .results import write_result

    result = logistic_pca.hinton2006_row(train_size=args.train_size, iterations=args.iterations, command=command)
    print(logistic_pca.format_row(result))
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def anomaly_command(args) -> None:
    check_seeds(args.seeds)
    if len(args.digits) == 0 or len(set(args.digits)) != len(args.digits) or not set(args.digits) <= set(range(10)):
        raise ValueError(f"digits must be one or more different digits from 0 to 9, got {list(args.digits)}")
    HParams(epochs=args.epochs)
    device = check_device(args.device)
    command = (f"python -m ae anomaly --digits {' '.join(map(str, args.digits))} --seeds "
               f"{' '.join(map(str, args.seeds))} --epochs {args.epochs}") + check_out(args)

    from .anomaly import anomaly
    from .results import write_result

    result = anomaly(args.digits, args.seeds, HParams(epochs=args.epochs), device, command)
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def retrieval_command(args) -> None:
    check_seeds(args.seeds)
    HParams(epochs=args.epochs)
    device = check_device(args.device)
    command = (f"python -m ae retrieval --seeds {' '.join(map(str, args.seeds))} --epochs {args.epochs}"
               + check_out(args))

    from .results import write_result
    from .retrieval import retrieval

    result = retrieval(args.seeds, HParams(epochs=args.epochs), device, command)
    if args.out is not None:
        print(f"written to {write_result(args.out, result, allow_dirty=args.allow_dirty)}")


def add_result_options(p) -> None:
    """`--out` and `--allow-dirty`, for a command that writes a committed result (`ae.results.write_result`)."""
    p.add_argument("--out", default=None, help="also write the result with its provenance to this JSON file")
    p.add_argument("--allow-dirty", action="store_true",
                   help="write --out even from a git tree with uncommitted changes (the file records "
                        "\"dirty\": true)")


def build_parser() -> Parser:
    """The parser of `python -m ae`; building it imports neither torch nor matplotlib nor scikit-learn."""
    parser = Parser(prog="python -m ae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    d = {field.name: field.default for field in fields(HParams)}
    device_help = "cpu, cuda or cuda:N (default: $AE_DEVICE, else cuda when available)"
    p = commands.add_parser("train", help="train an autoencoder and save its checkpoint and figures")
    p.add_argument("--latent-size", type=int, default=d["latent_size"], help="size of the code (default %(default)s)")
    p.add_argument("--hidden", type=int, nargs="+", default=list(d["hidden"]),
                   help="widths of the hidden layers, encoder side (default %(default)s)")
    p.add_argument("--activation", default=d["activation"],
                   help=f"one of {', '.join(ACTIVATION_NAMES)} (default %(default)s)")
    p.add_argument("--lr", type=float, default=d["lr"], help="learning rate (default %(default)s)")
    p.add_argument("--optimizer", default=d["optimizer"],
                   help=f"one of {', '.join(OPTIMIZERS)} (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d["epochs"],
                   help="passes over the training set (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=d["batch_size"], help="images per step (default %(default)s)")
    p.add_argument("--seed", type=int, default=d["seed"], help="random seed, 0 to 2**32 - 1 (default %(default)s)")
    p.add_argument("--dataset", default=d["dataset"], help=f"one of {', '.join(DATASET_NAMES)} (default %(default)s)")
    p.add_argument("--device", default=None, help=device_help)
    p.add_argument("--out", default="runs/latest", help="folder for model.pt and the figures (default %(default)s)")
    p.add_argument("--force", action="store_true", help="replace the run that --out already holds")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(run=train_command)

    p = commands.add_parser("reproduce", help="train a paper's model and print its table beside the paper's numbers")
    p.add_argument("paper", choices=list(PAPER_EPOCHS), help="the paper: %(choices)s")
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over the training set (default: the paper's recipe, "
                        + ", ".join(f"{n} for {paper}" for paper, n in PAPER_EPOCHS.items()) + ")")
    p.add_argument("--train-size", type=int, default=None,
                   help="train on the first N training images only, for a short version (default: all)")
    p.add_argument("--search", nargs="?", const=SEARCH_NAMES[0], default=None, choices=SEARCH_NAMES,
                   help="train each candidate recipe of a search of ae.reproduce.SEARCHES instead (%(choices)s; "
                        f"default {SEARCH_NAMES[0]}) and print its lowest validation error; the test set is not used")
    p.add_argument("--budget", type=float, default=None,
                   help=f"the search's seconds of training per candidate (default {SEARCH_BUDGET}): a candidate over "
                        "it is not chosen, and one that gives no epochs trains for those that fit it here")
    p.add_argument("--device", default=None, help=device_help)
    add_result_options(p)
    p.set_defaults(run=reproduce_command)

    p = commands.add_parser("sweep", help="train one model per latent size, activation and seed, with PCA beside")
    p.add_argument("--latent-sizes", type=int, nargs="+", default=list(SWEEP_LATENT_SIZES),
                   help="latent sizes to try (default %(default)s)")
    p.add_argument("--activations", nargs="+", default=list(SWEEP_ACTIVATIONS),
                   help=f"activations to try, among {', '.join(ACTIVATION_NAMES)} (default %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(SWEEP_SEEDS),
                   help="random seeds of each setting, for its mean and spread (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d["epochs"],
                   help="passes over the training set per run (default %(default)s)")
    p.add_argument("--dataset", default=d["dataset"], help=f"one of {', '.join(DATASET_NAMES)} (default %(default)s)")
    p.add_argument("--device", default=None, help=device_help)
    add_result_options(p)
    p.set_defaults(run=sweep_command)

    p = commands.add_parser("conv", help="train the convolutional and the fully connected autoencoder for the same "
                                         "CPU time, and compare them")
    p.add_argument("--cpu-seconds", type=float, default=CONV_CPU_SECONDS,
                   help="CPU seconds of training per run, with one torch thread (default %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(CONV_SEEDS),
                   help="random seeds of each model, for its mean and spread (default %(default)s)")
    p.add_argument("--train-size", type=int, default=None,
                   help="train on the first N training images only, for a short version (default: all)")
    p.add_argument("--device", default=None, help=device_help)
    add_result_options(p)
    p.set_defaults(run=conv_command)

    p = commands.add_parser("logistic-pca", help="recompute the logistic PCA row of Hinton & Salakhutdinov's table")
    p.add_argument("--train-size", type=int, default=LOGISTIC_PCA_TRAIN_SIZE,
                   help="fit the components on the first N training images (default %(default)s)")
    p.add_argument("--iterations", type=int, default=LOGISTIC_PCA_ITERATIONS,
                   help="the most L-BFGS iterations of each fit (default %(default)s)")
    add_result_options(p)
    p.set_defaults(run=logistic_pca_command)

    p = commands.add_parser("anomaly", help="hold each digit out of training and score how well the autoencoder, "
                            "PCA and the nearest code flag it; Fashion-MNIST as outside inputs")
    p.add_argument("--digits", type=int, nargs="+", default=list(ANOMALY_DIGITS),
                   help="the digits to hold out, one at a time (default %(default)s)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(ANOMALY_SEEDS),
                   help="random seeds of each held-out digit, for the mean and spread (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d["epochs"],
                   help="passes over the training set per run (default %(default)s)")
    p.add_argument("--device", default=None, help=device_help)
    add_result_options(p)
    p.set_defaults(run=anomaly_command)

    p = commands.add_parser("retrieval", help="precision@10 of the test images' nearest training images by pixels, "
                            "PCA and the autoencoder's code, with the time per query")
    p.add_argument("--seeds", type=int, nargs="+", default=list(ANOMALY_SEEDS),
                   help="random seeds of the autoencoder, for the mean and spread (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d["epochs"],
                   help="passes over the training set (default %(default)s)")
    p.add_argument("--device", default=None, help=device_help)
    add_result_options(p)
    p.set_defaults(run=retrieval_command)
    return parser


def _one_line(error: BaseException) -> str:
    return " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__


def _close_progress_bars() -> None:
    """End the line of any progress bar still shown, so that the last message starts a line of its own."""
    std = sys.modules.get("tqdm.std")
    for bar in list(getattr(getattr(std, "tqdm", None), "_instances", ())):
        try:
            # A bar interrupted while it drew itself first has no start time yet, and close() would not end its line.
            drawn_but_unfinished = getattr(bar, "sp", None) is not None and not hasattr(bar, "start_t")
            bar.close()
            if drawn_but_unfinished:
                bar.fp.write("\n")
        except Exception:  # noqa: BLE001 - a bar that cannot close must not hide the message
            pass


def main(argv=None) -> int:
    """Run the command line: bad values end with one line and status 2, data and disk problems with one line and
    status 1, Ctrl-C with one line and status 130."""
    parser = build_parser()
    args = parser.parse_args(argv)
    where = f"{parser.prog} {args.command}"
    try:
        args.run(args)
    except KeyboardInterrupt:
        _close_progress_bars()
        parser.exit(130, f"{where}: interrupted\n")
    except ValueError as error:
        parser.exit(2, f"{where}: error: {_one_line(error)}\n")
    except Exception as error:
        data, torch = sys.modules.get("ae.data"), sys.modules.get("torch")
        if data is not None and isinstance(error, data.DataError):
            parser.exit(1, f"{where}: error: {_one_line(error)}\n")
        if isinstance(error, (OSError, MemoryError)) or (
                torch is not None and isinstance(error, getattr(torch, "OutOfMemoryError", ()))):
            _close_progress_bars()
            parser.exit(1, f"{where}: error: {type(error).__name__}: {_one_line(error)}\n")
        raise
    return 0
