"""Keep TensorFlow's C++ start-up chatter out of learners' notebooks.

TensorFlow prints oneDNN and CUDA notices from C++ straight to file descriptor 2, before its
log settings apply, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them. Jupyter shows them as red
stderr in the first cell. We silence descriptor 2 only while TensorFlow loads and picks its
devices; Python exceptions are unaffected, so a failed import still says why.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def silenced_stderr_fd():
    """Redirect file descriptor 2 to /dev/null for the duration of the block."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no real descriptor 2 (some embedded consoles): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow (and initialise its devices) without the C++ notices."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    with silenced_stderr_fd():
        import tensorflow as tf

        tf.config.list_physical_devices()  # device discovery prints CUDA notices too
    return tf
