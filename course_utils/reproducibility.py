"""One call to make a run repeatable: seeds and deterministic TensorFlow ops."""

from __future__ import annotations

DEFAULT_SEED = 42


def seed_everything(seed: int = DEFAULT_SEED) -> int:
    """Seed Python, NumPy and Keras/TensorFlow and turn on TensorFlow op determinism.

    Two runs that call this with the same seed and then do the same work give
    identical numbers (on the same machine and library versions).
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}.")
    from .quiet import import_tensorflow

    tf = import_tensorflow()
    import keras

    keras.utils.set_random_seed(seed)  # Python's random, NumPy and the backend
    tf.config.experimental.enable_op_determinism()
    return seed
