"""Sampling and walking in a code space: a Gaussian fitted to codes, interpolation.

A plain autoencoder has no distribution over its codes to sample from. The simplest fix
(lesson 06) fits one: a Gaussian with the codes' mean and full covariance, then decodes samples
from it. Lesson 08 reuses it as the "AE + Gaussian" generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GaussianCodes:
    """A Gaussian N(mean, cov) fitted to codes; ``sample`` draws new codes from it."""

    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def fit(cls, codes) -> GaussianCodes:
        """Mean and full covariance (``np.cov`` with one row per image) of ``(n, k)`` codes."""
        codes = np.asarray(codes, dtype=np.float64)
        if codes.ndim != 2 or len(codes) < 2:
            raise ValueError(
                f"codes must be a 2-D array (images, code units) with at least 2 rows, "
                f"got shape {codes.shape}."
            )
        if not np.isfinite(codes).all():
            raise ValueError("codes contain NaN or infinity: check the encoder's outputs.")
        return cls(mean=codes.mean(axis=0), cov=np.atleast_2d(np.cov(codes, rowvar=False)))

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """``n`` codes (float32, shape ``(n, k)``) drawn with ``np.random.default_rng(seed)``."""
        if not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(f"n must be a whole number >= 1, got {n!r}.")
        rng = np.random.default_rng(seed)
        return rng.multivariate_normal(self.mean, self.cov, size=n).astype("float32")


def interpolate(code_a, code_b, steps: int = 8) -> np.ndarray:
    """``steps`` codes on the straight line from ``code_a`` to ``code_b``, both ends included."""
    a = np.asarray(code_a, dtype=np.float32).ravel()
    b = np.asarray(code_b, dtype=np.float32).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the two codes differ in size: {a.size} and {b.size} values.")
    if not isinstance(steps, int | np.integer) or steps < 2:
        raise ValueError(f"steps must be a whole number >= 2, got {steps!r}.")
    weights = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return (1 - weights) * a + weights * b


def nearest_distances(points, reference) -> np.ndarray:
    """Euclidean distance from each of ``points`` (n, k) to its nearest row of ``reference``.

    A support test: small distances say the points lie *near* reference codes, nothing about
    whether they are spread like them (a tight cluster near a few codes scores well too).
    """
    from sklearn.neighbors import NearestNeighbors

    points = np.asarray(points, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if points.ndim != 2 or reference.ndim != 2 or points.shape[1] != reference.shape[1]:
        raise ValueError(f"points and reference must be (n, k) arrays with the same k; got "
                         f"shapes {points.shape} and {reference.shape}.")
    distances, _ = NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(points)
    return distances[:, 0]


def spread_ratio(samples, codes) -> float:
    """Median over code units of std(samples) / std(codes): 1 when the spreads match."""
    samples = np.asarray(samples, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.float64)
    if samples.ndim != 2 or codes.ndim != 2 or samples.shape[1] != codes.shape[1]:
        raise ValueError(f"samples and codes must be (n, k) arrays with the same k; got "
                         f"shapes {samples.shape} and {codes.shape}.")
    return float(np.median(samples.std(axis=0, ddof=1) / codes.std(axis=0, ddof=1)))
