"""Representation measurements: principal angles, matched cosines, linear CKA, unit correlations."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from scipy.stats import ortho_group

from course_utils.representations import (
    abs_cosine_matrix,
    fit_pca,
    linear_cka,
    matched_cosines,
    pca_reconstruction_mse,
    principal_angles_deg,
    unit_correlations,
)

RNG = np.random.default_rng(0)


def _random_orthogonal(k: int, seed: int) -> np.ndarray:
    return ortho_group.rvs(k, random_state=seed)


def test_principal_angles_same_space_is_zero_and_sorted():
    a = RNG.normal(size=(50, 4))
    mixed = a @ RNG.normal(size=(4, 4))  # other columns, same column space
    assert np.allclose(principal_angles_deg(a, mixed), 0.0, atol=1e-5)
    other = RNG.normal(size=(50, 4))
    angles = principal_angles_deg(a, other)
    assert np.all(np.diff(angles) >= 0)
    assert np.allclose(angles, np.sort(np.degrees(subspace_angles(a, other))))


def test_principal_angles_of_coordinate_planes():
    eye = np.eye(3)
    # span(e1, e2) vs span(e1, e3): one shared direction, one at 90 degrees.
    assert np.allclose(principal_angles_deg(eye[:, :2], eye[:, [0, 2]]), [0.0, 90.0])


def test_principal_angles_of_shifted_codes_need_centring():
    # Two codes of the same 200 examples that vary in the same way around different means:
    # over the examples they span the same subspace, so 0 degrees once centred.
    codes = RNG.normal(size=(200, 4)) + 1.0
    shifted = codes + 5.0 * RNG.normal(size=4)  # the same code plus a constant offset
    mixed = (shifted - shifted.mean(axis=0)) @ RNG.normal(size=(4, 4)) + 3.0  # other axes too
    assert np.allclose(principal_angles_deg(codes, shifted, centre=True), 0.0, atol=1e-5)
    assert np.allclose(principal_angles_deg(codes, mixed, centre=True), 0.0, atol=1e-5)
    assert principal_angles_deg(codes, shifted).max() > 10.0  # uncentred: the offset counts
    # Centring a code is what numpy does; the default leaves directions untouched.
    centred = codes - codes.mean(axis=0)
    assert np.allclose(principal_angles_deg(codes, shifted, centre=True),
                       principal_angles_deg(centred, shifted - shifted.mean(axis=0)))
    eye = np.eye(3)
    assert np.allclose(principal_angles_deg(eye[:, :2], eye[:, [0, 2]]), [0.0, 90.0])


def test_matched_cosines_undoes_permutation_and_sign():
    a = np.linalg.qr(RNG.normal(size=(30, 5)))[0]
    order = np.array([3, 0, 4, 1, 2])
    b = a[:, order] * np.array([1, -1, 2, -0.5, 3])  # shuffled, flipped, rescaled
    match = matched_cosines(a, b)
    assert np.allclose(match.cosines, 1.0)
    assert np.array_equal(order[match.columns], np.arange(5))


def test_matched_cosines_of_rotated_basis_is_low():
    a = np.linalg.qr(RNG.normal(size=(100, 8)))[0]
    rotated = a @ _random_orthogonal(8, seed=1)
    assert np.allclose(principal_angles_deg(a, rotated), 0.0, atol=1e-5)
    assert matched_cosines(a, rotated).cosines.mean() < 0.8


def test_matched_cosines_with_fewer_columns_and_shape_errors():
    a = np.eye(6)[:, :2]
    match = matched_cosines(a, np.eye(6)[:, ::-1])
    assert np.allclose(match.cosines, 1.0) and list(match.columns) == [5, 4]
    with pytest.raises(ValueError, match="more columns"):
        matched_cosines(np.eye(6), a)
    with pytest.raises(ValueError, match="same number of rows"):
        abs_cosine_matrix(np.eye(6), np.eye(5))
    with pytest.raises(ValueError, match="non-zero length"):
        abs_cosine_matrix(np.zeros((6, 2)), np.eye(6))


def _reference_cka(x, y):
    """Kernel form of linear CKA (n x n Gram matrices and a centring matrix)."""
    n = len(x)
    h = np.eye(n) - 1.0 / n
    kx, ky = h @ x @ x.T @ h, h @ y @ y.T @ h
    return np.sum(kx * ky) / (np.linalg.norm(kx) * np.linalg.norm(ky))


def test_linear_cka_matches_the_kernel_form():
    x, y = RNG.normal(size=(40, 6)), RNG.normal(size=(40, 3)) + 5.0
    assert linear_cka(x, y) == pytest.approx(_reference_cka(x, y), rel=1e-10)
    assert 0.0 <= linear_cka(x, y) <= 1.0


def test_linear_cka_invariances():
    x = RNG.normal(size=(200, 8))
    assert linear_cka(x, x) == pytest.approx(1.0)
    assert linear_cka(x, x @ _random_orthogonal(8, seed=2)) == pytest.approx(1.0)
    assert linear_cka(x, 7.5 * x + 3.0) == pytest.approx(1.0)
    # Not invariant to stretching single units: that changes what the code emphasises.
    assert linear_cka(x, x * np.array([10.0, 1, 1, 1, 1, 1, 1, 1])) < 0.9
    assert linear_cka(x, RNG.normal(size=(200, 8))) < 0.2


def test_linear_cka_rejects_bad_input():
    with pytest.raises(ValueError, match="same number of rows"):
        linear_cka(np.ones((5, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="constant"):
        linear_cka(np.ones((5, 2)), RNG.normal(size=(5, 2)))
    with pytest.raises(ValueError, match="NaN"):
        linear_cka(np.full((5, 2), np.nan), RNG.normal(size=(5, 2)))
    with pytest.raises(ValueError, match="2-D"):
        linear_cka(np.ones(5), np.ones(5))


def test_unit_correlations():
    x = RNG.normal(size=(500, 4))
    assert np.allclose(unit_correlations(x, -3 * x + 1), 1.0)
    r = unit_correlations(x, x @ _random_orthogonal(4, seed=3))
    assert r.shape == (4,) and np.all(r < 1.0)
    expected = [abs(np.corrcoef(x[:, i], x[:, (i + 1) % 4])[0, 1]) for i in range(4)]
    assert np.allclose(unit_correlations(x, np.roll(x, -1, axis=1)), expected)
    with pytest.raises(ValueError, match="same number of units"):
        unit_correlations(x, x[:, :2])


def test_fit_pca_matches_scikit_learn_full_solver():
    from sklearn.decomposition import PCA

    x = RNG.normal(size=(120, 10)) * np.linspace(3.0, 0.2, 10) + 4.0
    fit = fit_pca(x)
    reference = PCA(svd_solver="full").fit(x)
    assert np.allclose(fit.mean, reference.mean_)
    assert np.allclose(fit.variances, reference.explained_variance_)
    # Same directions up to sign; each sign fixed by the largest-magnitude entry.
    assert np.allclose(np.abs(np.sum(fit.components * reference.components_.T, axis=0)), 1.0)
    largest = fit.components[np.argmax(np.abs(fit.components), axis=0), np.arange(10)]
    assert np.all(largest > 0)


def test_pca_reconstruction_mse_equals_explicit_reconstruction():
    x_fit = RNG.normal(size=(80, 12)) * np.linspace(2.0, 0.1, 12) + 1.0
    x_held_out = RNG.normal(size=(30, 12)) * np.linspace(2.0, 0.1, 12) + 1.5
    fit = fit_pca(x_fit)
    errors = pca_reconstruction_mse(fit, x_held_out)
    assert errors.shape == (12,)
    for k in (1, 5, 12):
        u = fit.components[:, :k]
        centred = x_held_out - fit.mean  # the fit's mean, not the held-out data's own
        explicit = np.mean((centred @ u @ u.T - centred) ** 2)
        assert errors[k - 1] == pytest.approx(explicit, rel=1e-9, abs=1e-12)
    assert errors[-1] == pytest.approx(0.0, abs=1e-12)  # all components: exact
    assert np.all(np.diff(errors) <= 1e-12)
    assert pca_reconstruction_mse(fit, x_held_out, ks=[0])[0] == pytest.approx(
        np.mean((x_held_out - fit.mean) ** 2))
    with pytest.raises(ValueError, match="between 0 and 12"):
        pca_reconstruction_mse(fit, x_held_out, ks=[13])
    with pytest.raises(ValueError, match="columns"):
        pca_reconstruction_mse(fit, x_held_out[:, :5])
