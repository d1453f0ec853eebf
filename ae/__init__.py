"""``ae``: the code of the autoencoder course. The book imports everything it runs from here."""
from .cache import load_checkpoint, save_checkpoint, trained
from .data import (DataError, TensorLoader, exercise_datasets, get_dataloaders, get_datasets, get_fast_loaders,
                   load_mnist)
from .paths import data_dir
from .hparams import HParams
from .model import ACTIVATIONS, Net, get_activation
from .plots import plot_losses, show_grid, show_images, show_reconstructions
from .train import evaluate, fit, get_device, pixel_accuracy, reset, set_seed, train

__all__ = [
    "ACTIVATIONS", "DataError", "HParams", "Net", "TensorLoader", "data_dir", "evaluate", "exercise_datasets", "fit",
    "get_activation", "get_dataloaders", "get_datasets", "get_device", "get_fast_loaders", "load_checkpoint",
    "load_mnist", "pixel_accuracy", "plot_losses", "reset", "save_checkpoint", "set_seed", "show_grid",
    "show_images", "show_reconstructions", "train", "trained",
]
