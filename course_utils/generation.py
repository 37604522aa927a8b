"""Generation error as numbers: Fréchet distance, precision/recall and density/coverage.

All functions take two sets of feature vectors, ``(n, d)`` arrays (for MNIST images, e.g.
``course_utils.features.mnist_features(images)``): a *real* set and a *fake* (generated) one.

- :func:`frechet_distance`: distance between Gaussians fitted to the two sets (Heusel et al.
  2017, the "FID" when the features come from Inception-v3). One number, lower is better.
- :func:`precision_recall`: the share of fake samples that look real (precision, quality) and the
  share of real samples the fake set covers (recall, diversity), from k-nearest-neighbour balls
  (Kynkäänniemi et al. 2019).
- :func:`density_coverage`: the same two questions answered in a way that is more robust to
  outliers (Naeem et al. 2020).

References
----------
- M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter. "GANs Trained by a Two
  Time-Scale Update Rule Converge to a Local Nash Equilibrium". NeurIPS 2017.
  https://arxiv.org/abs/1706.08500
- T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila. "Improved Precision and Recall
  Metric for Assessing Generative Models". NeurIPS 2019. https://arxiv.org/abs/1904.06991
- M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo. "Reliable Fidelity and Diversity Metrics for
  Generative Models". ICML 2020. https://arxiv.org/abs/2002.09797
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import linalg
from scipy.spatial.distance import cdist

SQRTM_EPS = 1e-6  # added to both covariance diagonals when sqrtm of their product fails
IMAGINARY_TOLERANCE = 1e-3  # relative size of an imaginary part still treated as round-off
CHUNK = 1024  # rows of a distance matrix computed at once (memory: CHUNK x n floats)


class PrecisionRecall(NamedTuple):
    precision: float
    recall: float


class DensityCoverage(NamedTuple):
    density: float
    coverage: float


def frechet_distance(features_a, features_b, *, eps: float = SQRTM_EPS) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n_a, d) and (n_b, d).

    ``||mu_a - mu_b||^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2))`` with sample means and covariances.
    The matrix square root comes from ``scipy.linalg.sqrtm``; round-off can give it a tiny
    imaginary part, which is dropped. When the product is singular or ill-conditioned (fewer
    samples than dimensions, features that never vary) and scipy warns, or the root is not
    finite or clearly complex, ``eps`` is added to both covariance diagonals and the root is
    taken again, as the reference FID code of Heusel et al. (2017) does; here the traces use the
    same regularised covariances, so the result is off by at most about ``eps`` per dimension.
    Symmetric; 0 for identical sets (a tiny negative round-off is returned as 0). The value
    depends on the feature network: numbers from different networks are not comparable.
    """
    a = as_features(features_a, "features_a")
    b = as_features(features_b, "features_b")
    _same_dimension(a, b)
    mean_a, cov_a = _gaussian(a)
    mean_b, cov_b = _gaussian(b)
    cov_a, cov_b, covmean = _covariances_and_root(cov_a, cov_b, eps)
    diff = mean_a - mean_b
    value = diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(covmean)
    return float(max(value, 0.0))


def precision_recall(real, fake, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``fake`` against ``real``.

    Each real point gets a ball reaching its k-th nearest real neighbour (the ball's radius); the
    union of the balls estimates the real manifold. Precision is the share of fake points inside
    it. Recall swaps the roles: the share of real points inside the union of the fake points'
    k-NN balls.
    """
    _check_k(k)
    real_x = as_features(real, "real", min_samples=k + 1)
    fake_x = as_features(fake, "fake", min_samples=k + 1)
    _same_dimension(real_x, fake_x)
    precision = _inside_any_ball(fake_x, real_x, knn_radii(real_x, k)).mean()
    recall = _inside_any_ball(real_x, fake_x, knn_radii(fake_x, k)).mean()
    return PrecisionRecall(float(precision), float(recall))


def density_coverage(real, fake, k: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al. 2020) of ``fake`` against ``real``.

    Density: how many real k-NN balls contain each fake point, divided by k and averaged (about 1
    when the two sets come from the same distribution; it can exceed 1). Coverage: the share of
    real points whose k-NN ball contains at least one fake point. Only real balls are used, so a
    few outlying fake points cannot inflate either number.
    """
    _check_k(k)
    real_x = as_features(real, "real", min_samples=k + 1)
    fake_x = as_features(fake, "fake", min_samples=1)
    _same_dimension(real_x, fake_x)
    radii = knn_radii(real_x, k)
    hits = np.zeros(len(fake_x))
    covered = np.zeros(len(real_x), dtype=bool)
    for start in range(0, len(fake_x), CHUNK):
        inside = cdist(fake_x[start:start + CHUNK], real_x) <= radii[None, :]
        hits[start:start + CHUNK] = inside.sum(axis=1)
        covered |= inside.any(axis=0)
    return DensityCoverage(float(hits.mean() / k), float(covered.mean()))


def generation_scores(real, fake, *, k_pr: int = 3, k_dc: int = 5) -> dict[str, float]:
    """All five numbers at once: Fréchet distance, precision, recall, density, coverage."""
    precision, recall = precision_recall(real, fake, k=k_pr)
    density, coverage = density_coverage(real, fake, k=k_dc)
    return {"frechet_distance": frechet_distance(real, fake), "precision": precision,
            "recall": recall, "density": density, "coverage": coverage}


def class_confidence(images) -> np.ndarray:
    """The feature network's probability for its predicted digit, per image (n,), in [0.1, 1].

    Near 1: the image looks clearly like one digit; near 0.1-0.5: a blend or a smudge.
    """
    from .features import feature_network

    x = np.asarray(images, dtype=np.float32).reshape(-1, 28, 28)
    probabilities = np.concatenate([np.asarray(feature_network()(x[i:i + 500], training=False))
                                    for i in range(0, len(x), 500)])
    return probabilities.max(axis=1).astype(np.float64)


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of per-seed results (at least 2 values)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size < 2 or not np.isfinite(x).all():
        raise ValueError(f"need at least 2 finite values (one per seed); got {x.size}.")
    return float(x.mean()), float(x.std(ddof=1))


def is_tie(values_a, values_b) -> bool:
    """True when two per-seed results differ by no more than their spread: the difference of
    the means is at most the larger of the two standard deviations (ddof=1)."""
    mean_a, sd_a = mean_sd(values_a)
    mean_b, sd_b = mean_sd(values_b)
    return abs(mean_a - mean_b) <= max(sd_a, sd_b)


def blur(images, sigma: float = 1.5) -> np.ndarray:
    """Gaussian-blur each image (n, 28, 28) by ``sigma`` pixels (no blur across images)."""
    from scipy.ndimage import gaussian_filter

    x = np.asarray(images, dtype=np.float32)
    return gaussian_filter(x, sigma=(0,) + (sigma,) * (x.ndim - 1))


def calibration_sets(mnist, *, n: int = 1000, seed: int = 0, blur_sigma: float = 1.5):
    """A real reference set and image sets whose generation scores are known in advance.

    Returns ``(reference, sets)``: ``reference`` is the first ``n`` training images; ``sets``
    maps a name to ``n`` images (``n`` at most the size of the test split): "real test images"
    (should score close to the reference), "noisy digits" (test images plus Gaussian noise of
    standard deviation 0.3, clipped), "Gaussian noise" (no digits at all), "five digits dropped"
    (only digits 0-4: recall falls, precision holds) and "blurred digits" (all ten digits,
    blurred: precision falls). ``mnist`` is a ``course_utils.MnistData``, e.g. ``lesson.data``.
    """
    if not 2 <= n <= len(mnist.x_test):
        raise ValueError(f"n must lie between 2 and {len(mnist.x_test)}; got {n}.")
    rng = np.random.default_rng(seed)
    test = mnist.x_test[:n]
    kept_test = mnist.x_test[mnist.y_test < 5][:n]
    spare = mnist.x_train[n:][mnist.y_train[n:] < 5]
    sets = {
        "real test images": test,
        "noisy digits": np.clip(test + rng.normal(0.0, 0.3, test.shape), 0, 1),
        "Gaussian noise": np.clip(rng.normal(0.5, 0.25, test.shape), 0, 1),
        "five digits dropped": np.concatenate([kept_test, spare[: n - len(kept_test)]])[:n],
        "blurred digits": blur(test, blur_sigma),
    }
    return mnist.x_train[:n], {name: x.astype(np.float32) for name, x in sets.items()}


def knn_radii(points: np.ndarray, k: int) -> np.ndarray:
    """Distance from each point to its k-th nearest neighbour among the others.

    Exact Euclidean distances (``cdist``, in chunks of rows), so that a point lying exactly on a
    ball's edge is found inside it whichever way the distances were computed.
    """
    points = np.asarray(points, dtype=np.float64)
    radii = np.empty(len(points))
    for start in range(0, len(points), CHUNK):
        distances = cdist(points[start:start + CHUNK], points)
        radii[start:start + CHUNK] = np.partition(distances, k, axis=1)[:, k]  # 0: itself
    return radii


def _inside_any_ball(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """For each point: does it lie in at least one ball (centre, radius)? Chunked for memory."""
    inside = np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), CHUNK):
        distances = cdist(points[start:start + CHUNK], centres)
        inside[start:start + CHUNK] = (distances <= radii[None, :]).any(axis=1)
    return inside


def as_features(values, name: str, *, min_samples: int = 2) -> np.ndarray:
    """Validate a feature set and return it as float64 (n, d); clear ValueError if wrong."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{name}: expected a numeric array of shape (n_samples, n_features); got "
            f"{type(values).__name__} ({err})."
        ) from err
    if x.ndim != 2:
        hint = " Compute features first, e.g. mnist_features(images)." if x.ndim == 3 else ""
        raise ValueError(
            f"{name}: expected shape (n_samples, n_features); got shape {x.shape}.{hint}"
        )
    if len(x) < min_samples:
        raise ValueError(f"{name}: needs at least {min_samples} samples; got {len(x)}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: contains NaN or infinite values.")
    return x


def _check_k(k) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k (the number of nearest neighbours) must be a whole number >= 1; "
                         f"got {k!r}.")


def _same_dimension(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"The two feature sets must have the same number of features; got {a.shape[1]} and "
            f"{b.shape[1]}. Were they computed with the same feature network?"
        )


def _gaussian(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


def _covariances_and_root(cov_a: np.ndarray, cov_b: np.ndarray, eps: float):
    """(cov_a, cov_b, real sqrtm(cov_a @ cov_b)); regularised by ``eps`` when that is unstable.

    When the product is singular or its root not finite/real, ``eps`` is added to both diagonals
    and the root taken again (as in Heusel et al.'s code). The regularised covariances are
    returned too, so that the traces in the distance use the same matrices as the root.
    """
    root = _real_sqrtm(cov_a @ cov_b, singular_ok=False)
    if root is not None:
        return cov_a, cov_b, root
    offset = eps * np.eye(len(cov_a))
    cov_a, cov_b = cov_a + offset, cov_b + offset
    root = _real_sqrtm(cov_a @ cov_b, singular_ok=True)
    if root is None:
        raise ValueError(
            "The matrix square root in the Fréchet distance failed (the covariances are too ill-"
            "conditioned). Use more samples than feature dimensions, or a larger eps."
        )
    return cov_a, cov_b, root


def _real_sqrtm(matrix: np.ndarray, *, singular_ok: bool) -> np.ndarray | None:
    """sqrtm(matrix) without its round-off imaginary part.

    None if the root is not finite, not real up to round-off, or (unless ``singular_ok``) scipy
    warns that the matrix is singular.
    """
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always", linalg.LinAlgWarning)
        root = linalg.sqrtm(matrix)
    singular = any(issubclass(w.category, linalg.LinAlgWarning) for w in caught)
    if (singular and not singular_ok) or not np.isfinite(root).all():
        return None
    if np.iscomplexobj(root):
        scale = max(np.abs(root).max(), 1e-12)
        if np.abs(root.imag).max() > IMAGINARY_TOLERANCE * scale:
            return None
        root = root.real
    return root
