"""Lesson 04 checks: reference answers pass, typical mistakes get specific feedback."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles

from course_utils.checks import Outcome
from course_utils.checks import lesson04 as checks


def _outcome(exercise, *answers):
    return exercise.evaluate(*answers)


def _assert_incorrect(feedback, phrase: str):
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert phrase in feedback.message, feedback.message


# -- centre_data --------------------------------------------------------------------------------
def _flat(x):
    return x.reshape(len(x), -1)


def centre_reference(x_train, x_test):
    train, test = _flat(x_train), _flat(x_test)
    mean = train.mean(axis=0)
    return train - mean, test - mean


def test_centre_data_reference_is_correct():
    assert _outcome(checks.centre_data, centre_reference).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (lambda a, b: (_flat(a) - _flat(a).mean(axis=0), _flat(b) - _flat(b).mean(axis=0)),
         "its own mean"),
        (lambda a, b: (_flat(a) - a.mean(), _flat(b) - a.mean()), "one number"),
        (lambda a, b: (_flat(a) - _flat(a).mean(axis=1, keepdims=True), _flat(b)), "each image"),
        (lambda a, b: (a - a.mean(axis=0), b - a.mean(axis=0)), "Flatten"),
        (lambda a, b: (_flat(a) - _flat(a).mean(axis=0), _flat(b)), "test set was not centred"),
        (lambda a, b: _flat(a) - _flat(a).mean(axis=0), "two arrays"),
    ],
    ids=["test-own-mean", "scalar-mean", "per-image-mean", "not-flattened", "test-not-centred",
         "one-array"],
)
def test_centre_data_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.centre_data, answer), phrase)


def test_centre_data_in_place_is_reported():
    def in_place(x_train, x_test):
        train, test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
        mean = train.mean(axis=0)
        train -= mean  # modifies the caller's array through the view
        test -= mean
        return train, test

    _assert_incorrect(_outcome(checks.centre_data, in_place), "in place")


def test_centre_data_stub_is_not_attempted():
    assert _outcome(checks.centre_data, lambda a, b: None).outcome is Outcome.NOT_ATTEMPTED


# -- largest_principal_angle ----------------------------------------------------------------------
def angle_reference(a, b):
    qa, qb = np.linalg.qr(a)[0], np.linalg.qr(b)[0]
    cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0)))


def test_largest_principal_angle_reference_and_scipy_are_correct():
    assert _outcome(checks.largest_principal_angle, angle_reference).outcome is Outcome.CORRECT
    via_scipy = lambda a, b: np.degrees(subspace_angles(a, b)).max()  # noqa: E731
    assert _outcome(checks.largest_principal_angle, via_scipy).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (lambda a, b: subspace_angles(a, b).max(), "radians"),
        (lambda a, b: np.degrees(subspace_angles(a, b)).min(), "smallest angle"),
        (lambda a, b: np.degrees(np.arccos(np.clip(
            np.linalg.svd(a.T @ b, compute_uv=False).min(), -1, 1))), "orthonormal"),
        (lambda a, b: np.degrees(subspace_angles(a, b)), "single number"),
    ],
    ids=["radians", "smallest", "not-orthonormalised", "all-angles"],
)
def test_largest_principal_angle_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.largest_principal_angle, answer), phrase)


# -- rotate_autoencoder ---------------------------------------------------------------------------
def test_rotate_autoencoder_reference_is_correct():
    reference = lambda w_enc, w_dec, r: (w_enc @ r, r.T @ w_dec)  # noqa: E731
    assert _outcome(checks.rotate_autoencoder, reference).outcome is Outcome.CORRECT
    with_inverse = lambda w_enc, w_dec, r: (w_enc @ r, np.linalg.inv(r) @ w_dec)  # noqa: E731
    assert _outcome(checks.rotate_autoencoder, with_inverse).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (lambda w_enc, w_dec, r: (w_enc @ r, r @ w_dec), "undoing it"),
        (lambda w_enc, w_dec, r: (w_enc, w_dec), "did not change"),
        (lambda w_enc, w_dec, r: (w_enc @ r.T, r @ w_dec), "instead of `r`"),
        (lambda w_enc, w_dec, r: (w_enc @ r, w_dec), "reconstructions changed"),
        (lambda w_enc, w_dec, r: (w_dec, w_enc), "shape"),
    ],
    ids=["decoder-rotated-again", "unchanged", "transposed-rotation", "decoder-untouched",
         "swapped"],
)
def test_rotate_autoencoder_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.rotate_autoencoder, answer), phrase)


def test_rotate_autoencoder_learner_error_is_reported():
    feedback = _outcome(checks.rotate_autoencoder, lambda w_enc, w_dec, r: (r @ w_enc, w_dec))
    assert feedback.outcome is Outcome.RAISED


# -- linear_cka -----------------------------------------------------------------------------------
def cka_reference(x, y):
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    return np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def cka_kernel_form(x, y):
    n = len(x)
    h = np.eye(n) - 1.0 / n
    kx, ky = h @ x @ x.T @ h, h @ y @ y.T @ h
    return np.sum(kx * ky) / (np.linalg.norm(kx) * np.linalg.norm(ky))


@pytest.mark.parametrize("answer", [cka_reference, cka_kernel_form], ids=["features", "kernels"])
def test_linear_cka_references_are_correct(answer):
    assert _outcome(checks.linear_cka, answer).outcome is Outcome.CORRECT


def _uncentred(x, y):
    return np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def _unsquared(x, y):
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    return np.linalg.norm(y.T @ x) / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def _mean_unit_correlation(x, y):
    k = min(x.shape[1], y.shape[1])
    return np.mean([abs(np.corrcoef(x[:, i], y[:, i])[0, 1]) for i in range(k)])


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [(_uncentred, "Centre each column"), (_unsquared, "Square the numerator"),
     (_mean_unit_correlation, "Frobenius")],
    ids=["uncentred", "unsquared", "unit-correlation"],
)
def test_linear_cka_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.linear_cka, answer), phrase)
