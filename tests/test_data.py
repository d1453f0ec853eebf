import shutil

import pytest
import torch
from torchvision import datasets

import ae
from ae.data import RAW_FILES, ShiftedLoader, TensorLoader, shift_images

RAW = ae.data_dir() / "MNIST" / "raw"


def test_splits_have_the_standard_sizes_and_pixels_in_0_1(mnist):
    train_set, test_set = mnist
    assert (len(train_set), len(test_set)) == (60000, 10000)
    image, label = test_set[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32
    assert 0 <= image.min() and image.max() <= 1 and isinstance(label, int)


def test_seed_dataloaders_give_batches_of_images_and_labels():
    train_loader, test_loader = ae.get_dataloaders(batch_size=32)
    images, labels = next(iter(test_loader))
    assert images.shape == (32, 1, 28, 28) and labels.shape == (32,)
    assert len(train_loader) == 60000 // 32


def test_tensor_loader_matches_to_tensor_exactly(mnist):
    _, test_set = mnist
    loader = TensorLoader(test_set, batch_size=100, shuffle=False)
    images, labels = next(iter(loader))
    expected = torch.stack([test_set[i][0] for i in range(100)])
    assert torch.equal(images, expected)
    assert labels.tolist() == [test_set[i][1] for i in range(100)]


def test_tensor_loader_visits_every_image_once_per_epoch_in_a_seeded_order(small):
    train_set, _ = small
    loader = TensorLoader(train_set, batch_size=300, seed=1)
    assert len(loader) == 7
    first = torch.cat([labels for _, labels in loader])
    second = torch.cat([labels for _, labels in loader])
    assert sorted(first.tolist()) == sorted(train_set.targets.tolist())
    assert not torch.equal(first, second)
    again = torch.cat([labels for _, labels in TensorLoader(train_set, batch_size=300, seed=1)])
    assert torch.equal(first, again)


def test_shift_images_moves_each_image_by_whole_pixels_within_the_bound():
    images = torch.zeros(200, 1, 28, 28)
    images[:, 0, 10, 12] = 1.0  # one lit pixel per image, far from the edges
    moved = shift_images(images, 2, torch.Generator().manual_seed(0))
    assert moved.shape == images.shape and torch.equal(moved.sum(dim=(1, 2, 3)), torch.ones(200))
    rows, cols = moved[:, 0].flatten(1).argmax(1).div(28, rounding_mode="floor"), moved[:, 0].flatten(1).argmax(1) % 28
    assert set((rows - 10).tolist()) == set(range(-2, 3)) == set((cols - 12).tolist())
    assert torch.equal(moved, shift_images(images, 2, torch.Generator().manual_seed(0)))
    edge = torch.zeros(1, 1, 28, 28)
    edge[0, 0, 0, 0] = 1.0  # the top left pixel: moved up or left, it leaves the frame
    assert {shift_images(edge, 1, torch.Generator().manual_seed(seed)).sum().item() for seed in range(20)} == {0.0, 1.0}


def test_shift_images_takes_each_images_window_where_the_generator_says():
    """The draws and the windows of the committed runs: `randint` of the generator, down then across."""
    images = torch.rand(37, 1, 28, 28)
    moved = shift_images(images, 2, torch.Generator().manual_seed(5))
    down, across = torch.randint(0, 5, (2, 37), generator=torch.Generator().manual_seed(5)).tolist()
    padded = torch.nn.functional.pad(images, (2,) * 4)
    for i, (d, a) in enumerate(zip(down, across)):
        assert torch.equal(moved[i, 0], padded[i, 0, d:d + 28, a:a + 28])


def test_tensor_loader_shift_moves_the_images_and_keeps_labels_and_order(small):
    train_set, _ = small
    plain = list(TensorLoader(train_set, batch_size=300, seed=1))
    shifted = list(ShiftedLoader(train_set, batch_size=300, seed=1, shift=1))
    assert all(torch.equal(a[1], b[1]) for a, b in zip(plain, shifted))  # the same images, in the same order
    assert all(not torch.equal(a[0], b[0]) for a, b in zip(plain, shifted))
    again = list(ShiftedLoader(train_set, batch_size=300, seed=1, shift=1))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(shifted, again))
    for value in (-1, 28, 1.5, True):
        with pytest.raises(ValueError, match="shift must be a whole number of pixels from 0 to 27"):
            ShiftedLoader(train_set, shift=value)


def test_tensor_loader_rejects_a_bad_batch_size(small):
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        TensorLoader(small[0], batch_size=0)


@pytest.fixture
def no_network(monkeypatch):
    """Downloads go to a closed local port, so they fail at once whatever the machine's network."""
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])


def copy_raw(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in RAW_FILES:
        shutil.copy(RAW / name, raw / name)
    return raw


def test_missing_data_that_cannot_be_downloaded_says_what_to_do(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    with pytest.raises(ae.DataError) as error:
        ae.load_mnist()
    message = str(error.value)
    assert "could not be downloaded" in message and "AE_DATA_DIR" in message
    assert "\n" not in message


def test_truncated_file_is_reported_with_the_fix(tmp_path, monkeypatch):
    raw = copy_raw(tmp_path)
    path = raw / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:100000])
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    with pytest.raises(ae.DataError, match=r"t10k-images-idx3-ubyte is truncated or corrupt \(100000 bytes, "
                                           r"expected 7840016\)\. Delete it"):
        ae.load_mnist(train=False)


def test_corrupt_file_of_the_right_size_is_reported(tmp_path, monkeypatch):
    raw = copy_raw(tmp_path)
    path = raw / "train-labels-idx1-ubyte"
    content = bytearray(path.read_bytes())
    content[5000:5010] = bytes(10)
    path.write_bytes(bytes(content))
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    with pytest.raises(ae.DataError, match="train-labels-idx1-ubyte is truncated or corrupt .*contents do not match"):
        ae.load_mnist(train=True)


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    assert ae.data_dir() == tmp_path.resolve()
    monkeypatch.delenv("AE_DATA_DIR")
    assert ae.data_dir() == ae.paths.course_root() / "data"


def test_unknown_dataset_is_a_value_error():
    with pytest.raises(ValueError, match="unknown dataset 'emnist': choose one of mnist"):
        ae.load_mnist(dataset="emnist")


def test_exercise_data_is_public_without_a_seed_and_drawn_with_one():
    public = ae.exercise_datasets()
    assert tuple(len(split.data) for split in public) == ae.data.EXERCISE_IMAGES
    train_set, _ = ae.get_datasets()
    n_train, n_validation, _ = ae.data.EXERCISE_IMAGES
    assert torch.equal(public[0].data, train_set.data[:n_train])
    assert torch.equal(public[1].data, train_set.data[n_train:n_train + n_validation])
    drawn_train, drawn_validation, drawn_test = ae.exercise_datasets(seed=7)
    assert tuple(len(split.data) for split in (drawn_train, drawn_validation, drawn_test)) == ae.data.EXERCISE_IMAGES
    assert len(set(drawn_train.targets.tolist())) == ae.data.EXERCISE_CLASSES
    assert set(drawn_test.targets.tolist()) == set(drawn_validation.targets.tolist()) == set(drawn_train.targets.tolist())
    train_images = {bytes(image.numpy()) for image in drawn_train.data}
    assert not any(bytes(image.numpy()) in train_images for image in drawn_validation.data)
    again, _, _ = ae.exercise_datasets(seed=7)
    other, _, _ = ae.exercise_datasets(seed=8)
    assert torch.equal(again.data, drawn_train.data) and not torch.equal(other.data, drawn_train.data)


def test_validation_is_held_out_of_training_the_same_way_every_time():
    full_train, _ = ae.get_datasets()
    train_set, validation_set, test_set = ae.get_datasets(validation=True)
    assert len(validation_set.data) == ae.data.VALIDATION_IMAGES
    assert len(train_set.data) + len(validation_set.data) == len(full_train.data)
    assert len(test_set.data) == 10_000
    assert torch.equal(torch.cat([train_set.targets, validation_set.targets]).bincount(), full_train.targets.bincount())
    again_train, again_validation, _ = ae.get_datasets(validation=True)
    assert torch.equal(again_validation.data, validation_set.data) and torch.equal(again_train.data, train_set.data)
    _, other = ae.split_validation(full_train, seed=1)
    assert not torch.equal(other.data, validation_set.data)


@pytest.mark.parametrize("size", [0, 60_000, 2.5, True])
def test_validation_size_out_of_range_is_one_clear_error(size):
    full_train, _ = ae.get_datasets()
    with pytest.raises(ValueError, match="size must be an integer from 1 to 59999"):
        ae.split_validation(full_train, size=size)


def test_outside_a_checkout_the_folders_are_under_the_current_folder(tmp_path, monkeypatch):
    """``ae`` installed without ``-e`` lives in site-packages: its folders must not point there."""
    monkeypatch.setattr(ae.paths, "_PACKAGE_PARENT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    for variable in ("AE_DATA_DIR", "AE_CACHE_DIR", "AE_RESULTS_DIR"):
        monkeypatch.delenv(variable, raising=False)
    assert ae.paths.course_root() == tmp_path
    assert (ae.paths.data_dir(), ae.paths.cache_dir(), ae.paths.results_dir()) == (
        tmp_path / "data", tmp_path / ".cache", tmp_path / "results")
