"""Train the small MNIST feature network shipped in course_utils/data/mnist_features.npz.

Trains on the training split of the bundled 5,000-image subset only (``load_mnist()``, 4,000
images), seeded and with TensorFlow op determinism, in seconds on a CPU. The hyperparameters are
fixed in this file; the test split is touched once, at the end, to report the accuracy. The .npz
is written with fixed zip timestamps, so identical weights give an identical file (and sha256).

    .venv/bin/python tools/train_feature_net.py [--out PATH]

Afterwards paste the printed sha256 into course_utils/features.py (WEIGHTS_SHA256) and the
printed lines into course_utils/data/PROVENANCE.md.
"""

from __future__ import annotations

import argparse
import io
import platform
import time
import zipfile
from pathlib import Path

import numpy as np

SEED = 0
EPOCHS = 15
BATCH_SIZE = 64
LEARNING_RATE = 1e-3


def train(seed: int = SEED):
    """Train the feature network on the bundled training split; return (model, seconds)."""
    import keras

    from course_utils import load_mnist, seed_everything
    from course_utils.features import build_feature_network

    seed_everything(seed)
    mnist = load_mnist(full=False, offline=True)
    model = build_feature_network()
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(mnist.x_train, mnist.y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
              shuffle=True, verbose=0)
    return model, time.perf_counter() - start, mnist


def write_weights(weights: list[np.ndarray], path: Path) -> None:
    """Save arrays as w00, w01, ... in a compressed .npz with fixed timestamps (reproducible)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, array in enumerate(weights):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array, dtype=np.float32),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"w{index:02d}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def main() -> None:
    from course_utils.data import file_sha256  # first: it quiets TensorFlow's C++ log lines
    from course_utils.quiet import import_tensorflow

    tf = import_tensorflow()
    import keras

    from course_utils.features import WEIGHTS_PATH

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()

    model, seconds, mnist = train()
    _, train_acc = model.evaluate(mnist.x_train, mnist.y_train, verbose=0)
    _, test_acc = model.evaluate(mnist.x_test, mnist.y_test, verbose=0)
    write_weights(model.get_weights(), args.out)
    print(f"- **Trained by**: `tools/train_feature_net.py` (seed {SEED}, {EPOCHS} epochs, "
          f"batch {BATCH_SIZE}, Adam {LEARNING_RATE:g}) in {seconds:.1f} s on "
          f"{platform.machine()} CPU")
    print(f"- **Versions**: Python {platform.python_version()}, TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}, NumPy {np.__version__}")
    print(f"- **Parameters**: {model.count_params():,}; file size {args.out.stat().st_size:,} "
          "bytes")
    print(f"- **Accuracy**: training split {train_acc:.4f} ({len(mnist.x_train):,} images), "
          f"test split {test_acc:.4f} ({len(mnist.x_test):,} images)")
    print(f"- **sha256**: `{file_sha256(args.out)}`")


if __name__ == "__main__":
    main()
