"""Loading MNIST: the torchvision datasets, the seed's DataLoaders, and a fast in-memory loader."""
from __future__ import annotations

import copy
import gzip
import hashlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision.transforms import ToTensor

from .paths import cache_dir, data_dir

DATASETS = {"mnist": datasets.MNIST, "fashion-mnist": datasets.FashionMNIST}

# MD5 sums of the uncompressed IDX files, as published with each data set.
RAW_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}

#: Folders where an operating-system package installs the gzipped IDX files (Debian: dataset-fashion-mnist).
SYSTEM_COPIES = {"fashion-mnist": "/usr/share/datasets/fashion-mnist"}

#: How to get each data set without the internet.
OFFLINE_HINTS = {
    "mnist": "Set AE_DATA_DIR to a folder holding MNIST/raw/ (on the course machines: AE_DATA_DIR=../shared/data)",
    "fashion-mnist": "Install Debian's package (apt-get install dataset-fashion-mnist) or set AE_DATA_DIR to a "
                     "folder that holds FashionMNIST/raw/",
}

RAW_FILES = tuple(RAW_MD5["mnist"])

_verified: set[Path] = set()


class DataError(RuntimeError):
    """The data set is missing, truncated or corrupt; the message says how to fix it."""


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")


def _raw_folder(root: Path, dataset: str) -> Path:
    return root / DATASETS[dataset].__name__ / "raw"


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _idx_size(path: Path) -> int | None:
    """The size an IDX file must have, read from its header; None when the header is not IDX."""
    with open(path, "rb") as f:
        header = f.read(4)
        if len(header) < 4 or header[:3] != b"\x00\x00\x08":
            return None
        dims = f.read(4 * header[3])
    if len(dims) < 4 * header[3]:
        return None
    size = 4 + len(dims)
    items = 1
    for i in range(header[3]):
        items *= int.from_bytes(dims[4 * i : 4 * i + 4], "big")
    return size + items


def _verify(raw: Path, dataset: str) -> None:
    """Raise DataError unless every raw file is there, whole, and (where known) with its published MD5."""
    for name in RAW_FILES:
        path = raw / name
        if path in _verified:
            continue
        if not path.is_file():
            raise DataError(
                f"{dataset}: {path} is missing. {OFFLINE_HINTS[dataset]}, or connect to the internet to download it."
            )
        size, expected = path.stat().st_size, _idx_size(path)
        md5 = RAW_MD5.get(dataset, {}).get(name)
        if expected != size or (md5 is not None and _md5(path) != md5):
            raise DataError(
                f"{dataset}: {path} is truncated or corrupt ({size} bytes"
                + (f", expected {expected}" if expected not in (None, size) else ", contents do not match")
                + "). Delete it and run again to download a fresh copy, "
                "or set AE_DATA_DIR to a folder with a good copy."
            )
        _verified.add(path)


def load_mnist(train: bool = True, root: str | Path | None = None, dataset: str = "mnist") -> datasets.MNIST:
    """One split of MNIST (or Fashion-MNIST) as a torchvision dataset with pixels in [0, 1].

    The files are read from `root` (default `ae.paths.data_dir`); when they are missing there, from the
    operating system's copy (`SYSTEM_COPIES`, unpacked once under the cache folder), else downloaded
    to `root` when the network allows. Any problem raises `DataError` with one clear message.
    """
    _check_dataset(dataset)
    root = Path(root).expanduser().resolve() if root is not None else data_dir()
    if not _complete(_raw_folder(root, dataset)):
        unpacked = _unpack_system_copy(dataset)
        if unpacked is not None:
            root = unpacked
        else:
            _download(root, dataset)
    _verify(_raw_folder(root, dataset), dataset)
    return DATASETS[dataset](root, train=train, transform=ToTensor(), download=False)


def _complete(raw: Path) -> bool:
    return all((raw / name).is_file() for name in RAW_FILES)


def _unpack_system_copy(dataset: str) -> Path | None:
    """A root folder holding the system's copy of `dataset` uncompressed, or None when there is no such copy."""
    source = Path(SYSTEM_COPIES[dataset]) if dataset in SYSTEM_COPIES else None
    if source is None or not all((source / f"{name}.gz").is_file() for name in RAW_FILES):
        return None
    root = cache_dir() / "data"
    raw = _raw_folder(root, dataset)
    raw.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        if (raw / name).is_file():
            continue
        with tempfile.NamedTemporaryFile(dir=raw, delete=False) as tmp:
            try:
                with gzip.open(source / f"{name}.gz") as packed:
                    shutil.copyfileobj(packed, tmp)
            except (OSError, EOFError) as error:
                os.unlink(tmp.name)
                raise DataError(f"{dataset}: {source / name}.gz cannot be unpacked ({error}). Reinstall it "
                                "(apt-get install --reinstall dataset-fashion-mnist).") from None
        os.replace(tmp.name, raw / name)
    return root


def _download(root: Path, dataset: str) -> None:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        DATASETS[dataset](root, train=True, download=True)
    except Exception as error:  # noqa: BLE001 - any failure becomes one message
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise DataError(
            f"{dataset} is not in {_raw_folder(root, dataset)} and could not be downloaded ({reason}). "
            f"{OFFLINE_HINTS[dataset]}, or connect to the internet and run again."
        ) from None
    finally:
        socket.setdefaulttimeout(previous)


VALIDATION_IMAGES = 10_000  # training images held out to make choices on: the test set is only reported


def subset(dataset, index):
    """A copy of a torchvision split that holds only the images at `index`, a tensor of indices or a slice
    (`subset(train_set, slice(1000))`: the first 1,000), in its `.data` and `.targets`."""
    subset = copy.copy(dataset)
    subset.data, subset.targets = dataset.data[index].clone(), dataset.targets[index].clone()
    return subset


def split_validation(train_set, size: int = VALIDATION_IMAGES, seed: int = 0):
    """`(train, validation)`: `size` images of `train_set` drawn with `seed` are held out for validation.

    The same seed always holds out the same images; the two parts never share one.
    """
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size < len(train_set.data):
        raise ValueError(f"size must be an integer from 1 to {len(train_set.data) - 1}, got {size!r}")
    order = torch.randperm(len(train_set.data), generator=torch.Generator().manual_seed(seed))
    return subset(train_set, order[size:].sort().values), subset(train_set, order[:size].sort().values)


def get_datasets(root: str | Path | None = None, dataset: str = "mnist", validation: bool = False):
    """The training and test splits, as the seed notebook loads them.

    With `validation=True`, three splits `(train, validation, test)`: `VALIDATION_IMAGES` training
    images held out by `split_validation` (seed 0), on which every choice is made.
    """
    train_set, test_set = load_mnist(True, root, dataset), load_mnist(False, root, dataset)
    if validation:
        return (*split_validation(train_set), test_set)
    return train_set, test_set


def get_dataloaders(batch_size: int = 128, root: str | Path | None = None, seed: int = 0, dataset: str = "mnist"):
    """The seed's pipeline: a shuffled training `DataLoader` and an ordered test `DataLoader`."""
    train_set, test_set = get_datasets(root, dataset)
    generator = torch.Generator().manual_seed(seed)
    return (
        DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator),
        DataLoader(test_set, batch_size=batch_size, shuffle=False),
    )


def shift_images(images: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    """Each image of a batch `(B, 1, H, W)` moved by a random whole number of pixels, from `-pixels` to
    `pixels`, down and across (drawn with `generator`); what leaves the frame is lost, and 0 comes in."""
    n, height, width = len(images), images.shape[-2], images.shape[-1]
    padded = torch.nn.functional.pad(images, (pixels,) * 4).reshape(n, -1)  # each image a row of pixels
    down, across = torch.randint(0, 2 * pixels + 1, (2, n, 1), generator=generator).to(images.device)
    stride = width + 2 * pixels  # a padded image's row
    window = torch.arange(height, device=images.device)[:, None] * stride + torch.arange(width, device=images.device)
    return padded.gather(1, down * stride + across + window.reshape(1, -1)).reshape(images.shape)


class TensorLoader:
    """Mini-batches of a whole split held in memory as one tensor.

    Yields `(images, labels)` like a `DataLoader` over the torchvision dataset (images of shape
    `(B, 1, 28, 28)` with the same values as `ToTensor()`), without converting each image to PIL.
    """

    def __init__(self, dataset, batch_size: int = 128, shuffle: bool = True, seed: int = 0, device="cpu"):
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        self.images = dataset.data.unsqueeze(1).to(device=device, dtype=torch.float32).div(255)
        self.labels = dataset.targets.to(device)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.images) // self.batch_size)

    def __iter__(self):
        n = len(self.images)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        order = order.to(self.images.device)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            yield self.augment(self.images[index]), self.labels[index]

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        """The images of one batch as the model gets them: unchanged (`ShiftedLoader` moves them)."""
        return images


class ShiftedLoader(TensorLoader):
    """A `TensorLoader` whose every image, in every batch, is moved by up to `shift` pixels at random
    (`shift_images`, drawn with the loader's generator): a data augmentation, the model sees the digits in new
    places at every epoch."""

    def __init__(self, dataset, batch_size: int = 128, shuffle: bool = True, seed: int = 0, device="cpu",
                 shift: int = 1):
        if isinstance(shift, bool) or not isinstance(shift, int) or not 0 <= shift < 28:
            raise ValueError(f"shift must be a whole number of pixels from 0 to 27, got {shift!r}")
        super().__init__(dataset, batch_size, shuffle, seed, device)
        self.shift = shift

    def augment(self, images: torch.Tensor) -> torch.Tensor:
        return shift_images(images, self.shift, self.generator) if self.shift else images


def get_fast_loaders(batch_size: int = 128, root=None, seed: int = 0, dataset: str = "mnist", device="cpu"):
    """Training and test `TensorLoader`s: the same data as `get_dataloaders`, faster."""
    train_set, test_set = get_datasets(root, dataset)
    return (
        TensorLoader(train_set, batch_size, shuffle=True, seed=seed, device=device),
        TensorLoader(test_set, 1000, shuffle=False, device=device),
    )


EXERCISE_IMAGES = (2048, 1000, 1000)  # training, validation and test images: a budget a laptop trains in seconds
EXERCISE_CLASSES = 5  # digit classes the images are drawn from, with a seed


def exercise_datasets(seed: int | None = None):
    """The data of the graded exercises: `(train, validation, test)`, of `EXERCISE_IMAGES` images.

    The training and validation images come from MNIST's training split (never the same image), the test
    images from its test split. With `seed=None` (the book and your own checks) the first images of each
    split; with a seed (the instructor grades with one of their own), images drawn at random from
    `EXERCISE_CLASSES` digit classes chosen with that seed, so that every number differs from the public
    run's. All three are torchvision datasets: `.data` holds the uint8 images, `.targets` the labels.
    """
    n_train, n_validation, n_test = EXERCISE_IMAGES
    mnist_train, mnist_test = get_datasets()
    if seed is None:
        train_index = torch.arange(n_train + n_validation)
        test_index = torch.arange(n_test)
    else:
        generator = torch.Generator().manual_seed(seed)
        classes = torch.randperm(10, generator=generator)[:EXERCISE_CLASSES]

        def draw(dataset, n):
            among = torch.nonzero(torch.isin(dataset.targets, classes)).flatten()
            return among[torch.randperm(len(among), generator=generator)[:n]]

        train_index, test_index = draw(mnist_train, n_train + n_validation), draw(mnist_test, n_test).sort().values
    return (subset(mnist_train, train_index[:n_train].sort().values),
            subset(mnist_train, train_index[n_train:].sort().values),
            subset(mnist_test, test_index))
