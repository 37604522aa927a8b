"""A small MNIST classifier shipped with the course, used as a feature space for generation metrics.

Fréchet distance, precision/recall and density/coverage compare sets of images in the feature
space of a network (for photographs, Inception-v3). For MNIST the course ships its own small
convolutional classifier, trained by ``tools/train_feature_net.py`` on the training split of the
bundled subset only; its weights sit in ``course_utils/data/mnist_features.npz`` (sha256 and
provenance in ``course_utils/data/PROVENANCE.md``) and are verified on every load.

>>> feats = mnist_features(images)   # (n, 64) penultimate-layer activations
>>> digits = classify(images)        # (n,) predicted digit of each image
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .data import DataError, verify_shipped_file

WEIGHTS_PATH = Path(__file__).parent / "data" / "mnist_features.npz"
WEIGHTS_SHA256 = "5105b7dc661258b955570af0f2a1bcf66b8cc8aad939668486273f3ff6e2a63a"
FEATURE_LAYER = "features"
FEATURE_UNITS = 64
BATCH_SIZE = 500

_CACHE: dict[str, object] = {}


def build_feature_network():
    """The architecture (untrained): conv 16 -> pool -> conv 32 -> pool -> dense 64 -> dense 10.

    The features are the 64 pre-activations of the penultimate layer (before its ReLU): unlike
    the ReLU outputs they have no units that are always 0, so their covariance is full-rank.
    """
    keras = _keras()
    layers = keras.layers

    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Reshape((28, 28, 1))(inputs)
    x = layers.Conv2D(16, 3, activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    features = layers.Dense(FEATURE_UNITS, name=FEATURE_LAYER)(x)  # features: before the ReLU
    x = layers.Activation("relu")(features)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10, activation="softmax", name="digit")(x)
    return keras.Model(inputs, outputs, name="mnist_feature_net")


def feature_network(path: Path | None = None, sha256: str | None = None):
    """The trained classifier (a ``keras.Model``), its weights verified by sha256 first.

    Without arguments the shipped weights, loaded once and cached. ``path``/``sha256`` load
    another weight file (uncached), e.g. to check that a damaged copy is refused.
    """
    if path is None and sha256 is None:
        if "model" not in _CACHE:
            _CACHE["model"] = _load(WEIGHTS_PATH, WEIGHTS_SHA256)
        return _CACHE["model"]
    return _load(Path(path or WEIGHTS_PATH), sha256 or WEIGHTS_SHA256)


def mnist_features(images, *, model=None) -> np.ndarray:
    """Features (n, 64), float64, of images (n, 28, 28) or (n, 784) with pixels in [0, 1].

    The features are the penultimate layer's pre-activations (see build_feature_network).
    """
    return _run(_extractor(model), _as_images(images))


def classify(images, *, model=None) -> np.ndarray:
    """Predicted digit (n,) int64 of each image (n, 28, 28) or (n, 784) in [0, 1]."""
    return np.argmax(_run(model or feature_network(), _as_images(images)), axis=1)


def _load(path: Path, sha256: str):
    """Rebuild the architecture and load the weights from ``path`` after checking its hash."""
    verify_shipped_file(path, sha256, "The feature network's weights")
    weights = read_weights(path)
    model = build_feature_network()
    if [w.shape for w in model.get_weights()] != [w.shape for w in weights]:
        raise DataError(f"The weights in {path} do not fit the feature network's architecture.")
    model.set_weights(weights)
    return model


def read_weights(path: Path) -> list[np.ndarray]:
    """The weight arrays stored as w00, w01, ... in an .npz file, in order."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = sorted(name for name in npz.files if name.startswith("w"))
            return [npz[name] for name in names]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"Could not read {path} ({type(err).__name__}: {err}).") from err


def _extractor(model=None):
    """A model from images to the feature layer (cached for the shipped network)."""
    keras = _keras()

    if model is not None:
        return keras.Model(model.input, model.get_layer(FEATURE_LAYER).output)
    if "extractor" not in _CACHE:
        net = feature_network()
        _CACHE["extractor"] = keras.Model(net.input, net.get_layer(FEATURE_LAYER).output)
    return _CACHE["extractor"]


def _keras():
    """Keras, with TensorFlow imported first without its C++ start-up notices."""
    from .quiet import import_tensorflow

    import_tensorflow()
    import keras

    return keras


def _run(model, images: np.ndarray) -> np.ndarray:
    """Apply ``model`` in inference mode, batch by batch, to float32 images (n, 28, 28)."""
    outputs = [
        np.asarray(model(images[start:start + BATCH_SIZE], training=False))
        for start in range(0, len(images), BATCH_SIZE)
    ]
    return np.concatenate(outputs).astype(np.float64)


def _as_images(images) -> np.ndarray:
    """Validate images and return them as float32 (n, 28, 28) with a clear message if wrong."""
    try:
        x = np.asarray(images, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"Expected images as a numeric array of shape (n, 28, 28) or (n, 784); got "
            f"{type(images).__name__} ({err})."
        ) from err
    if x.ndim == 4 and x.shape[1:] == (28, 28, 1):
        x = x[..., 0]
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        hint = " For a single image, pass images[None]." if x.shape in {(28, 28), (784,)} else ""
        raise ValueError(
            f"Expected images of shape (n, 28, 28) or (n, 784); got shape {x.shape}.{hint}"
        )
    if len(x) == 0:
        raise ValueError("Expected at least one image; got an empty array.")
    if not np.isfinite(x).all():
        raise ValueError("The images contain NaN or infinite pixels.")
    low, high = float(x.min()), float(x.max())
    if high > 1.0 + 1e-3:
        raise ValueError(
            f"Expected pixels in [0, 1]; found values up to {high:g}. Pixels 0-255 need to be "
            "divided by 255 once."
        )
    if low < -1e-3:
        raise ValueError(
            f"Expected pixels in [0, 1]; found values down to {low:g}. Clip noisy images with "
            "np.clip(images, 0, 1) or undo a normalisation before computing features."
        )
    return x
