"""The Mutual Information Gap (Chen et al. 2018) on codes discretised into bins.

Recipe (as in Locatello et al.'s disentanglement_lib):

1. discretise each code unit on its own into ``bins`` equal-width bins over its range;
2. the mutual information I(unit; factor) of every unit with every factor
   (``sklearn.metrics.mutual_info_score``, nats): a (units, factors) matrix;
3. per factor, sort the units by that MI; the gap between the largest and the second largest,
   divided by the factor's entropy H(factor) (nats too), lies in [0, 1];
4. MIG is the mean of the gaps over the factors.

A code where one unit per factor carries that factor and nothing else scores near 1; a code
unrelated to the factors near 0; a code where two units carry the same factor has a gap near 0
for that factor.

The codes given are usually a VAE's posterior means E[z | x] (as in disentanglement_lib). The
plug-in estimate from binned means can give a unit that the KL term switched off a sizeable MI;
:func:`sample_codes` draws z ~ q(z | x) instead, for which I(z_u; factor) <= KL_u.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mutual_info_score

DEFAULT_BINS = 20


def discretize(codes, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Each column of ``codes`` (n, units) into ``bins`` equal-width bins over that column's own
    range: integer labels 0 .. bins - 1, the column's largest value in the last bin."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2:
        raise ValueError(f"codes must have shape (n, units); got {codes.shape}.")
    labels = np.empty(codes.shape, dtype=np.int64)
    for unit in range(codes.shape[1]):
        edges = np.histogram_bin_edges(codes[:, unit], bins=bins)
        labels[:, unit] = np.digitize(codes[:, unit], edges[1:-1])
    return labels


def sample_codes(z_mean, z_log_var, seed: int = 0) -> np.ndarray:
    """One sample z = mean + exp(log_var / 2) * eps per image from q(z | x), eps ~ N(0, I),
    drawn with ``np.random.default_rng(seed)``: shape (n, units), float64."""
    z_mean = np.asarray(z_mean, dtype=np.float64)
    z_log_var = np.asarray(z_log_var, dtype=np.float64)
    if z_mean.shape != z_log_var.shape or z_mean.ndim != 2:
        raise ValueError(f"z_mean and z_log_var must both have shape (n, units); got "
                         f"{z_mean.shape} and {z_log_var.shape}.")
    eps = np.random.default_rng(seed).standard_normal(z_mean.shape)
    return z_mean + np.exp(0.5 * z_log_var) * eps


def factor_entropy(factors) -> np.ndarray:
    """The entropy of each factor column (n, factors) in nats, from the values' frequencies."""
    factors = np.asarray(factors)
    return np.array([mutual_info_score(column, column) for column in factors.T])


def mutual_info_matrix(codes, factors, bins: int = DEFAULT_BINS) -> np.ndarray:
    """I(unit u; factor k) in nats for every code unit and factor: shape (units, factors).
    ``codes`` (n, units) are discretised with :func:`discretize`; ``factors`` (n, factors) are
    already discrete (indices)."""
    labels = discretize(codes, bins)
    factors = np.asarray(factors)
    if factors.ndim != 2 or len(factors) != len(labels):
        raise ValueError(f"factors must have shape ({len(labels)}, factors); got "
                         f"{factors.shape}.")
    return np.array([[mutual_info_score(factor, unit) for factor in factors.T]
                     for unit in labels.T])


def mig_per_factor(codes, factors, bins: int = DEFAULT_BINS) -> np.ndarray:
    """For each factor: (largest MI - second largest MI over the units) / H(factor)."""
    info = mutual_info_matrix(codes, factors, bins)
    if info.shape[0] < 2:
        raise ValueError("MIG needs a code with at least 2 units.")
    top = np.sort(info, axis=0)[::-1]
    return (top[0] - top[1]) / factor_entropy(factors)


def mig(codes, factors, bins: int = DEFAULT_BINS) -> float:
    """The Mutual Information Gap: the mean of :func:`mig_per_factor` over the factors."""
    return float(np.mean(mig_per_factor(codes, factors, bins)))
