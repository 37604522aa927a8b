"""course_utils.latent: the Gaussian fitted to codes, and interpolation."""

import numpy as np
import pytest

from course_utils.latent import GaussianCodes, interpolate


def test_fitted_gaussian_has_the_codes_mean_and_full_covariance():
    rng = np.random.default_rng(0)
    mixing = np.array([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [0.0, -0.3, 2.0]])
    codes = rng.normal(size=(5000, 3)) @ mixing.T + np.array([1.0, -2.0, 0.5])
    fitted = GaussianCodes.fit(codes)
    np.testing.assert_allclose(fitted.mean, codes.mean(axis=0))
    np.testing.assert_allclose(fitted.cov, np.cov(codes, rowvar=False))
    samples = fitted.sample(20000, seed=1)
    assert samples.shape == (20000, 3) and samples.dtype == np.float32
    np.testing.assert_allclose(np.cov(samples, rowvar=False), fitted.cov, atol=0.1)
    np.testing.assert_array_equal(samples, fitted.sample(20000, seed=1))


def test_one_unit_codes_get_a_1x1_covariance():
    fitted = GaussianCodes.fit(np.arange(10.0)[:, None])
    assert fitted.cov.shape == (1, 1)
    assert fitted.sample(4).shape == (4, 1)


@pytest.mark.parametrize("codes, message", [
    (np.zeros(5), "2-D array"),
    (np.zeros((1, 3)), "at least 2 rows"),
    (np.array([[0.0, np.nan], [1.0, 2.0]]), "NaN"),
])
def test_bad_codes_are_refused_with_a_clear_message(codes, message):
    with pytest.raises(ValueError, match=message):
        GaussianCodes.fit(codes)


def test_interpolation_includes_both_ends_and_is_evenly_spaced():
    path = interpolate([0.0, 0.0], [1.0, 2.0], steps=5)
    np.testing.assert_allclose(path[0], [0, 0])
    np.testing.assert_allclose(path[-1], [1, 2])
    np.testing.assert_allclose(np.diff(path, axis=0), 0.25 * np.array([[1, 2]] * 4))
    with pytest.raises(ValueError, match="differ in size"):
        interpolate([0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="steps"):
        interpolate([0.0], [1.0], steps=1)


def test_nearest_distances_sees_support_but_not_scale():
    from course_utils.latent import nearest_distances, spread_ratio

    reference = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    np.testing.assert_allclose(nearest_distances([[0.0, 1.0], [3.0, 4.0]], reference), [1.0, 0.0])
    rng = np.random.default_rng(0)
    codes = rng.normal(scale=5.0, size=(2000, 4))
    squeezed = rng.normal(scale=1.0, size=(500, 4))  # the wrong scale, inside the cloud
    # from the samples: as close as real codes are; from the codes: far from the samples
    assert np.median(nearest_distances(squeezed, codes)) < np.median(
        nearest_distances(rng.normal(scale=5.0, size=(500, 4)), codes))
    assert np.median(nearest_distances(codes, squeezed)) > 2 * np.median(
        nearest_distances(codes, rng.normal(scale=5.0, size=(500, 4))))
    assert spread_ratio(squeezed, codes) == pytest.approx(0.2, abs=0.02)
    with pytest.raises(ValueError, match="same k"):
        nearest_distances(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="same k"):
        spread_ratio(np.zeros((3, 2)), np.zeros(3))
