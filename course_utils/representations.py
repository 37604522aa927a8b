"""Compare learned representations: subspaces, individual directions and whole codes.

Three questions come back in lessons 04 (linear AEs and PCA), 09 (stability) and 10
(interpretation), each with its own measurement:

- Do two sets of directions (or two codes, centred) span the same subspace?
  :func:`principal_angles_deg`
- Does each direction of one set have a partner in the other?  :func:`matched_cosines`
- Do two codes of the same examples carry the same information, up to a rotation and a
  scale?  :func:`linear_cka`, and unit by unit: :func:`unit_correlations`

and the reference they are compared with, PCA computed one way only: the eigendecomposition of
the centred data's scatter matrix, i.e. its SVD (:func:`fit_pca`), with held-out reconstruction
errors for every number of components (:func:`pca_reconstruction_mse`).

Directions are the *columns* of a matrix (e.g. decoder columns or principal components as
columns, shape ``(n_pixels, k)``); codes are ``(n_examples, n_units)``. Everything is NumPy in,
NumPy out, computed in float64.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.linalg import subspace_angles
from scipy.optimize import linear_sum_assignment


def _matrix(value, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} should be a 2-D array (rows x columns); got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}).")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return array


def _pair(a, b, names: tuple[str, str], what: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = _matrix(a, names[0]), _matrix(b, names[1])
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{names[0]} and {names[1]} need the same number of rows ({what}); "
            f"got shapes {a.shape} and {b.shape}."
        )
    return a, b


def _centred(x: np.ndarray) -> np.ndarray:
    return x - x.mean(axis=0, keepdims=True)


def principal_angles_deg(a, b, *, centre: bool = False) -> np.ndarray:
    """Principal angles in degrees between the column spaces of ``a`` and ``b``, smallest first.

    0 degrees: a shared direction; 90: orthogonal. All angles near 0 means the two matrices span
    the same subspace, whatever the individual columns are. Wraps
    :func:`scipy.linalg.subspace_angles` (which works in radians, largest first).

    ``centre=True`` subtracts each column's mean first. Use it for *codes* (rows = examples,
    ``(n_examples, n_units)``): there the subspace that matters is the one the codes vary in, and
    without centring the mean code counts as a direction too, so two codes that vary in the same
    subspace around different means get angles that measure the offset. Leave it off for
    *directions* (rows = pixels: decoder columns, principal components), where the mean over the
    pixels is part of the direction, not an offset.
    """
    a, b = _pair(a, b, ("a", "b"), "both live in the same space")
    if centre:
        a, b = _centred(a), _centred(b)
    return np.sort(np.degrees(subspace_angles(a, b)))


def abs_cosine_matrix(a, b) -> np.ndarray:
    """``|cos|`` between every column of ``a`` (rows of the result) and every column of ``b``.

    Absolute values, because a direction and its negative are the same axis.
    """
    a, b = _pair(a, b, ("a", "b"), "both live in the same space")
    norms_a, norms_b = np.linalg.norm(a, axis=0), np.linalg.norm(b, axis=0)
    if np.any(norms_a == 0) or np.any(norms_b == 0):
        raise ValueError("Every column needs a non-zero length to have a direction.")
    return np.abs((a / norms_a).T @ (b / norms_b))


class Matching(NamedTuple):
    """The best one-to-one pairing of directions: column ``i`` of ``a`` with ``columns[i]`` of
    ``b``, at ``|cos|`` = ``cosines[i]``."""

    cosines: np.ndarray
    columns: np.ndarray


def matched_cosines(a, b) -> Matching:
    """Pair each column of ``a`` with a different column of ``b`` to maximise the total ``|cos|``.

    Uses the Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`), so a direction
    is never counted twice. ``a`` may have fewer columns than ``b``. Cosines near 1 mean the
    individual axes agree (up to sign and order); a subspace can match while they do not.
    """
    cosines = abs_cosine_matrix(a, b)
    if cosines.shape[0] > cosines.shape[1]:
        raise ValueError(
            f"a has more columns ({cosines.shape[0]}) than b ({cosines.shape[1]}); swap them."
        )
    rows, columns = linear_sum_assignment(cosines, maximize=True)
    order = np.argsort(rows)
    return Matching(cosines=cosines[rows[order], columns[order]], columns=columns[order])


def linear_cka(x, y) -> float:
    """Linear centred kernel alignment between two codes of the same examples, in [0, 1].

    ``x`` is ``(n, p)``, ``y`` is ``(n, q)``: row ``i`` of both describes example ``i``. With
    columns centred, ``CKA = ||y^T x||_F^2 / (||x^T x||_F ||y^T y||_F)`` (Kornblith et al., 2019).
    It is 1 when ``y`` is a rotation and/or isotropic scaling of ``x`` (plus any shift), so it
    compares what two codes know, not how their units are arranged.
    """
    x, y = _pair(x, y, ("x", "y"), "one per example")
    x, y = _centred(x), _centred(y)
    norm_x, norm_y = np.linalg.norm(x.T @ x), np.linalg.norm(y.T @ y)
    if norm_x == 0 or norm_y == 0:
        raise ValueError("A code that is constant over the examples has no CKA with anything.")
    return float(np.linalg.norm(y.T @ x) ** 2 / (norm_x * norm_y))


def unit_correlations(x, y) -> np.ndarray:
    """``|Pearson r|`` between unit ``i`` of ``x`` and unit ``i`` of ``y``, for each ``i``.

    The naive "does unit 3 mean the same thing in both models?" test. For the best pairing
    of units instead of equal indices, use ``matched_cosines`` on the centred codes (a
    correlation is the cosine between centred columns).
    """
    x, y = _pair(x, y, ("x", "y"), "one per example")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y need the same number of units; got {x.shape} and {y.shape}.")
    x, y = _centred(x), _centred(y)
    norms = np.linalg.norm(x, axis=0) * np.linalg.norm(y, axis=0)
    if np.any(norms == 0):
        raise ValueError("A unit that is constant over the examples has no correlation.")
    return np.abs((x * y).sum(axis=0) / norms)


class PCAFit(NamedTuple):
    """PCA of a data matrix: its ``mean`` (d,), the principal directions as the *columns* of
    ``components`` (d, r), by decreasing variance, and the ``variances`` (r,) along them (with
    n - 1 in the denominator, as scikit-learn's ``explained_variance_``)."""

    mean: np.ndarray
    components: np.ndarray
    variances: np.ndarray


def fit_pca(x) -> PCAFit:
    """PCA of ``x`` (n, d): the eigendecomposition of ``Xc^T Xc``, with ``Xc = x - mean``.

    That is the SVD of the centred data by another route: with ``Xc = U S V^T``, the
    eigenvectors of ``Xc^T Xc`` are the right singular vectors (the principal directions) and the
    eigenvalues are ``S^2``; the variances are ``S^2 / (n - 1)``. The same computation as
    scikit-learn's ``PCA(svd_solver="covariance_eigh")`` (and the same components as
    ``svd_solver="full"``), done once for all components, so the first ``k`` columns give PCA
    with ``k`` components. It keeps ``min(n, d)`` components, in float64; each direction's sign
    is fixed so that its largest-magnitude entry is positive.
    """
    x = _matrix(x, "x")
    if len(x) < 2:
        raise ValueError("PCA needs at least two examples (rows).")
    mean = x.mean(axis=0)
    centred = x - mean
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)   # ascending
    keep = min(x.shape)
    order = np.argsort(eigenvalues)[::-1][:keep]
    components = eigenvectors[:, order]
    signs = np.sign(components[np.argmax(np.abs(components), axis=0), np.arange(keep)])
    components = components * np.where(signs == 0, 1.0, signs)
    variances = np.maximum(eigenvalues[order], 0.0) / (len(x) - 1)
    return PCAFit(mean=mean, components=components, variances=variances)


def pca_reconstruction_mse(fit: PCAFit, x, ks=None) -> np.ndarray:
    """Mean squared error per value of reconstructing ``x`` with the first ``k`` components of
    ``fit``, for each ``k`` in ``ks`` (default: 1, 2, ..., all components).

    ``x`` is centred with ``fit.mean`` (the mean of the data PCA was fitted on, never the mean
    of ``x`` itself), so for held-out ``x`` this is an honest held-out error. Uses that the
    components are orthonormal: the error with ``k`` components is the squared norm of ``x``
    minus the squared lengths of its first ``k`` projections.
    """
    x = _matrix(x, "x")
    if x.shape[1] != len(fit.mean):
        raise ValueError(f"x has {x.shape[1]} columns; the PCA was fitted on {len(fit.mean)}.")
    r = fit.components.shape[1]
    ks = np.arange(1, r + 1) if ks is None else np.asarray(ks, dtype=int).reshape(-1)
    if ks.size and (ks.min() < 0 or ks.max() > r):
        raise ValueError(f"Every k must lie between 0 and {r} (the number of components).")
    centred = x - fit.mean
    kept = np.concatenate([[0.0], np.cumsum(np.sum((centred @ fit.components) ** 2, axis=0))])
    return np.maximum(np.sum(centred ** 2) - kept[ks], 0.0) / centred.size
