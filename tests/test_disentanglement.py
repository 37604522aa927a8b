"""MIG on codes whose answer is known."""

import numpy as np
import pytest

from course_utils.disentanglement import (
    discretize,
    factor_entropy,
    mig,
    mig_per_factor,
    mutual_info_matrix,
    sample_codes,
)
from course_utils.shapes import make_shapes


@pytest.fixture(scope="module")
def factors():
    return make_shapes(4000, seed=0).factors


def perfect_code(factors, seed=0):
    """One unit per factor, a monotone (noisy-free) function of it, in a shuffled order of units."""
    rng = np.random.default_rng(seed)
    return np.tanh(factors / np.array(factors.max(axis=0)) - 0.5) * rng.uniform(1, 3, 5) + \
        rng.normal(0, 1e-3, factors.shape)


def test_a_perfect_code_scores_near_one(factors):
    assert mig(perfect_code(factors), factors) > 0.95
    with_noise_units = np.hstack([perfect_code(factors),
                                  np.random.default_rng(1).normal(size=(len(factors), 5))])
    assert mig(with_noise_units, factors) > 0.9  # units that carry nothing do not hurt


def test_a_shuffled_code_scores_near_zero(factors):
    code = perfect_code(factors)[np.random.default_rng(2).permutation(len(factors))]
    assert mig(code, factors) < 0.03


def test_two_units_carrying_one_factor_give_that_factor_no_gap(factors):
    code = perfect_code(factors)
    doubled = np.hstack([code, 2 * code[:, 3:4] + 0.5])
    gaps = mig_per_factor(doubled, factors)
    assert gaps[3] < 0.02 and np.all(np.delete(gaps, 3) > 0.95)
    assert mig(doubled, factors) == pytest.approx(np.mean(gaps))


def test_the_mi_matrix_is_units_by_factors_in_nats(factors):
    code = perfect_code(factors)
    info = mutual_info_matrix(code, factors)
    assert info.shape == (5, 5)
    entropy = factor_entropy(factors)
    assert np.allclose(entropy, np.log([3, 6, 8, 8, 8]), atol=0.01)  # uniform factors
    assert np.allclose(np.diag(info), entropy, atol=1e-9)
    assert np.all(info[~np.eye(5, dtype=bool)] < 0.03)


def test_bins_are_per_unit_and_hold_the_maximum():
    codes = np.array([[0.0, 100.0], [0.5, 150.0], [1.0, 200.0]])
    labels = discretize(codes, bins=4)
    assert labels.tolist() == [[0, 0], [2, 2], [3, 3]]
    assert discretize(np.random.default_rng(0).normal(size=(100, 3)), 7).max() == 6


def test_bad_inputs_are_refused(factors):
    with pytest.raises(ValueError, match="units"):
        discretize(np.zeros(5))
    with pytest.raises(ValueError, match="at least 2"):
        mig(np.zeros((len(factors), 1)), factors)
    with pytest.raises(ValueError, match="factors must"):
        mutual_info_matrix(np.zeros((10, 3)), factors)


def test_samples_of_a_switched_off_unit_carry_almost_nothing(factors):
    # unit 0 follows x closely (small posterior variance); unit 1 has a mean that follows x a
    # little and a posterior variance of 1 (KL near 0): its mean looks informative, its samples
    # do not.
    x = factors[:, 3].astype(np.float64)
    z_mean = np.stack([x - x.mean(), 0.05 * (x - x.mean())], axis=1)
    z_log_var = np.stack([np.full(len(x), np.log(0.01)), np.zeros(len(x))], axis=1)
    z = sample_codes(z_mean, z_log_var, seed=0)
    assert z.shape == z_mean.shape and z.dtype == np.float64
    np.testing.assert_array_equal(z, sample_codes(z_mean, z_log_var, seed=0))
    assert not np.array_equal(z, sample_codes(z_mean, z_log_var, seed=1))
    h = factor_entropy(factors)[3]
    on_means = mutual_info_matrix(z_mean, factors)[:, 3] / h
    on_samples = mutual_info_matrix(z, factors)[:, 3] / h
    assert on_means[1] > 0.9 and on_samples[1] < 0.05 and on_samples[0] > 0.8
    with pytest.raises(ValueError, match="shape"):
        sample_codes(z_mean, z_log_var[:, :1])
