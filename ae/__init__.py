"""`ae`: the code of the autoencoder course. The book imports everything it runs from here.

The names below are imported on first use (PEP 562), so that `import ae` and `python -m ae --help` stay fast:
torch, matplotlib and scikit-learn are loaded by the first name that needs them, not by `import ae`.
"""
import importlib
import sys
import types

# Each name of the package's interface, and the submodule that defines it.
_NAMES = {
    "load_checkpoint": "cache", "save_checkpoint": "cache", "trained": "cache",
    "DataError": "data", "TensorLoader": "data", "exercise_datasets": "data", "get_dataloaders": "data",
    "get_datasets": "data", "get_fast_loaders": "data", "load_mnist": "data", "split_validation": "data",
    "data_dir": "paths",
    "HParams": "hparams",
    "ACTIVATIONS": "model", "Net": "model", "get_activation": "model",
    "draw_network": "plots", "plot_losses": "plots", "show_grid": "plots", "show_images": "plots",
    "show_reconstructions": "plots",
    "evaluate": "train", "fit": "train", "get_device": "train", "pixel_accuracy": "train", "reset": "train",
    "set_seed": "train", "train": "train", "train_step": "train",
}
# Submodules that `import ae` used to load, still reachable as `ae.data`, `ae.cache`, ... without an import.
_SUBMODULES = ("cache", "data", "hparams", "model", "paths", "plots")

__all__ = [
    "ACTIVATIONS", "DataError", "HParams", "Net", "TensorLoader", "data_dir", "draw_network", "evaluate",
    "exercise_datasets", "fit", "get_activation", "get_dataloaders", "get_datasets", "get_device", "get_fast_loaders",
    "load_checkpoint", "load_mnist", "pixel_accuracy", "plot_losses", "reset", "save_checkpoint", "set_seed",
    "show_grid", "show_images", "show_reconstructions", "split_validation", "train", "train_step", "trained",
]


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))


class _Package(types.ModuleType):
    """`ae.train` is the function `ae.train.train`, as with an eager `from .train import train`.

    Importing the submodule `ae.train` makes Python set the package's attribute `train` to that module; this
    property keeps the function there (other values, a test's monkeypatch for one, are kept as they are set).
    """

    @property
    def train(self):
        value = self.__dict__.get("_train")
        if value is None:
            value = importlib.import_module(f"{__name__}.train").train
        return value

    @train.setter
    def train(self, value):
        if not (isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.train"):
            self.__dict__["_train"] = value

    @train.deleter
    def train(self):
        self.__dict__.pop("_train", None)


sys.modules[__name__].__class__ = _Package
