"""Generation metrics on cases with known answers (Fréchet distance, precision/recall, density)."""

import numpy as np
import pytest

from course_utils import generation
from course_utils.generation import (
    DensityCoverage,
    PrecisionRecall,
    density_coverage,
    frechet_distance,
    generation_scores,
    precision_recall,
)


def gaussian(n, d, seed, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return shift + scale * rng.normal(size=(n, d))


def with_exact_moments(n, mean, std, seed):
    """Samples whose sample mean is ``mean`` and sample covariance exactly diag(std**2)."""
    z = gaussian(n, len(mean), seed)
    z -= z.mean(axis=0)
    chol = np.linalg.cholesky(np.cov(z, rowvar=False))
    white = np.linalg.solve(chol, z.T).T  # sample covariance: the identity
    return mean + white * std


def eigen_frechet(a, b):
    """Reference: tr sqrt(C_a C_b) as the sum of sqrt eigenvalues of C_a^1/2 C_b C_a^1/2."""
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    middle = np.clip(np.linalg.eigvalsh(root_a @ cov_b @ root_a), 0, None)
    diff = mean_a - mean_b
    return diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2 * np.sqrt(middle).sum()


def clusters(centres, per_cluster, seed, spread=0.3):
    rng = np.random.default_rng(seed)
    return np.concatenate([c + spread * rng.normal(size=(per_cluster, len(c))) for c in centres])


ANGLES = 2 * np.pi * np.arange(10) / 10  # 10 distinct angles (not linspace, whose ends meet)
CENTRES = np.zeros((10, 4))
CENTRES[:, 0], CENTRES[:, 1] = 20 * np.cos(ANGLES), 20 * np.sin(ANGLES)  # 10 clusters, far apart


# --- Fréchet distance -----------------------------------------------------------------------


def test_frechet_distance_of_a_set_with_itself_is_zero():
    x = gaussian(500, 16, seed=0, scale=np.linspace(0.1, 10, 16))
    assert abs(frechet_distance(x, x)) < 1e-6


def test_frechet_distance_matches_the_closed_formula_for_diagonal_covariances():
    mean_a, mean_b = np.linspace(-1, 1, 6), np.linspace(0, 3, 6)
    std_a, std_b = np.linspace(0.5, 2, 6), np.linspace(3, 1, 6)
    a = with_exact_moments(400, mean_a, std_a, seed=1)
    b = with_exact_moments(300, mean_b, std_b, seed=2)
    expected = np.sum((mean_a - mean_b) ** 2) + np.sum((std_a - std_b) ** 2)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-4)


def test_frechet_distance_matches_an_eigen_based_computation_for_full_covariances():
    rng = np.random.default_rng(3)
    a = gaussian(600, 12, seed=4) @ rng.normal(size=(12, 12))
    b = gaussian(500, 12, seed=5, shift=0.5) @ rng.normal(size=(12, 12))
    assert frechet_distance(a, b) == pytest.approx(eigen_frechet(a, b), rel=1e-4)


def test_frechet_distance_is_symmetric_and_grows_with_a_shift():
    a, b = gaussian(300, 8, seed=6), gaussian(300, 8, seed=7, shift=0.2)
    far = gaussian(300, 8, seed=7, shift=2.0)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-6)
    assert frechet_distance(a, far) > 10 * frechet_distance(a, b)


def test_frechet_distance_survives_singular_covariances():
    a, b = gaussian(5, 20, seed=8), gaussian(6, 20, seed=9)  # fewer samples than dimensions
    value = frechet_distance(a, b)
    assert np.isfinite(value) and value >= 0
    assert frechet_distance(a, b) == pytest.approx(eigen_frechet(a, b), rel=1e-3)


def test_frechet_distance_handles_constant_features_without_warnings(recwarn):
    a = np.zeros((50, 5))
    a[:, 0] = gaussian(50, 1, seed=10)[:, 0]  # four features never vary: a singular product
    assert frechet_distance(a, a + 0.1) == pytest.approx(5 * 0.1**2, rel=1e-6)
    assert abs(frechet_distance(a, a)) < 1e-6
    assert not recwarn.list


@pytest.mark.parametrize(
    ("a", "b", "fragment"),
    [
        (np.zeros((10, 3, 3)), np.zeros((10, 9)), r"expected shape \(n_samples, n_features\)"),
        (np.ones((1, 4)), np.ones((5, 4)), "at least 2 samples"),
        (np.full((5, 4), np.nan), np.ones((5, 4)), "NaN"),
        (np.ones((5, 4)), np.ones((5, 3)), "same number of features"),
        ("features", np.ones((5, 4)), "numeric array"),
    ],
)
def test_frechet_distance_explains_bad_input(a, b, fragment):
    with pytest.raises(ValueError, match=fragment):
        frechet_distance(a, b)


# --- precision and recall -------------------------------------------------------------------


def test_precision_recall_of_identical_sets_is_one():
    x = clusters(CENTRES, 50, seed=10)
    assert precision_recall(x, x) == PrecisionRecall(1.0, 1.0)


def test_precision_recall_of_fresh_samples_is_high():
    real, fake = clusters(CENTRES, 100, seed=11), clusters(CENTRES, 100, seed=12)
    precision, recall = precision_recall(real, fake)
    assert precision > 0.85 and recall > 0.85  # k-NN balls miss some fresh points: not 1


def test_dropping_half_the_clusters_lowers_recall_but_not_precision():
    real = clusters(CENTRES, 100, seed=13)
    fake = clusters(CENTRES[:5], 200, seed=14)
    precision, recall = precision_recall(real, fake)
    assert precision > 0.85
    assert 0.35 < recall < 0.6


def test_fake_points_far_away_have_no_precision():
    real = clusters(CENTRES, 50, seed=15)
    fake = clusters(CENTRES + 100.0, 50, seed=16)
    assert precision_recall(real, fake) == PrecisionRecall(0.0, 0.0)


def test_chunking_does_not_change_the_answer(monkeypatch):
    real, fake = clusters(CENTRES, 40, seed=17), clusters(CENTRES[:7], 50, seed=18)
    whole = precision_recall(real, fake), density_coverage(real, fake)
    monkeypatch.setattr(generation, "CHUNK", 7)
    assert (precision_recall(real, fake), density_coverage(real, fake)) == whole


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_precision_recall_rejects_a_bad_k(k):
    x = clusters(CENTRES, 10, seed=19)
    with pytest.raises(ValueError, match="whole number >= 1"):
        precision_recall(x, x, k=k)


def test_precision_recall_needs_more_samples_than_k():
    with pytest.raises(ValueError, match="at least 4 samples"):
        precision_recall(np.ones((3, 2)), np.ones((10, 2)), k=3)


# --- density and coverage -------------------------------------------------------------------


def test_density_coverage_of_identical_sets():
    x = clusters(CENTRES, 50, seed=20)
    density, coverage = density_coverage(x, x, k=5)
    assert coverage == 1.0
    assert density == pytest.approx(6 / 5)  # each real ball holds its centre and k neighbours


def test_density_coverage_of_fresh_samples_is_about_one():
    real, fake = clusters(CENTRES, 100, seed=21), clusters(CENTRES, 100, seed=22)
    density, coverage = density_coverage(real, fake)
    assert 0.8 < density < 1.2 and coverage > 0.9


def test_dropping_half_the_clusters_lowers_coverage_but_not_density():
    real = clusters(CENTRES, 100, seed=23)
    fake = clusters(CENTRES[:5], 200, seed=24)
    density, coverage = density_coverage(real, fake)
    assert density > 0.8
    assert 0.4 < coverage < 0.6


def test_far_away_fake_points_have_no_density_or_coverage():
    real = clusters(CENTRES, 50, seed=25)
    fake = clusters(CENTRES + 100.0, 50, seed=26)
    assert density_coverage(real, fake) == DensityCoverage(0.0, 0.0)


def test_generation_scores_gives_all_five_numbers():
    real, fake = clusters(CENTRES, 30, seed=27), clusters(CENTRES, 30, seed=28)
    scores = generation_scores(real, fake)
    assert set(scores) == {"frechet_distance", "precision", "recall", "density", "coverage"}
    assert all(isinstance(value, float) for value in scores.values())


def test_mean_sd_uses_ddof_1_and_ties_are_differences_within_the_spread():
    assert generation.mean_sd([1.0, 2.0, 3.0]) == pytest.approx((2.0, 1.0))
    assert generation.is_tie([1.0, 2.0, 3.0], [2.5, 3.0, 3.5])  # 0.75 apart, sd 1.0
    assert not generation.is_tie([1.0, 1.1, 0.9], [2.0, 2.1, 1.9])
    assert generation.is_tie([1.0, 2.0, 3.0], [3.0, 3.0, 3.0])  # exactly one sd apart: a tie
    with pytest.raises(ValueError, match="at least 2"):
        generation.mean_sd([1.0])


def test_class_confidence_is_high_on_real_digits_and_lower_on_blends():
    from course_utils.data import load_mnist

    mnist = load_mnist(full=False)
    real = mnist.x_test[:200]
    blends = 0.5 * (real[:100] + real[100:200])
    confidence = generation.class_confidence(real)
    assert confidence.shape == (200,) and np.all((confidence > 0.09) & (confidence <= 1.0))
    assert confidence.mean() > generation.class_confidence(blends).mean() + 0.1
    np.testing.assert_allclose(generation.class_confidence(real.reshape(200, 784)), confidence)
