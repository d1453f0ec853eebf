"""The command line: ``python -m ae train`` trains a model outside the book, ``python -m ae sweep`` trains one
per latent size and activation, ``python -m ae reproduce hinton2006`` reproduces a paper's table."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

from .data import DATASETS, DataError
from .experiments import LATENT_SIZES, SWEEP_ACTIVATIONS, sweep
from .hparams import OPTIMIZERS, HParams
from .model import ACTIVATIONS
from .reproduce import HINTON2006, PAPERS, format_table
from .results import write_result


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def train_command(args) -> None:
    matplotlib.use("Agg")
    from .cache import save_checkpoint
    from .data import TensorLoader, load_mnist
    from .plots import plot_losses, show_reconstructions
    from .train import evaluate, fit, get_device

    hp = HParams(latent_size=args.latent_size, hidden=args.hidden, activation=args.activation, lr=args.lr,
                 optimizer=args.optimizer, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                 dataset=args.dataset)
    device = get_device(args.device)
    test_set = load_mnist(False, dataset=hp.dataset)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, logs = fit(hp, device, progress=not args.no_progress)
    test_mse, accuracy = evaluate(model, TensorLoader(test_set, 1000, shuffle=False, device=device))
    save_checkpoint(out / "model.pt", model, hp, logs)
    plot_losses(logs).savefig(out / "losses.png", dpi=100)
    show_reconstructions(model, test_set.data[:8].float().div(255)).savefig(out / "reconstructions.png", dpi=100)
    print(f"done: test_mse={test_mse:.5f} accuracy={accuracy:.4f} (files in {out})")


def sweep_command(args) -> None:
    command = (f"python -m ae sweep --latent-sizes {' '.join(map(str, args.latent_sizes))} "
               f"--activations {' '.join(args.activations)} --epochs {args.epochs} --dataset {args.dataset}")
    if args.out is not None:
        command += f" --out {args.out}"
    base = HParams(epochs=args.epochs, dataset=args.dataset)
    result = sweep(args.latent_sizes, args.activations, base, args.device, command)
    for pca in result["pca"]:
        print(f"{'PCA':>8} latent {pca['latent_size']:>3}: test MSE {pca['test_mse']:.5f}")
    if args.out is not None:
        print(f"written to {write_result(args.out, result)}")


def reproduce_command(args) -> None:
    command = f"python -m ae reproduce {args.paper} --epochs {args.epochs}"
    if args.train_size is not None:
        command += f" --train-size {args.train_size}"
    if args.out is not None:
        command += f" --out {args.out}"
    result = PAPERS[args.paper](args.epochs, args.train_size, args.device, command)
    print(format_table(result))
    if args.out is not None:
        print(f"written to {write_result(args.out, result)}")


def build_parser() -> Parser:
    parser = Parser(prog="python -m ae", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    d = HParams()
    p = commands.add_parser("train", help="train an autoencoder and save its checkpoint and figures")
    p.add_argument("--latent-size", type=int, default=d.latent_size, help="size of the code (default %(default)s)")
    p.add_argument("--hidden", type=int, nargs="+", default=list(d.hidden),
                   help="widths of the hidden layers, encoder side (default %(default)s)")
    p.add_argument("--activation", default=d.activation, help=f"one of {', '.join(ACTIVATIONS)} (default %(default)s)")
    p.add_argument("--lr", type=float, default=d.lr, help="learning rate (default %(default)s)")
    p.add_argument("--optimizer", default=d.optimizer, help=f"one of {', '.join(OPTIMIZERS)} (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d.epochs, help="passes over the training set (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="images per step (default %(default)s)")
    p.add_argument("--seed", type=int, default=d.seed, help="random seed (default %(default)s)")
    p.add_argument("--dataset", default=d.dataset, help=f"one of {', '.join(DATASETS)} (default %(default)s)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--out", default="runs/latest", help="folder for model.pt and the figures (default %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(run=train_command)

    p = commands.add_parser("reproduce", help="train a paper's model and print its table beside the paper's numbers")
    p.add_argument("paper", choices=list(PAPERS), help="the paper: %(choices)s")
    p.add_argument("--epochs", type=int, default=HINTON2006.epochs, help="passes over the training set (default %(default)s)")
    p.add_argument("--train-size", type=int, default=None,
                   help="train on the first N training images only, for a short version (default: all)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--out", default=None, help="also write the result with its provenance to this JSON file")
    p.set_defaults(run=reproduce_command)

    p = commands.add_parser("sweep", help="train one model per latent size and activation, with PCA beside them")
    p.add_argument("--latent-sizes", type=int, nargs="+", default=list(LATENT_SIZES),
                   help="latent sizes to try (default %(default)s)")
    p.add_argument("--activations", nargs="+", default=list(SWEEP_ACTIVATIONS),
                   help=f"activations to try, among {', '.join(ACTIVATIONS)} (default %(default)s)")
    p.add_argument("--epochs", type=int, default=d.epochs, help="passes over the training set per run (default %(default)s)")
    p.add_argument("--dataset", default=d.dataset, help=f"one of {', '.join(DATASETS)} (default %(default)s)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--out", default=None, help="also write the result with its provenance to this JSON file")
    p.set_defaults(run=sweep_command)
    return parser


def main(argv=None) -> int:
    """Run the command line; bad values and data problems end with one line and a non-zero status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except ValueError as error:
        parser.exit(2, f"{parser.prog} {args.command}: error: {error}\n")
    except DataError as error:
        parser.exit(1, f"{parser.prog} {args.command}: error: {error}\n")
    return 0
