"""Toy 2-D data for generative models: a ring of Gaussians and its two mode metrics.

The modes sit at angles ``2*pi*k/modes`` for ``k = 0..modes-1``: all distinct. (With
``np.linspace(0, 2*pi, 8)`` the first and last angle coincide and the ring has only 7 modes.)
A sample is *high quality* when it lies within 3 standard deviations of some mode centre; it
*bridges* modes when it lies on the ring but far from every centre. Modes covered and the
high-quality share are the measures of Srivastava et al. (2017, VEEGAN).
"""

from __future__ import annotations

import math

import numpy as np


def ring_centres(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The ``(modes, 2)`` mode centres, evenly spaced on a circle of ``radius``."""
    if not isinstance(modes, int | np.integer) or modes < 1:
        raise ValueError(f"modes must be a whole number >= 1, got {modes!r}.")
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius!r}.")
    angles = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                      seed: int = 0) -> np.ndarray:
    """``n`` points (float32, shape ``(n, 2)``): a mode picked uniformly, plus N(0, std^2) noise.

    The centres are ``ring_centres(modes, radius)``.
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}.")
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std!r}.")
    rng = np.random.default_rng(seed)
    centres = ring_centres(modes, radius)
    which = rng.integers(0, modes, size=n)
    return (centres[which] + rng.normal(0.0, std, size=(n, 2))).astype("float32")


def _nearest(samples, centres) -> tuple[np.ndarray, np.ndarray]:
    """For each sample: the index of its nearest centre and the distance to it."""
    samples = np.asarray(samples, dtype="float64")
    centres = np.asarray(centres, dtype="float64")
    if samples.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(f"samples must have shape (n, {centres.shape[1]}), "
                         f"got {samples.shape}.")
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    return distances.argmin(axis=1), distances.min(axis=1)


def high_quality_share(samples, centres, std: float) -> float:
    """The share of samples within 3 ``std`` of any mode centre (0 to 1)."""
    _, distance = _nearest(samples, centres)
    return float(np.mean(distance <= 3 * std))


def modes_covered(samples, centres, std: float, min_count: int | None = None) -> int:
    """How many modes hold at least ``min_count`` high-quality samples (within 3 ``std``).

    By default ``min_count`` is a fifth of a fair share, ``ceil(0.2 * n / modes)`` for ``n``
    samples (25 of 1,000 samples over 8 modes), at least 1: a mode a generator reaches only by
    a stray sample does not count.
    """
    nearest, distance = _nearest(samples, centres)
    modes = len(centres)
    if min_count is None:
        min_count = max(1, math.ceil(0.2 * len(nearest) / modes))
    counts = np.bincount(nearest[distance <= 3 * std], minlength=modes)
    return int(np.sum(counts >= min_count))


def between_modes_share(samples, centres, std: float, band: float = 0.25) -> float:
    """The share of samples that *bridge* modes: on the ring (distance from the origin within
    ``band`` of the centres' radius) but more than 3 ``std`` from every mode centre."""
    samples = np.asarray(samples, dtype="float64")
    _, distance = _nearest(samples, centres)
    radius = float(np.linalg.norm(np.asarray(centres, dtype="float64"), axis=1).mean())
    on_ring = np.abs(np.linalg.norm(samples, axis=1) - radius) <= band
    return float(np.mean(on_ring & (distance > 3 * std)))


def mode_counts(samples, centres, std: float) -> np.ndarray:
    """How many samples lie within 3 ``std`` of each mode centre, shape ``(modes,)``."""
    nearest, distance = _nearest(samples, centres)
    return np.bincount(nearest[distance <= 3 * std], minlength=len(centres))
