"""Fashion-MNIST: found in Debian's package (unpacked once into the cache), and checked like MNIST."""
import gzip
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from torchvision import datasets  # noqa: E402

import ae  # noqa: E402
from ae import data  # noqa: E402
from ae.data import RAW_FILES, SYSTEM_COPIES  # noqa: E402


@pytest.fixture
def packaged(tmp_path, monkeypatch):
    """Debian's dataset-fashion-mnist: the real one when installed, else a copy laid out like it (gzipped IDX
    files) made from AE_DATA_DIR's FashionMNIST/raw/."""
    if (Path(SYSTEM_COPIES["fashion-mnist"]) / "t10k-labels-idx1-ubyte.gz").is_file():
        return Path(SYSTEM_COPIES["fashion-mnist"])
    raw = ae.data_dir() / "FashionMNIST" / "raw"
    if not all((raw / name).is_file() for name in RAW_FILES):
        pytest.skip("needs Fashion-MNIST: Debian's dataset-fashion-mnist, or FashionMNIST/raw/ under AE_DATA_DIR")
    copy = tmp_path / "usr-share-datasets-fashion-mnist"
    copy.mkdir()
    for name in RAW_FILES:
        with open(raw / name, "rb") as source, gzip.open(copy / f"{name}.gz", "wb", compresslevel=1) as packed:
            shutil.copyfileobj(source, packed)
    monkeypatch.setitem(SYSTEM_COPIES, "fashion-mnist", copy)
    return copy


@pytest.fixture
def empty_dirs(tmp_path, monkeypatch, packaged):
    """An empty data folder and an empty cache folder, the system's copy, and downloads that fail at once."""
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/"])
    return tmp_path


def test_fashion_mnist_is_unpacked_once_from_the_debian_package(empty_dirs):
    train_set, test_set = ae.get_datasets(dataset="fashion-mnist")
    assert (len(train_set), len(test_set)) == (60000, 10000)
    assert train_set.classes[0] == "T-shirt/top" and set(test_set.targets.tolist()) == set(range(10))
    raw = empty_dirs / "cache" / "data" / "FashionMNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(RAW_FILES)
    assert all(data._md5(raw / name) == data.RAW_MD5["fashion-mnist"][name] for name in RAW_FILES)
    image, label = test_set[0]
    assert image.shape == (1, 28, 28) and 0 <= image.min() < image.max() <= 1


def test_fashion_mnist_is_not_mnist(mnist, empty_dirs):
    fashion_test = ae.load_mnist(train=False, dataset="fashion-mnist")
    assert fashion_test.data.shape == mnist[1].data.shape
    assert not fashion_test.data.equal(mnist[1].data)


def test_a_corrupt_unpacked_file_is_reported_with_the_fix(empty_dirs, monkeypatch):
    ae.load_mnist(train=False, dataset="fashion-mnist")
    monkeypatch.setattr(data, "_verified", set())  # a new process: files are checked again
    path = empty_dirs / "cache" / "data" / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte"
    content = bytearray(path.read_bytes())
    content[100:110] = bytes(10)
    path.write_bytes(bytes(content))
    with pytest.raises(ae.DataError, match="t10k-labels-idx1-ubyte is truncated or corrupt .*contents do not match"):
        ae.load_mnist(train=False, dataset="fashion-mnist")


def test_without_the_package_the_message_says_how_to_install_it(empty_dirs, monkeypatch):
    monkeypatch.setitem(SYSTEM_COPIES, "fashion-mnist", empty_dirs / "not-installed")
    with pytest.raises(ae.DataError) as error:
        ae.load_mnist(dataset="fashion-mnist")
    message = str(error.value)
    assert "could not be downloaded" in message and "apt-get install dataset-fashion-mnist" in message
    assert "\n" not in message


def test_a_damaged_package_file_is_reported_with_the_fix(empty_dirs, monkeypatch):
    packaged = empty_dirs / "package"
    packaged.mkdir()
    for name in RAW_FILES:
        (packaged / f"{name}.gz").write_bytes(b"not gzip")
    monkeypatch.setitem(SYSTEM_COPIES, "fashion-mnist", packaged)
    with pytest.raises(ae.DataError, match=r"train-images-idx3-ubyte\.gz cannot be unpacked .*--reinstall"):
        ae.load_mnist(dataset="fashion-mnist")
    assert list((empty_dirs / "cache" / "data" / "FashionMNIST" / "raw").iterdir()) == []


def test_the_grid_of_clothes_is_titled_with_the_class_names(empty_dirs):
    test_set = ae.load_mnist(train=False, dataset="fashion-mnist")
    assert len(test_set.classes) == 10 and test_set.classes[9] == "Ankle boot"
    fig = ae.show_grid(test_set, rows=2, cols=6, names=test_set.classes)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [test_set.classes[label] for label in test_set.targets[:12].tolist()]
    assert titles[0] == "Ankle boot"  # the first test image of Fashion-MNIST
    plt.close(fig)
