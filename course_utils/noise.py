"""Corrupting images for denoising autoencoders: Gaussian, masking and salt-and-pepper noise.

Every function takes an explicit ``rng`` (a NumPy ``Generator`` or an integer seed) and never
touches NumPy's global random state, so the same seed always gives the same noise. The input
array is never modified; the result is a new float32 array.

>>> noisy = add_gaussian_noise(images, std=0.3, rng=0)
>>> masked = add_masking_noise(images, fraction=0.5, rng=np.random.default_rng(1))
>>> speckled = add_salt_and_pepper_noise(images, fraction=0.2, rng=2)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras
import numpy as np

RandomSource = np.random.Generator | int


def as_generator(rng: RandomSource) -> np.random.Generator:
    """The Generator itself, or a new one seeded with an integer ``rng``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be a NumPy Generator (e.g. np.random.default_rng(0)) or a non-negative "
        f"integer seed; got {rng!r}."
    )


def add_gaussian_noise(images, std: float, *, rng: RandomSource) -> np.ndarray:
    """A copy of ``images`` plus independent N(0, std^2) noise per pixel, clipped to [0, 1]."""
    if not std >= 0:
        raise ValueError(f"std must be >= 0, got {std!r}.")
    pixels = np.asarray(images, dtype=np.float32)
    noise = as_generator(rng).normal(0.0, std, size=pixels.shape).astype(np.float32)
    return np.clip(pixels + noise, 0.0, 1.0)


def add_masking_noise(images, fraction: float, *, rng: RandomSource) -> np.ndarray:
    """A copy of ``images`` with each pixel set to 0 independently with probability ``fraction``.

    Kept pixels are unchanged (not rescaled). This is the masking noise of Vincent et al. (2010).
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}.")
    pixels = np.asarray(images, dtype=np.float32)
    keep = as_generator(rng).random(pixels.shape) >= fraction
    return np.where(keep, pixels, np.float32(0.0))


def add_salt_and_pepper_noise(images, fraction: float, *, rng: RandomSource) -> np.ndarray:
    """A copy of ``images`` with each pixel hit independently with probability ``fraction`` and
    set to 0 ("pepper") or 1 ("salt"), equally likely.

    On a black background most pepper leaves the pixel as it was: see ``changed_share``.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction!r}.")
    pixels = np.asarray(images, dtype=np.float32)
    generator = as_generator(rng)
    hit = generator.random(pixels.shape) < fraction
    values = generator.integers(0, 2, pixels.shape).astype(np.float32)
    return np.where(hit, values, pixels)


def changed_share(images, noisy) -> float:
    """The share of pixels whose value differs between ``images`` and ``noisy``.

    For salt-and-pepper noise with ``fraction`` f this is below f: a pixel hit by pepper that
    was already black (most of an MNIST digit's background) does not change.
    """
    clean = np.asarray(images, dtype=np.float32)
    return float(np.mean(np.asarray(noisy, dtype=np.float32) != clean))


class NoisyBatches(keras.utils.PyDataset):
    """``(noisy, clean)`` batches for ``model.fit``: fresh noise and a fresh order every epoch.

    ``corrupt(clean_batch, rng=generator)`` makes the noisy inputs, for example
    ``functools.partial(add_gaussian_noise, std=0.3)``. Batch ``i`` of epoch ``e`` depends only
    on ``(seed, e, i)``, so training is reproducible.

    >>> model.fit(NoisyBatches(x_train, partial(add_masking_noise, fraction=0.5), seed=1),
    ...           epochs=10, verbose=0)
    """

    def __init__(
        self,
        images,
        corrupt: Callable[..., np.ndarray],
        *,
        batch_size: int = 64,
        seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.images = np.asarray(images, dtype=np.float32)
        self.corrupt = corrupt
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.epoch = 0
        self._order = self._shuffled()

    def _shuffled(self) -> np.ndarray:
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.images))

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int):
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        clean = self.images[rows]
        noisy = self.corrupt(clean, rng=np.random.default_rng([self.seed, self.epoch, index]))
        return np.asarray(noisy, dtype=np.float32), clean

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self._order = self._shuffled()
