"""Checks for lesson 04, "Linear autoencoders and PCA": centring, principal angles, the
rotation symmetry of a linear autoencoder, and linear CKA."""

from __future__ import annotations

import numpy as np
from scipy.linalg import subspace_angles
from scipy.stats import ortho_group

from ..representations import linear_cka as reference_cka
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
    call_learner,
    describe,
    require_array,
    require_close,
    require_function,
    require_number,
)

LESSON = "04"


# -- shared helpers ----------------------------------------------------------------------------
def _require_pair(value, name: str) -> tuple:
    """Two things returned as a tuple or list, e.g. ``return a, b``."""
    if value is None:
        raise NotAttempted(f"{name} returned None: write the function body, then check it.")
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise Incorrect(
            f"{name} should return two arrays, as in `return first, second`; found "
            f"{describe(value)}" + (f" of length {len(value)}." if isinstance(value, (tuple, list))
                                    else ".")
        )
    return tuple(value)




def _unchanged(original: np.ndarray, passed: np.ndarray, what: str) -> None:
    if not np.array_equal(original, passed):
        raise Incorrect(
            f"Your function changed {what} in place (an operation like `-=` on the input or a "
            "view of it). Compute a new array instead, e.g. `x - mean`: otherwise running the "
            "cell twice centres (or rotates) the data twice."
        )


# -- exercise 1: centre_data --------------------------------------------------------------------
def _check_centre_data(centre_data) -> str:
    fn = require_function(centre_data, "centre_data")
    rng = np.random.default_rng(40)
    offsets = rng.random((28, 28), dtype=np.float32)          # a different mean for each pixel
    x_train = (offsets + 0.3 * rng.random((30, 28, 28), dtype=np.float32)).astype(np.float32)
    x_test = (offsets + 0.2 + 0.3 * rng.random((12, 28, 28), dtype=np.float32)).astype(np.float32)
    train_in, test_in = x_train.copy(), x_test.copy()
    out = call_learner(fn, train_in, test_in, name="centre_data(x_train, x_test)")
    train_c, test_c = _require_pair(out, "centre_data")
    if getattr(train_c, "shape", None) == x_train.shape:
        raise Incorrect(
            "The training images still have shape (n, 28, 28). Flatten each image to a row of "
            "784 pixels first: `x_train.reshape(len(x_train), -1)`."
        )
    train_c = require_array(train_c, "The centred training set", shape=(30, 784))
    test_c = require_array(test_c, "The centred test set", shape=(12, 784))
    _unchanged(x_train, train_in, "the training images")
    _unchanged(x_test, test_in, "the test images")

    flat_train, flat_test = x_train.reshape(30, -1), x_test.reshape(12, -1)
    pixel_mean = flat_train.mean(axis=0)
    if np.allclose(train_c, flat_train, atol=1e-6):
        raise Incorrect("The training set was not centred: subtract the mean image.")
    if np.allclose(train_c, flat_train - flat_train.mean(), atol=1e-5):
        raise Incorrect(
            "You subtracted one number, the mean of all pixels. PCA centres each pixel "
            "separately: subtract the mean *image*, `x.mean(axis=0)`, one mean per pixel."
        )
    if np.allclose(train_c, flat_train - flat_train.mean(axis=1, keepdims=True), atol=1e-5):
        raise Incorrect(
            "You centred each image (a mean over its own pixels, axis=1). PCA centres each "
            "pixel over the examples: `mean = x_train.mean(axis=0)`."
        )
    require_close(train_c, flat_train - pixel_mean, "The centred training set", rtol=1e-4,
                  atol=1e-5)
    if np.allclose(test_c, flat_test - flat_test.mean(axis=0), atol=1e-5):
        raise Incorrect(
            "The test set was centred with its own mean. Use the *training* mean for both sets: "
            "a model never gets to see statistics of the test data (PCA's `transform` does the "
            "same)."
        )
    if np.allclose(test_c, flat_test, atol=1e-6):
        raise Incorrect("The test set was not centred: subtract the training mean image from it.")
    require_close(test_c, flat_test - pixel_mean, "The centred test set", rtol=1e-4, atol=1e-5)
    return "Flattened, and both sets centred with the training set's mean image."


# -- exercise 2: largest_principal_angle --------------------------------------------------------
def _angle_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(41)
    eye = np.eye(3)
    tilted = np.stack([eye[0], np.cos(np.pi / 6) * eye[1] + np.sin(np.pi / 6) * eye[2]], axis=1)
    a = rng.normal(size=(40, 3))
    return [
        ("two planes in 3-D, 30 degrees apart", eye[:, :2], tilted),
        ("random 3-D subspaces of R^40 with long, non-orthogonal columns",
         a * np.array([10.0, 0.1, 3.0]), rng.normal(size=(40, 3)) + a),
        ("the same subspace with other columns", a, a @ rng.normal(size=(3, 3))),
        ("a 2-D and a 4-D subspace of R^30", rng.normal(size=(30, 2)), rng.normal(size=(30, 4))),
    ]


def _check_largest_principal_angle(largest_principal_angle) -> str:
    fn = require_function(largest_principal_angle, "largest_principal_angle")
    for label, a, b in _angle_cases():
        out = call_learner(fn, a.copy(), b.copy(), name="largest_principal_angle(a, b)")
        found = require_number(out, "largest_principal_angle")
        angles = np.degrees(subspace_angles(a, b))             # largest first
        expected, smallest = float(angles[0]), float(angles[-1])
        if abs(found - expected) <= 1e-3 + 1e-4 * expected:
            continue
        where = f"For {label}, expected {expected:.4f} degrees, found {found:.4f}."
        if abs(np.degrees(found) - expected) <= 1e-3 + 1e-4 * expected:
            raise Incorrect(f"{where} That is the answer in radians: convert with `np.degrees`.")
        if expected > 1 and abs(found - smallest) <= 1e-3 + 1e-4 * smallest:
            raise Incorrect(
                f"{where} You returned the smallest angle; the largest one belongs to the "
                "smallest cosine (the smallest singular value)."
            )
        raise Incorrect(
            f"{where} Make the columns of each matrix orthonormal first (`np.linalg.qr`), then "
            "the singular values of `qa.T @ qb` are the cosines of the principal angles."
        )
    return "Matches scipy.linalg.subspace_angles, in degrees, on all test subspaces."


# -- exercise 3: rotate_autoencoder -------------------------------------------------------------
def _check_rotate_autoencoder(rotate_autoencoder) -> str:
    fn = require_function(rotate_autoencoder, "rotate_autoencoder")
    rng = np.random.default_rng(42)
    x = rng.normal(size=(10, 20))
    w_enc, w_dec = rng.normal(size=(20, 4)), rng.normal(size=(4, 20))
    rotation = ortho_group.rvs(4, random_state=43)
    inputs = (w_enc.copy(), w_dec.copy(), rotation.copy())
    out = call_learner(fn, *inputs, name="rotate_autoencoder(w_enc, w_dec, r)")
    new_enc, new_dec = _require_pair(out, "rotate_autoencoder")
    new_enc = require_array(new_enc, "The rotated encoder weights", shape=(20, 4))
    new_dec = require_array(new_dec, "The rotated decoder weights", shape=(4, 20))
    for original, passed, what in zip((w_enc, w_dec, rotation), inputs,
                                      ("w_enc", "w_dec", "r"), strict=True):
        _unchanged(original, passed, what)

    codes, rotated_codes = x @ w_enc, x @ new_enc
    if np.allclose(rotated_codes, codes):
        raise Incorrect(
            "The code did not change: the encoder weights are the original ones. The new code "
            "should be the rotated old one, `z @ r`."
        )
    if np.allclose(rotated_codes, codes @ rotation.T):
        raise Incorrect(
            "The code was rotated by `r.T` instead of `r`. Since `z_new = x @ w_enc_new` should "
            "equal `(x @ w_enc) @ r`, the new encoder weights are `w_enc @ r`."
        )
    require_close(rotated_codes, codes @ rotation, "The new code `x @ w_enc_new`", rtol=1e-6,
                  atol=1e-8)
    reconstruction = codes @ w_dec
    if np.allclose(new_dec, rotation @ w_dec):
        raise Incorrect(
            "The decoder applies `r` once more instead of undoing it, so the reconstructions "
            "change. The decoder must first undo the rotation: multiply by the inverse of `r`, "
            "which for an orthogonal matrix is `r.T`."
        )
    if not np.allclose(rotated_codes @ new_dec, reconstruction, rtol=1e-6, atol=1e-8):
        gap = float(np.abs(rotated_codes @ new_dec - reconstruction).max())
        raise Incorrect(
            f"The code is rotated correctly, but the reconstructions changed (by up to {gap:.3g}). "
            "The decoder must undo the rotation first: `r.T @ w_dec`."
        )
    return "Different code, identical reconstructions: the loss cannot tell the two apart."


# -- exercise 4: linear_cka ---------------------------------------------------------------------
def _uncentred_cka(x, y) -> float:
    return float(np.linalg.norm(y.T @ x) ** 2
                 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def _unsquared_cka(x, y) -> float:
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    return float(np.linalg.norm(y.T @ x) / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def _check_linear_cka(linear_cka) -> str:
    fn = require_function(linear_cka, "linear_cka")
    rng = np.random.default_rng(44)
    x = rng.normal(size=(60, 6)) + 3.0
    related = x[:, :4] @ rng.normal(size=(4, 4)) + rng.normal(size=(60, 4)) + 5.0

    def run(a, b, what: str) -> float:
        out = call_learner(fn, a.copy(), b.copy(), name=f"linear_cka({what})")
        return require_number(out, "linear_cka")

    found = run(x, related, "x, y")
    expected = reference_cka(x, related)
    if not np.isclose(found, expected, rtol=1e-5, atol=1e-7):
        message = (f"On two related codes (60 examples; 6 and 4 units) expected {expected:.5f}, "
                   f"found {found:.5f}.")
        if np.isclose(found, _uncentred_cka(x, related), rtol=1e-5):
            raise Incorrect(f"{message} Centre each column first: `x - x.mean(axis=0)`.")
        if np.isclose(found, _unsquared_cka(x, related), rtol=1e-5):
            raise Incorrect(f"{message} Square the numerator: `np.linalg.norm(y.T @ x) ** 2`.")
        raise Incorrect(
            f"{message} With centred columns, CKA = ||y^T x||_F^2 / (||x^T x||_F ||y^T y||_F) "
            "(`np.linalg.norm` of a matrix is the Frobenius norm)."
        )
    rotation = ortho_group.rvs(6, random_state=45)
    for y, what in ((x @ rotation, "a rotation"), (2.5 * x - 1.0, "a scaled and shifted copy")):
        value = run(x, y, f"x, {what} of x")
        if not np.isclose(value, 1.0, atol=1e-6):
            raise Incorrect(
                f"The CKA between a code and {what} of it should be 1; found {value:.5f}."
            )
    return "Matches the reference, and gives 1 for rotated and rescaled codes."


centre_data = Exercise(
    lesson=LESSON,
    name="centre_data",
    title="flatten and centre the data with the training mean",
    checker=_check_centre_data,
    hints=[
        "Two steps: flatten both sets to (n, 784), then subtract one mean per pixel.",
        "The mean comes from the training set only, `train.mean(axis=0)` (shape (784,)), and is "
        "subtracted from both sets.",
        "`train = x_train.reshape(len(x_train), -1)`, the same for the test set, "
        "`mean = train.mean(axis=0)`, `return train - mean, test - mean`.",
    ],
)

largest_principal_angle = Exercise(
    lesson=LESSON,
    name="largest_principal_angle",
    title="the largest principal angle between two column spaces, in degrees",
    checker=_check_largest_principal_angle,
    hints=[
        "The cosines of the principal angles are the singular values of `qa.T @ qb`, where the "
        "columns of `qa` and `qb` are orthonormal bases of the two column spaces.",
        "`qa, _ = np.linalg.qr(a)` gives an orthonormal basis; `np.linalg.svd(m, "
        "compute_uv=False)` the singular values. The largest angle has the smallest cosine.",
        "`np.degrees(np.arccos(np.clip(cosines.min(), -1.0, 1.0)))`",
    ],
)

rotate_autoencoder = Exercise(
    lesson=LESSON,
    name="rotate_autoencoder",
    title="an equivalent linear autoencoder with a rotated code",
    checker=_check_rotate_autoencoder,
    hints=[
        "The new code is `z @ r` with `z = x @ w_enc`. Which encoder matrix produces that "
        "directly?",
        "The decoder must turn `z @ r` back into `z` before decoding. The inverse of an "
        "orthogonal matrix is its transpose: `r @ r.T` is the identity.",
        "`return w_enc @ r, r.T @ w_dec`",
    ],
)

linear_cka = Exercise(
    lesson=LESSON,
    name="linear_cka",
    title="linear CKA between two codes",
    checker=_check_linear_cka,
    hints=[
        "First centre the columns of both codes (subtract each unit's mean over the examples).",
        "For matrices, `np.linalg.norm` is the Frobenius norm. The numerator is the squared norm "
        "of `y.T @ x`; the denominator is the product of the norms of `x.T @ x` and `y.T @ y`.",
        "`x = x - x.mean(axis=0)`, the same for `y`, then `return np.linalg.norm(y.T @ x) ** 2 / "
        "(np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))`",
    ],
)

EXERCISES = (centre_data, largest_principal_angle, rotate_autoencoder, linear_cka)
