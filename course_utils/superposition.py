"""Toy superposition data: many sparse features squeezed into fewer dimensions.

Elhage et al. (2022), "Toy Models of Superposition": when features are sparse, a network can
store more features than it has dimensions by giving each one a direction, the directions
necessarily not orthogonal. Here the embedding is random and known, so a sparse autoencoder's
decoder directions can be compared with the true ones (lesson 12)::

    toy = superposition_data(20_000, n_features=32, n_dims=8, seed=0)
    toy.activations.shape, toy.directions.shape   # (20000, 8), (32, 8)

Each sample switches every feature on independently with probability ``p_active``; an active
feature takes a magnitude drawn uniformly from [0, 1] (as in Elhage et al.). The sample is the
sum of the active features' unit directions times their magnitudes.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class SuperpositionData(NamedTuple):
    """``activations = features @ directions``.

    activations: (n_samples, n_dims) what a model (or an SAE) sees.
    features: (n_samples, n_features) the true sparse feature magnitudes, >= 0.
    directions: (n_features, n_dims) one unit vector per feature (rows).
    """

    activations: np.ndarray
    features: np.ndarray
    directions: np.ndarray


def feature_directions(n_features: int, n_dims: int, *, seed: int = 0) -> np.ndarray:
    """``n_features`` random unit vectors in ``n_dims`` dimensions, as rows (float32)."""
    _require_positive(n_features, "n_features")
    _require_positive(n_dims, "n_dims")
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n_features, n_dims))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return directions.astype(np.float32)


def superposition_data(
    n_samples: int,
    *,
    n_features: int = 32,
    n_dims: int = 8,
    p_active: float = 0.1,
    seed: int = 0,
    directions: np.ndarray | None = None,
) -> SuperpositionData:
    """Samples of ``n_features`` sparse features embedded in ``n_dims`` < ``n_features`` dims.

    ``seed`` draws the samples; the directions come from ``feature_directions(..., seed=0)``
    unless given, so that training, validation and test sets made with different seeds share
    the same features. Expected active features per sample: ``p_active * n_features``.
    """
    _require_positive(n_samples, "n_samples")
    if not 0.0 < p_active <= 1.0:
        raise ValueError(f"p_active is a probability in (0, 1]; got {p_active!r}.")
    if directions is None:
        directions = feature_directions(n_features, n_dims, seed=0)
    directions = np.asarray(directions, dtype=np.float32)
    if directions.shape != (n_features, n_dims):
        raise ValueError(f"directions should have shape ({n_features}, {n_dims}); got "
                         f"{directions.shape}.")
    rng = np.random.default_rng(seed)
    active = rng.random((n_samples, n_features)) < p_active
    features = (active * rng.random((n_samples, n_features))).astype(np.float32)
    return SuperpositionData(features @ directions, features, directions)


def interference(directions) -> float:
    """The largest ``|cos|`` between two different feature directions (0 means orthogonal)."""
    d = np.asarray(directions, dtype=np.float64)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    cosines = np.abs(d @ d.T)
    np.fill_diagonal(cosines, 0.0)
    return float(cosines.max())


def _require_positive(value, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number; got {value!r}.")
