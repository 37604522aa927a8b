"""The shipped MNIST feature network: checksum, accuracy, determinism, messages, calibration."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from course_utils import features, load_mnist
from course_utils.data import DataError, file_sha256
from course_utils.features import (
    WEIGHTS_PATH,
    WEIGHTS_SHA256,
    classify,
    feature_network,
    mnist_features,
    read_weights,
)
from course_utils.generation import calibration_sets, generation_scores

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist(offline=True)


@pytest.fixture(scope="module")
def scores(mnist):
    """Generation scores of each calibration set against 1,000 real training images."""
    reference, sets = calibration_sets(mnist, n=1000, seed=0)
    real = mnist_features(reference)
    return {name: generation_scores(real, mnist_features(images)) for name, images in sets.items()}


# --- the weight file ------------------------------------------------------------------------


def test_shipped_weights_match_their_checksum_and_provenance():
    assert file_sha256(WEIGHTS_PATH) == WEIGHTS_SHA256
    assert WEIGHTS_PATH.stat().st_size < 1_000_000
    provenance = (WEIGHTS_PATH.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert WEIGHTS_SHA256 in provenance


def test_a_tampered_copy_is_refused(tmp_path):
    tampered = tmp_path / "mnist_features.npz"
    content = bytearray(WEIGHTS_PATH.read_bytes())
    content[len(content) // 2] ^= 0xFF
    tampered.write_bytes(bytes(content))
    with pytest.raises(DataError, match="damaged or not the shipped file"):
        feature_network(tampered)


def test_a_missing_file_is_explained(tmp_path):
    with pytest.raises(DataError, match="missing"):
        feature_network(tmp_path / "nothing.npz")


def test_training_script_writes_byte_identical_files(tmp_path):
    spec = importlib.util.spec_from_file_location("train_feature_net",
                                                  ROOT / "tools" / "train_feature_net.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    weights = read_weights(WEIGHTS_PATH)
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    script.write_weights(weights, first)
    script.write_weights(weights, second)
    assert first.read_bytes() == second.read_bytes()
    assert file_sha256(first) == WEIGHTS_SHA256  # the shipped file is exactly what it writes
    assert all(np.array_equal(a, b) for a, b in zip(read_weights(first), weights, strict=True))


# --- the network ----------------------------------------------------------------------------


def test_the_network_is_cached_and_accurate_on_the_test_split(mnist):
    assert feature_network() is feature_network()
    accuracy = float(np.mean(classify(mnist.x_test) == mnist.y_test))
    assert accuracy >= 0.95


def test_features_are_deterministic_and_accept_flat_images(mnist):
    images = mnist.x_test[:300]
    first = mnist_features(images)
    assert first.shape == (300, features.FEATURE_UNITS) and first.dtype == np.float64
    np.testing.assert_array_equal(first, mnist_features(images))
    np.testing.assert_array_equal(first, mnist_features(images.reshape(300, 784)))
    assert classify(images).dtype.kind == "i"


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda x: x * 255, "divided by 255 once"),
        (lambda x: x - 0.5, "np.clip"),
        (lambda x: x[0], "pass images[None]"),
        (lambda x: x.reshape(-1, 14, 56), "shape (n, 28, 28) or (n, 784)"),
        (lambda x: np.where(x > 0.5, np.nan, x), "NaN"),
        (lambda x: "images", "numeric array"),
    ],
)
def test_bad_images_get_a_clear_message(mnist, make, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        mnist_features(make(mnist.x_test[:4]))


# --- calibration: the orderings lesson 06 shows ---------------------------------------------


def test_real_test_images_score_close_to_the_real_training_images(scores):
    real = scores["real test images"]
    assert real["precision"] > 0.8 and real["recall"] > 0.8
    assert real["coverage"] > 0.85 and 0.7 < real["density"] < 1.3
    others = [s["frechet_distance"] for name, s in scores.items() if name != "real test images"]
    assert real["frechet_distance"] * 5 < min(others)


def test_gaussian_noise_is_far_from_real_digits(scores):
    real, noise = scores["real test images"], scores["Gaussian noise"]
    assert noise["frechet_distance"] > 50 * real["frechet_distance"]
    assert noise["precision"] < 0.1 and noise["recall"] < 0.1 and noise["coverage"] < 0.1


def test_dropping_five_digits_lowers_recall_while_precision_holds(scores):
    real, dropped = scores["real test images"], scores["five digits dropped"]
    assert dropped["recall"] < real["recall"] - 0.2
    assert dropped["coverage"] < real["coverage"] - 0.2
    assert dropped["precision"] > real["precision"] - 0.05
    assert dropped["density"] > real["density"] - 0.1


def test_blurred_complete_digits_lower_precision(scores, mnist):
    real, blurred = scores["real test images"], scores["blurred digits"]
    assert blurred["precision"] < real["precision"] - 0.1
    assert blurred["density"] < real["density"] - 0.2
    _, sets = calibration_sets(mnist, n=1000, seed=0)
    assert len(np.unique(classify(sets["blurred digits"]))) == 10  # still all ten digits
