"""The MNIST loader: the bundled default, COURSE_DATA=full, failures, checksums, the split."""

import time
import warnings

import numpy as np
import pytest

from course_utils import data
from course_utils.data import DataError, load_bundled_mnist, load_mnist


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path


def test_offline_returns_the_bundled_subset_quickly():
    start = time.perf_counter()
    mnist = load_mnist(offline=True)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    assert mnist.source == data.SOURCE_BUNDLED
    assert mnist.x_train.shape == (4000, 28, 28) and mnist.x_test.shape == (1000, 28, 28)
    assert mnist.x_train.dtype == np.float32


def test_pixels_are_scaled_exactly_once():
    mnist = load_mnist(offline=True)
    assert mnist.x_train.min() == 0.0 and mnist.x_train.max() == 1.0
    raw, _ = load_bundled_mnist()
    assert raw.dtype == np.uint8 and raw.max() == 255


def test_split_is_stratified_deterministic_and_shuffled():
    first, second = load_mnist(offline=True), load_mnist(offline=True)
    np.testing.assert_array_equal(first.x_train, second.x_train)
    np.testing.assert_array_equal(first.y_test, second.y_test)
    assert np.bincount(first.y_train).tolist() == [400] * 10
    assert np.bincount(first.y_test).tolist() == [100] * 10
    assert len(set(first.y_train[:20].tolist())) > 3  # not sorted by label any more
    other_seed = load_mnist(offline=True, seed=1)
    assert not np.array_equal(first.y_train, other_seed.y_train)


def test_the_bundled_subset_is_the_default_even_online(monkeypatch):
    monkeypatch.delenv("COURSE_DATA", raising=False)
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    monkeypatch.setattr(data, "_load_keras_mnist", _must_not_be_called)
    monkeypatch.setattr(data, "network_reachable", _must_not_be_called)
    mnist = load_mnist()
    assert mnist.source == data.SOURCE_BUNDLED
    assert "COURSE_DATA=full" in mnist.describe()


def test_course_data_full_with_offline_mode_falls_back_and_says_why(monkeypatch):
    monkeypatch.setenv("COURSE_DATA", "full")
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr(data, "_load_keras_mnist", _must_not_be_called)
    with pytest.warns(UserWarning, match="offline mode is on.*bundled"):
        mnist = load_mnist()
    assert mnist.source == data.SOURCE_BUNDLED
    assert "offline mode" in mnist.describe()


@pytest.mark.parametrize("value", ["ful", "all", "1"])
def test_an_unknown_course_data_value_is_refused_with_the_choices(monkeypatch, value):
    monkeypatch.setenv("COURSE_DATA", value)
    with pytest.raises(ValueError, match="COURSE_DATA=full for the full MNIST"):
        load_mnist()


def _must_not_be_called(*args, **kwargs):
    raise AssertionError("the bundled default must not try Keras or the network")


def test_unreachable_network_falls_back_with_a_warning(keras_home, monkeypatch):
    monkeypatch.setattr(data, "network_reachable", lambda *a, **k: False)
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="network is not reachable.*bundled"):
        mnist = load_mnist(full=True, offline=False)
    assert time.perf_counter() - start < 5.0
    assert mnist.source == data.SOURCE_BUNDLED


def test_network_probe_is_bounded_in_time():
    start = time.perf_counter()
    # A port on this machine that nothing listens on: refused at once, or bounded by timeout.
    assert data.network_reachable("127.0.0.1", 9, timeout=1.0) is False
    assert time.perf_counter() - start < 2.0


def test_failed_download_falls_back(keras_home, monkeypatch):
    import keras

    def broken_download(*args, **kwargs):
        raise Exception("URL fetch failure: no route to host")

    monkeypatch.setattr(data, "network_reachable", lambda *a, **k: True)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", broken_download)
    with pytest.warns(UserWarning, match="Downloading the full MNIST through Keras failed"):
        mnist = load_mnist(full=True, offline=False)
    assert mnist.source == data.SOURCE_BUNDLED


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_cache_gives_a_clear_message_and_the_fallback(keras_home, damage):
    cache = keras_home / "datasets" / "mnist.npz"
    if damage == "garbage":
        cache.write_bytes(b"this is not a zip file")
    else:
        _write_fake_keras_mnist(cache)
        cache.write_bytes(cache.read_bytes()[:500])
    with pytest.warns(UserWarning, match="damaged or truncated.*Delete that file"):
        mnist = load_mnist(full=True, offline=False)
    assert mnist.source == data.SOURCE_BUNDLED
    assert cache.exists()  # the learner's file is reported, never deleted


def test_a_good_cache_is_used_with_its_standard_split(keras_home, monkeypatch):
    cache = keras_home / "datasets" / "mnist.npz"
    _write_fake_keras_mnist(cache)
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", data.file_sha256(cache))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mnist = load_mnist(full=True, offline=False)
    assert mnist.source == data.SOURCE_KERAS
    # The full MNIST keeps its own standard split (here 200/100), not a re-split.
    assert (len(mnist.x_train), len(mnist.x_test)) == (200, 100)
    raw = np.load(cache)
    np.testing.assert_array_equal(mnist.y_test, raw["y_test"])
    assert mnist.x_train.dtype == np.float32 and mnist.x_train.max() <= 1.0
    assert mnist.describe().startswith("full MNIST (Keras): 200 training and 100 test")


def test_cache_with_right_hash_but_wrong_content_is_reported(keras_home, monkeypatch):
    cache = keras_home / "datasets" / "mnist.npz"
    np.savez(cache, something_else=np.zeros(3))
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", data.file_sha256(cache))
    with pytest.warns(UserWarning, match="Could not read"):
        assert load_mnist(full=True, offline=False).source == data.SOURCE_BUNDLED


def test_validation_split_is_carved_from_training_data_stratified():
    mnist = load_mnist(offline=True)
    x_fit, x_val, y_fit, y_val = data.validation_split(mnist.x_train, mnist.y_train)
    assert (len(x_fit), len(x_val)) == (3200, 800)
    assert np.bincount(y_val).tolist() == [80] * 10
    x_fit2, x_val2 = data.validation_split(mnist.x_train, seed=0)
    assert len(x_val2) == 800
    with pytest.raises(ValueError, match="fraction"):
        data.validation_split(mnist.x_train, fraction=1.0)


def test_bundled_checksum_is_verified(tmp_path):
    copy = tmp_path / "mnist_5k.npz"
    copy.write_bytes(data.BUNDLED_PATH.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(DataError, match="damaged"):
        load_bundled_mnist(copy)
    with pytest.raises(DataError, match="missing"):
        load_bundled_mnist(tmp_path / "nowhere.npz")


def test_bundled_subset_has_500_real_digits_per_class():
    images, labels = load_bundled_mnist()
    assert images.shape == (5000, 28, 28)
    assert np.bincount(labels).tolist() == [500] * 10
    # Real digits: ink in the middle, paper at the border.
    assert images[:, 10:18, 10:18].mean() > 4 * images[:, :3, :].mean()


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 2])
def test_bad_test_fraction_is_refused(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_mnist(offline=True, test_fraction=fraction)


def _write_fake_keras_mnist(path):
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10, dtype=np.uint8), 30)
    images = rng.integers(0, 256, size=(300, 28, 28), dtype=np.uint8)
    np.savez_compressed(
        path, x_train=images[:200], y_train=labels[:200], x_test=images[200:], y_test=labels[200:]
    )
