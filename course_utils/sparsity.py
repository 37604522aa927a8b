"""Sparse codes: the KL target-sparsity penalty, active-unit statistics, and feature smoothness.

The KL penalty follows A. Ng's sparse autoencoder notes: with sigmoid codes, the mean activation
of unit j over a batch, rho_hat_j, is pulled towards a small target rho by adding
``weight * sum_j KL(rho || rho_hat_j)`` to the loss. The weight sets the balance with the
reconstruction MSE: about 3e-3 gives sparse codes and a good reconstruction for a
784-100-784 MNIST autoencoder (lesson 05); weights near 1 leave the codes too little to carry.

>>> model = dense_autoencoder(100, hidden=(), code_activation="sigmoid",
...                           activity_regularizer=KLSparsity(rho=0.05, weight=3e-3))
>>> activity_stats(model.encoder.predict(x), threshold=0.1).summary()
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import keras
import numpy as np
from keras import ops

EPSILON = 1e-6  # rho_hat is clipped to [EPSILON, 1 - EPSILON] so that 0 and 1 give no NaN


def kl_sparsity(codes, rho: float, *, epsilon: float = EPSILON):
    """sum_j KL(rho || rho_hat_j), where rho_hat_j is the mean of column j of ``codes`` (n, units).

    Works on NumPy arrays and tensors (it uses ``keras.ops``); returns a scalar tensor.
    """
    rho_hat = ops.clip(ops.mean(ops.convert_to_tensor(codes, dtype="float32"), axis=0),
                       epsilon, 1.0 - epsilon)
    return ops.sum(rho * ops.log(rho / rho_hat)
                   + (1.0 - rho) * ops.log((1.0 - rho) / (1.0 - rho_hat)))


@functools.cache
def keras_divides_activity_penalty() -> bool:
    """Does this Keras divide an activity regularizer's value by the batch size?

    The Keras documentation says it does; Keras 3 releases before early 2026 did not.
    """
    probe = keras.layers.Activation("linear", activity_regularizer=lambda x: ops.ones(()))
    probe(np.zeros((4, 1), dtype="float32"))
    return float(ops.convert_to_numpy(probe.losses[0])) < 0.5


@keras.saving.register_keras_serializable(package="course_utils")
class KLSparsity(keras.regularizers.Regularizer):
    """Activity regularizer: adds ``weight * sum_j KL(rho || rho_hat_j)`` to the loss.

    Use it on a layer with outputs in [0, 1] (sigmoid codes). The penalty is a property of the
    whole batch, so it is returned multiplied by the batch size where Keras divides activity
    penalties by it: the loss then receives exactly the penalty above, in every Keras version.
    """

    def __init__(self, rho: float = 0.05, weight: float = 1.0):
        if not 0.0 < rho < 1.0:
            raise ValueError(f"rho is a target firing rate and must lie in (0, 1), got {rho!r}.")
        if not weight >= 0.0:
            raise ValueError(f"weight must be >= 0, got {weight!r}.")
        self.rho = float(rho)
        self.weight = float(weight)
        self._times_batch = keras_divides_activity_penalty()

    def __call__(self, x):
        penalty = self.weight * kl_sparsity(x, self.rho)
        if self._times_batch:
            penalty = penalty * ops.cast(ops.shape(x)[0], penalty.dtype)
        return penalty

    def get_config(self) -> dict:
        return {"rho": self.rho, "weight": self.weight}


@dataclass(frozen=True)
class ActivityStats:
    """How sparse a batch of codes is, for one activity threshold."""

    threshold: float
    active_per_image: np.ndarray  # (n,): number of units above the threshold in each image
    firing_rates: np.ndarray  # (units,): fraction of images in which each unit is above it
    mean_activation: np.ndarray  # (units,): rho_hat, the mean code value of each unit

    @property
    def units(self) -> int:
        return len(self.firing_rates)

    @property
    def mean_active(self) -> float:
        return float(self.active_per_image.mean())

    @property
    def dead_units(self) -> int:
        """Units that are never above the threshold."""
        return int((self.firing_rates == 0).sum())

    def summary(self) -> str:
        return (
            f"{self.mean_active:.1f} of {self.units} units active per image "
            f"(code > {self.threshold:g}); {self.dead_units} units never active"
        )


def activity_stats(codes, threshold: float = 0.1) -> ActivityStats:
    """Active units per image and firing rate per unit; a unit is active when code > threshold."""
    codes = np.asarray(codes, dtype=np.float32)
    if codes.ndim != 2:
        raise ValueError(f"codes should have shape (n, units); got {codes.shape}.")
    active = codes > threshold
    return ActivityStats(
        threshold=float(threshold),
        active_per_image=active.sum(axis=1),
        firing_rates=active.mean(axis=0),
        mean_activation=codes.mean(axis=0),
    )


def neighbour_correlation(weights, side: int = 28) -> np.ndarray:
    """For each row of ``weights`` (units, side*side) drawn as an image: the correlation between
    every weight and its right and lower neighbours.

    Random noise gives about 0; smooth strokes and blobs give values near 1. A row of zeros
    (a switched-off unit) gives 0.
    """
    images = np.asarray(weights, dtype=np.float64).reshape(-1, side, side)
    n = len(images)
    left = np.concatenate([images[:, :, :-1].reshape(n, -1), images[:, :-1, :].reshape(n, -1)], 1)
    right = np.concatenate([images[:, :, 1:].reshape(n, -1), images[:, 1:, :].reshape(n, -1)], 1)
    left = left - left.mean(axis=1, keepdims=True)
    right = right - right.mean(axis=1, keepdims=True)
    norms = np.sqrt((left**2).sum(axis=1) * (right**2).sum(axis=1))
    return np.divide((left * right).sum(axis=1), norms, out=np.zeros(n), where=norms > 1e-12)
