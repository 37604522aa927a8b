"""MNIST through one loader: a bundled subset by default, the full set when asked for.

The default is the bundled subset: 5,000 real MNIST images (500 per class) shipped inside the
package (see ``course_utils/data/PROVENANCE.md``), split 80/20. It needs no network, is the same
for every learner, and gives the numbers stored in the notebooks. ``COURSE_DATA=full`` (or
``load_mnist(full=True)``) asks for the full MNIST through Keras with its standard
60,000/10,000 split. Either way pixels are float32 in [0, 1] (scaled exactly once), labels are
integers, and the result says which source it is and why.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import warnings
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .config import DATA_ENV, is_offline, wants_full_mnist

BUNDLED_PATH = Path(__file__).parent / "data" / "mnist_5k.npz"
BUNDLED_SHA256 = "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4"
# The hash Keras itself uses to verify its mnist.npz download.
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_MNIST_HOST = ("storage.googleapis.com", 443)
NETWORK_PROBE_SECONDS = 3.0

SOURCE_KERAS = "full MNIST (Keras)"
SOURCE_BUNDLED = "bundled MNIST subset"


class DataError(RuntimeError):
    """A data file is missing, damaged or not what it should be."""


@dataclass(frozen=True)
class MnistData:
    """Train/test split of MNIST; pixels float32 in [0, 1], shape (n, 28, 28)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    why_this_source: str = ""

    def describe(self) -> str:
        text = (
            f"{self.source}: {len(self.x_train):,} training and {len(self.x_test):,} test "
            f"images of {self.x_train.shape[1]}x{self.x_train.shape[2]} pixels in [0, 1]"
        )
        return f"{text}\n        ({self.why_this_source})" if self.why_this_source else text

    def __repr__(self) -> str:
        return f"MnistData({self.describe()})"


def load_mnist(
    *,
    full: bool | None = None,
    test_fraction: float = 0.2,
    seed: int = 0,
    offline: bool | None = None,
) -> MnistData:
    """Load MNIST, split into train and test sets.

    By default the bundled subset, split stratified and seeded (``test_fraction`` of it for
    testing). With ``full=True`` (default: ``COURSE_DATA=full``) the full MNIST through Keras,
    from its cache or a download, with the standard 60,000/10,000 split; when that cannot be had
    (offline mode, no network, a damaged cache) the bundled subset, with a warning saying why.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction!r}.")
    full = wants_full_mnist() if full is None else full
    offline = is_offline() if offline is None else offline
    why = (f"the course default: the same images for everyone, offline; {DATA_ENV}=full for "
           "the full MNIST")
    if full:
        try:
            if offline:
                raise DataError(f"{DATA_ENV}=full asks for the full MNIST, but offline mode is on.")
            return replace(_load_keras_mnist(), why_this_source=f"{DATA_ENV}=full")
        except DataError as err:
            warnings.warn(f"{err} Using the {SOURCE_BUNDLED} instead.", stacklevel=2)
            why = str(err)
    mnist = split_mnist(*load_bundled_mnist(), source=SOURCE_BUNDLED,
                        test_fraction=test_fraction, seed=seed)
    return replace(mnist, why_this_source=why)


def split_mnist(
    images: np.ndarray, labels: np.ndarray, *, source: str, test_fraction: float, seed: int
) -> MnistData:
    """Stratified, shuffled split; uint8 pixels are scaled to float32 [0, 1] here, once."""
    from sklearn.model_selection import train_test_split

    if images.dtype != np.uint8:
        raise DataError(f"Expected raw uint8 pixels to scale, got dtype {images.dtype}.")
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_fraction, stratify=labels, shuffle=True, random_state=seed
    )
    return _scaled(x_train, y_train, x_test, y_test, source=source)


def validation_split(x, y=None, *, fraction: float = 0.2, seed: int = 0):
    """Carve a validation set out of training data, so the test set is used only at the end.

    Returns ``(x_fit, x_val)``, or ``(x_fit, x_val, y_fit, y_val)`` (stratified) when labels
    are given.

    >>> x_fit, x_val, y_fit, y_val = validation_split(mnist.x_train, mnist.y_train)
    """
    from sklearn.model_selection import train_test_split

    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must lie strictly between 0 and 1, got {fraction!r}.")
    if y is None:
        return tuple(train_test_split(x, test_size=fraction, shuffle=True, random_state=seed))
    return tuple(train_test_split(x, y, test_size=fraction, stratify=y, shuffle=True,
                                  random_state=seed))


def _scaled(x_train, y_train, x_test, y_test, *, source: str) -> MnistData:
    """Raw uint8 splits as MnistData: pixels scaled to float32 [0, 1] here, once."""
    return MnistData(
        x_train=_to_unit_float(x_train),
        y_train=y_train.astype(np.int64),
        x_test=_to_unit_float(x_test),
        y_test=y_test.astype(np.int64),
        source=source,
    )


def _to_unit_float(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / np.float32(255.0)


def load_bundled_mnist(path: Path = BUNDLED_PATH, sha256: str = BUNDLED_SHA256):
    """The bundled 5,000-image subset as raw uint8 images (n, 28, 28) and labels (n,)."""
    verify_shipped_file(path, sha256, "The bundled MNIST subset")
    return _read_npz(path, image_key="images", label_key="labels")


def verify_shipped_file(path: Path, sha256: str, what: str) -> None:
    """DataError unless a file shipped inside the package exists and has its recorded sha256."""
    if not path.exists():
        raise DataError(
            f"{what} is missing ({path}). Reinstall the course package (`make lab` or "
            "`pip install -e .`)."
        )
    found = file_sha256(path)
    if found != sha256:
        raise DataError(
            f"{what} at {path} is damaged or not the shipped file (sha256 {found[:12]}..., "
            f"expected {sha256[:12]}...). If you cloned with Git LFS or edited it, restore it "
            f"with `git checkout -- course_utils/data/{path.name}`."
        )


def keras_cache_path() -> Path:
    """Where Keras keeps its MNIST download (``$KERAS_HOME`` or ``~/.keras``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join("~", ".keras")
    return Path(home).expanduser() / "datasets" / "mnist.npz"


def _load_keras_mnist() -> MnistData:
    """Full MNIST from the Keras cache (downloading it if needed), with its own 60k/10k split."""
    cache = keras_cache_path()
    if not cache.exists():
        if not network_reachable(*KERAS_MNIST_HOST, timeout=NETWORK_PROBE_SECONDS):
            raise DataError("The full MNIST is not cached and the network is not reachable.")
        try:
            import keras

            keras.datasets.mnist.load_data()
        except Exception as err:  # Keras raises a bare Exception on fetch failures
            raise DataError(f"Downloading the full MNIST through Keras failed ({err}).") from err
    if file_sha256(cache) != KERAS_MNIST_SHA256:
        raise DataError(
            f"The cached full MNIST at {cache} is damaged or truncated (its checksum does not "
            "match). Delete that file to download it again."
        )
    x_train, y_train = _read_npz(cache, image_key="x_train", label_key="y_train")
    x_test, y_test = _read_npz(cache, image_key="x_test", label_key="y_test")
    return _scaled(x_train, y_train, x_test, y_test, source=SOURCE_KERAS)


def _read_npz(path: Path, *, image_key: str, label_key: str):
    """Read uint8 images (n, 28, 28) and their labels from an .npz file."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            images = npz[image_key]
            labels = npz[label_key]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"Could not read {path} ({type(err).__name__}: {err}).") from err
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DataError(f"{path} holds images of shape {images.shape}, expected (n, 28, 28).")
    return images, labels


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def network_reachable(host: str, port: int, timeout: float) -> bool:
    """Can we open a TCP connection to host:port within ``timeout`` seconds (DNS included)?"""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)  # DNS look-ups ignore socket timeouts; the join bounds them
    return bool(result and result[0])
