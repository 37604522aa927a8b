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


# -- Elhage et al.'s toy model: superposition that a network learns ----------------------------
class ToyModel(NamedTuple):
    """A trained toy model of Elhage et al. (2022): ``x_hat = relu(W.T @ W @ x + b)``.

    weights: (n_hidden, n_features) ``W``; column ``i`` is where feature ``i`` is stored.
    bias: (n_features,).
    loss: the importance-weighted squared error of the last 100 steps, averaged.
    """

    weights: np.ndarray
    bias: np.ndarray
    loss: float


def train_toy_model(
    feature_probability: float,
    *,
    n_features: int = 20,
    n_hidden: int = 5,
    importance_decay: float = 0.7,
    steps: int = 4000,
    batch_size: int = 1024,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> ToyModel:
    """Train Elhage et al.'s ReLU output model on sparse synthetic features (NumPy, Adam).

    Each feature is on with probability ``feature_probability`` (their sparsity ``S`` is ``1 -
    feature_probability``) with a magnitude uniform in [0, 1]; feature ``i`` has importance
    ``importance_decay ** i`` in the loss ``mean over samples of sum_i I_i (x_i - x_hat_i)^2``.
    ``W`` is *learned*: dense features get at most ``n_hidden`` orthogonal directions, sparse ones
    are squeezed in, more than ``n_hidden`` of them, at non-orthogonal angles.
    """
    if not 0.0 < feature_probability <= 1.0:
        raise ValueError(f"feature_probability is a probability in (0, 1]; got "
                         f"{feature_probability!r}.")
    _require_positive(n_features, "n_features")
    _require_positive(n_hidden, "n_hidden")
    rng = np.random.default_rng(seed)
    importance = importance_decay ** np.arange(n_features)
    w = rng.normal(scale=np.sqrt(2.0 / (n_features + n_hidden)), size=(n_hidden, n_features))
    b = np.zeros(n_features)
    params = [w, b]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    losses = []
    for step in range(1, steps + 1):
        x = rng.random((batch_size, n_features)) * (
            rng.random((batch_size, n_features)) < feature_probability)
        hidden = x @ w.T
        pre = hidden @ w + b
        error = np.maximum(pre, 0.0) - x
        losses.append(float(np.mean(np.sum(importance * error**2, axis=1))))
        g_pre = 2.0 * importance * error * (pre > 0) / batch_size
        g_w = hidden.T @ g_pre + (g_pre @ w.T).T @ x
        grads = [g_w, g_pre.sum(axis=0)]
        correction = np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        for p, g, m, v in zip(params, grads, moments, squares, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= learning_rate * correction * m / (np.sqrt(v) + 1e-8)
    return ToyModel(w, b, float(np.mean(losses[-100:])))


def represented_features(weights, threshold: float = 0.5) -> int:
    """How many features the toy model stores: columns of ``W`` with norm at least ``threshold``
    (a feature it ignores keeps a column near 0)."""
    return int(np.sum(np.linalg.norm(np.asarray(weights, dtype=np.float64), axis=0) >= threshold))
