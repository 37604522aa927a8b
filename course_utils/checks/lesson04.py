"""Checks for lesson 04, "Linear autoencoders and PCA": centring, principal angles, the
rotation symmetry of a linear autoencoder, linear CKA, and two ways to choose the number of
principal components (explained variance on the fitted data; held-out error on a validation
split)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import subspace_angles
from scipy.stats import ortho_group

from ..representations import fit_pca, pca_reconstruction_mse
from ..representations import linear_cka as reference_cka
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    distinct_numbers,
    is_untouched_stub,
    require_array,
    require_close,
    require_function,
    require_number,
    returned_none,
)

LESSON = "04"


# -- shared helpers ----------------------------------------------------------------------------
def _require_pair(value, name: str, fn=None) -> tuple:
    """Two things returned as a tuple or list, e.g. ``return a, b``."""
    if value is None:
        raise returned_none(fn, name)
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
    train_c, test_c = _require_pair(out, "centre_data(x_train, x_test)", fn)
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
    both_mean = np.concatenate([flat_train, flat_test]).mean(axis=0)
    if np.allclose(train_c, flat_train - both_mean, atol=1e-5):
        raise Incorrect(
            "You subtracted the mean of the training and test images together. The mean may "
            "come from the training set only (`x_train` flattened, `.mean(axis=0)`): the test "
            "images stay unseen until the final measurement."
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
    line = np.random.default_rng(1).normal(size=(20, 1))
    return [
        ("two planes in 3-D, 30 degrees apart", eye[:, :2], tilted),
        ("random 3-D subspaces of R^40 with long, non-orthogonal columns",
         a * np.array([10.0, 0.1, 3.0]), rng.normal(size=(40, 3)) + a),
        ("the same subspace with other columns", a, a @ rng.normal(size=(3, 3))),
        ("a 2-D and a 4-D subspace of R^30", rng.normal(size=(30, 2)), rng.normal(size=(30, 4))),
        # Rounding puts the cosine of this pair at 1 + 2e-16: arccos without clipping gives NaN.
        ("a line and the same line, scaled", line, 3.0 * line),
    ]


def _is_nan(value: object) -> bool:
    """True for one NaN (a float, NumPy scalar or one-element array); False for anything else."""
    if isinstance(value, (str, bytes)) or value is None:
        return False
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return array.size == 1 and bool(np.isnan(array).all())


def _check_largest_principal_angle(largest_principal_angle) -> str:
    fn = require_function(largest_principal_angle, "largest_principal_angle")
    for label, a, b in _angle_cases():
        angles = np.degrees(subspace_angles(a, b))             # largest first
        expected, smallest = float(angles[0]), float(angles[-1])
        out = call_learner(fn, a.copy(), b.copy(), name="largest_principal_angle(a, b)")
        if _is_nan(out):
            raise Incorrect(
                f"For {label}, your function returned NaN; expected {expected:.4f} degrees. "
                "Rounding can put a cosine a hair above 1, and np.arccos of that is NaN: clip "
                "the cosines to [-1, 1] first, `np.clip(cosines, -1.0, 1.0)`."
            )
        if out is None:
            raise returned_none(fn, "largest_principal_angle(a, b)")
        found = require_number(out, "largest_principal_angle")
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
def _rotation_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(x, w_enc, w_dec, r): two sizes, so a hard-coded k fails; r is never symmetric (r.T != r),
    and the second one is a reflection (determinant -1), which is orthogonal too."""
    cases = []
    for seed, (d, k) in ((42, (20, 4)), (46, (15, 3))):
        rng = np.random.default_rng(seed)
        r = ortho_group.rvs(k, random_state=seed + 1)
        if seed == 46:
            r = r * np.array([1.0, 1.0, -np.sign(np.linalg.det(r))])   # det -1
        x, w_enc, w_dec = rng.normal(size=(10, d)), rng.normal(size=(d, k)), rng.normal(size=(k, d))
        cases.append((x, w_enc, w_dec, r))
    return cases


def _check_rotate_autoencoder(rotate_autoencoder) -> str:
    fn = require_function(rotate_autoencoder, "rotate_autoencoder")
    for x, w_enc, w_dec, rotation in _rotation_cases():
        d, k = w_enc.shape
        inputs = (w_enc.copy(), w_dec.copy(), rotation.copy())
        out = call_learner(fn, *inputs, name="rotate_autoencoder(w_enc, w_dec, r)")
        new_enc, new_dec = _require_pair(out, "rotate_autoencoder(w_enc, w_dec, r)", fn)
        new_enc = require_array(new_enc, "The rotated encoder weights", shape=(d, k))
        new_dec = require_array(new_dec, "The rotated decoder weights", shape=(k, d))
        for original, passed, what in zip((w_enc, w_dec, rotation), inputs,
                                          ("w_enc", "w_dec", "r"), strict=True):
            _unchanged(original, passed, what)

        codes, rotated_codes = x @ w_enc, x @ new_enc
        if np.allclose(rotated_codes, codes):
            raise Incorrect(
                "The code did not change: the encoder weights are the original ones. The new "
                "code should be the rotated old one, `z @ r`."
            )
        if np.allclose(rotated_codes, codes @ rotation.T):
            raise Incorrect(
                "The code was rotated by `r.T` instead of `r`. Since `z_new = x @ w_enc_new` "
                "should equal `(x @ w_enc) @ r`, the new encoder weights are `w_enc @ r`."
            )
        require_close(rotated_codes, codes @ rotation, "The new code `x @ w_enc_new`",
                      rtol=1e-6, atol=1e-8)
        reconstruction = codes @ w_dec
        if np.allclose(new_dec, rotation @ w_dec):
            raise Incorrect(
                "The decoder applies `r` once more instead of undoing it, so the "
                "reconstructions change. The decoder must first undo the rotation: multiply by "
                "the inverse of `r`, which for an orthogonal matrix is `r.T`."
            )
        if not np.allclose(rotated_codes @ new_dec, reconstruction, rtol=1e-6, atol=1e-8):
            gap = float(np.abs(rotated_codes @ new_dec - reconstruction).max())
            raise Incorrect(
                f"The code is rotated correctly, but the reconstructions changed (by up to "
                f"{gap:.3g}). The decoder must undo the rotation first: `r.T @ w_dec`."
            )
    return "Different code, identical reconstructions: the loss cannot tell the two apart."


# -- exercise 4: linear_cka ---------------------------------------------------------------------
def _cka_variant(x, y, *, centre: str = "columns", square: bool = True,
                 norm: str = "fro") -> float:
    """Linear CKA and the ways it is commonly miscomputed, to recognise a learner's mistake."""
    if centre == "columns":
        x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    elif centre == "rows":
        x, y = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    numerator = np.linalg.norm(y.T @ x, norm)
    return float(numerator ** (2 if square else 1)
                 / (np.linalg.norm(x.T @ x, norm) * np.linalg.norm(y.T @ y, norm)))


_CKA_MISTAKES = (
    ({"centre": "none"}, "Centre each column first: `x - x.mean(axis=0)` (one mean per unit, over "
                         "the examples); without it, CKA mostly compares the two codes' means."),
    ({"centre": "rows"}, "You centred each row (each example, axis=1). Centre each column, i.e. "
                         "each unit over the examples: `x - x.mean(axis=0)`."),
    ({"square": False}, "Square the numerator: `np.linalg.norm(y.T @ x) ** 2`."),
    ({"norm": 2}, "That is the spectral norm (`np.linalg.norm(m, 2)`, the largest singular "
                  "value). CKA uses the Frobenius norm: `np.linalg.norm(m)` without a second "
                  "argument."),
)


def _check_linear_cka(linear_cka) -> str:
    fn = require_function(linear_cka, "linear_cka")
    rng = np.random.default_rng(44)
    x = rng.normal(size=(60, 6)) * np.array([3.0, 1.0, 0.5, 2.0, 1.0, 0.2]) + 3.0
    related = x[:, :4] @ rng.normal(size=(4, 4)) + rng.normal(size=(60, 4)) + 5.0

    def run(a, b, what: str) -> float:
        out = call_learner(fn, a.copy(), b.copy(), name=f"linear_cka({what})")
        if out is None:
            raise returned_none(fn, f"linear_cka({what})")
        return require_number(out, "linear_cka")

    found = run(x, related, "x, y")
    expected = reference_cka(x, related)
    if not np.isclose(found, expected, rtol=1e-5, atol=1e-7):
        shown_found, shown_expected = distinct_numbers(found, expected)
        message = (f"On two related codes (60 examples; 6 and 4 units) expected {shown_expected}, "
                   f"found {shown_found}.")
        for variant, advice in _CKA_MISTAKES:
            if np.isclose(found, _cka_variant(x, related, **variant), rtol=1e-5):
                raise Incorrect(f"{message} {advice}")
        one_side = (_cka_variant(x - x.mean(axis=0), related, centre="none"),
                    _cka_variant(x, related - related.mean(axis=0), centre="none"))
        if np.any(np.isclose(found, one_side, rtol=1e-5)):
            raise Incorrect(f"{message} Centre the columns of *both* codes.")
        raise Incorrect(
            f"{message} With centred columns, CKA = ||y^T x||_F^2 / (||x^T x||_F ||y^T y||_F) "
            "(`np.linalg.norm` of a matrix is the Frobenius norm)."
        )
    if not np.isclose(run(related, x, "y, x"), expected, rtol=1e-5, atol=1e-7):
        raise Incorrect("CKA is symmetric: `linear_cka(y, x)` should equal `linear_cka(x, y)`.")
    rotation = ortho_group.rvs(6, random_state=45)
    for y, what in ((x @ rotation, "a rotation"), (2.5 * x - 1.0, "a scaled and shifted copy")):
        value = run(x, y, f"x, {what} of x")
        if not np.isclose(value, 1.0, atol=1e-6):
            raise Incorrect(
                f"The CKA between a code and {what} of it should be 1; found {value:.5f}."
            )
    return "Matches the reference, and gives 1 for rotated and rescaled codes."


# -- exercise 5: variance_rule_k ----------------------------------------------------------------
def _synthetic_data(seed: int, d: int, n_fit: int, n_val: int, shift: float):
    """Correlated data around a mean far from 0, with a decaying spectrum and a noise floor:
    ``x_fit`` for fitting, ``x_val`` from the same distribution whose mean is moved by
    ``shift`` (as a different sample's mean is)."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    stds = 0.8 ** np.arange(d) + 0.04
    mean = rng.random(d) * 0.5 + 0.3

    def sample(n, centre):
        return centre + (rng.normal(size=(n, d)) * stds) @ basis.T

    x_fit = sample(n_fit, mean)
    return x_fit, sample(n_val, mean + shift * rng.normal(size=d))


def _first_reaching(values: np.ndarray, target: float, *, at_least: bool) -> int | None:
    """The smallest k (counted from 1) whose value reaches the target, or None."""
    hits = np.nonzero(values >= target if at_least else values <= target)[0]
    return int(hits[0]) + 1 if hits.size else None


def _require_count(value: object, name: str, largest: int) -> int:
    """A whole number of components between 1 and ``largest``."""
    number = require_number(value, name)
    if number != round(number):
        raise Incorrect(f"{name} should be a whole number of components; found {number:g}.")
    if not 1 <= number <= largest:
        raise Incorrect(f"{name} should lie between 1 and {largest} (the number of components "
                        f"there are); found {number:g}.")
    return int(number)


def _variance_rule(x: np.ndarray, fraction: float, *, centre: bool = True,
                   power: int = 2) -> int | None:
    singular_values = np.linalg.svd(x - x.mean(axis=0) if centre else x, compute_uv=False)
    weights = singular_values ** power
    return _first_reaching(np.cumsum(weights) / weights.sum(), fraction - 1e-12, at_least=True)


def _variance_cases() -> list[tuple[np.ndarray, float]]:
    first, _ = _synthetic_data(50, d=40, n_fit=150, n_val=2, shift=0.0)
    second, _ = _synthetic_data(51, d=25, n_fit=60, n_val=2, shift=0.0)
    return [(first, 0.9), (second, 0.75), (first, 0.5)]


def _check_variance_rule_k(variance_rule_k) -> str:
    fn = require_function(variance_rule_k, "variance_rule_k")
    cases = _variance_cases()
    found, expected = [], []
    for x, fraction in cases:
        out = call_learner(fn, x.copy(), fraction, name=f"variance_rule_k(x_fit, {fraction})")
        if out is None:
            raise returned_none(fn, f"variance_rule_k(x_fit, {fraction})")
        found.append(_require_count(out, "variance_rule_k", min(x.shape)))
        expected.append(_variance_rule(x, fraction))
    if found == expected:
        return (f"Right on {len(cases)} data sets: {expected} components reach the asked "
                "fractions of the variance.")
    mistakes = (
        (lambda x, f: _variance_rule(x, f) - 1,
         "one fewer than the right count: components are counted from 1, so the k-th one has "
         "index k - 1; add 1 to the index you found."),
        (lambda x, f: _variance_rule(x, f, power=1),
         "what the singular values themselves give. The variance along a component is its "
         "singular value squared (divided by n - 1): use `s ** 2`."),
        (lambda x, f: _variance_rule(x, f, centre=False),
         "what uncentred data give: the first singular vector then points at the mean. "
         "Subtract `x_fit.mean(axis=0)` before the SVD (scikit-learn's PCA does it for you)."),
        (lambda x, f: _first_reaching(
            np.cumsum(np.sort(x.var(axis=0))[::-1]) / x.var(axis=0).sum(), f, at_least=True),
         "what the variances of single pixels give, sorted. Pixels are correlated: the "
         "principal components are the directions of largest variance, from the SVD of the "
         "centred data."),
    )
    for mistake, advice in mistakes:
        if [mistake(x, f) for x, f in cases] == found:
            raise Incorrect(f"Expected {expected} components for the fractions "
                            f"{[f for _, f in cases]}; found {found}, which is {advice}")
    index = next(i for i, (a, b) in enumerate(zip(found, expected, strict=True)) if a != b)
    x, fraction = cases[index]
    weights = np.linalg.svd(x - x.mean(axis=0), compute_uv=False) ** 2
    ratio = float(np.cumsum(weights)[found[index] - 1] / weights.sum())
    shown_ratio, shown_fraction = distinct_numbers(ratio, fraction)
    relation = "below" if ratio < fraction else "at least"
    raise Incorrect(
        f"For data set {index + 1}, {found[index]} components explain {shown_ratio} of the "
        f"variance, {relation} the fraction {shown_fraction}; the smallest k that reaches it is "
        f"{expected[index]}. The explained variance of k components is the sum of the first k "
        "squared singular values of the centred data over the sum of all of them."
    )


# -- exercise 6: smallest_k_for_target ----------------------------------------------------------
def _holdout_k(x_fit, x_val, target, *, fit_on=None, centre_val_with=None) -> int | None:
    fit = fit_pca(x_fit if fit_on is None else fit_on)
    if centre_val_with is not None:
        fit = fit._replace(mean=centre_val_with)
    return _first_reaching(pca_reconstruction_mse(fit, x_val), target, at_least=False)


def _uncentred_k(x_fit, x_val, target) -> int | None:
    vt = np.linalg.svd(x_fit, full_matrices=False)[2]
    errors = [np.mean((x_val @ vt[:k].T @ vt[:k] - x_val) ** 2) for k in range(1, len(vt) + 1)]
    return _first_reaching(np.array(errors), target, at_least=False)


def _val_not_centred_k(x_fit, x_val, target) -> int | None:
    u = fit_pca(x_fit).components
    errors = [np.mean((x_val @ u[:, :k] @ u[:, :k].T - x_val) ** 2)
              for k in range(1, u.shape[1] + 1)]
    return _first_reaching(np.array(errors), target, at_least=False)


def _target_cases() -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Small fit sets (so the training error is clearly optimistic) and validation sets whose
    mean is moved a little; for these, every mistake below gives a different list of ks."""
    settings = ((70, 30, 50, 25, 0.12, 0.02), (71, 30, 80, 60, 0.25, 0.02),
                (72, 24, 40, 100, 0.05, 0.015), (73, 30, 120, 30, 0.15, 0.03))
    cases = []
    for seed, d, n_fit, n_val, shift, target in settings:
        x_fit, x_val = _synthetic_data(seed, d=d, n_fit=n_fit, n_val=n_val, shift=shift)
        cases.append((x_fit, x_val, target))
    return cases


_TARGET_MISTAKES = (
    (lambda f, v, t: _holdout_k(f, v, t) - 1,
     "one fewer than the right count: components are counted from 1, so the k-th error sits at "
     "index k - 1; add 1 to the index you found."),
    (lambda f, v, t: _holdout_k(f, v, t, centre_val_with=v.mean(axis=0)),
     "what you get when `x_val` is centred with its own mean. Use the mean of `x_fit` for both: "
     "PCA's mean is part of the fitted model, like its components."),
    (lambda f, v, t: _holdout_k(f, f, t),
     "what the error on `x_fit` gives, the data PCA was fitted on. That training error is "
     "optimistic (with enough components it falls to 0); measure on `x_val`."),
    (lambda f, v, t: _holdout_k(f, v, t, fit_on=v),
     "what a PCA fitted on `x_val` gives. Fit on `x_fit` only; `x_val` is for measuring."),
    (lambda f, v, t: _holdout_k(f, v, t, fit_on=np.concatenate([f, v])),
     "what a PCA fitted on `x_fit` and `x_val` together gives. Fit on `x_fit` only; the "
     "validation images must stay unseen to give an honest error."),
    (_uncentred_k,
     "what a PCA of uncentred data gives. Subtract the mean of `x_fit` before the SVD, and "
     "from `x_val` before projecting (then add it back), as scikit-learn's PCA does."),
    (lambda f, v, t: _first_reaching(pca_reconstruction_mse(fit_pca(f), v) * v.shape[1], t,
                                     at_least=False),
     "what a squared error summed over each image's values gives. The target is a mean over "
     "all values: `np.mean((reconstruction - x_val) ** 2)`."),
    (_val_not_centred_k,
     "what you get when `x_val` is projected without subtracting the mean of `x_fit` first. "
     "Reconstruct `mean + (x_val - mean) @ u @ u.T`."),
)


def _check_smallest_k_for_target(smallest_k_for_target) -> str:
    fn = require_function(smallest_k_for_target, "smallest_k_for_target")
    cases = _target_cases()
    found, expected = [], []
    for number, (x_fit, x_val, target) in enumerate(cases, start=1):
        shown = f"smallest_k_for_target(x_fit, x_val, {target})"
        out = call_learner(fn, x_fit.copy(), x_val.copy(), target, name=shown)
        if out is None and number == 1 and is_untouched_stub(fn):
            raise returned_none(fn, shown)
        if out is None:
            raise Incorrect(
                f"For data set {number}, your function returned None, yet "
                f"{_holdout_k(x_fit, x_val, target)} components reach the target {target} "
                f"there (`{shown}`). Did you forget `return`? A function that ends without "
                "`return k` gives None (printing k does not return it). If yours returns None "
                "when no k reaches the target: is your error the mean over all values "
                "(`np.mean`), not a sum per image?"
            )
        found.append(_require_count(out, "smallest_k_for_target", min(x_fit.shape)))
        expected.append(_holdout_k(x_fit, x_val, target))
    if found == expected:
        return (f"Right on {len(cases)} data sets ({expected} components): chosen by the "
                "validation error of a PCA fitted on the fit split only.")
    for mistake, advice in _TARGET_MISTAKES:
        if [mistake(*case) for case in cases] == found:
            raise Incorrect(f"Expected {expected} components for the {len(cases)} data sets; "
                            f"found {found}, which is {advice}")
    index = next(i for i, (a, b) in enumerate(zip(found, expected, strict=True)) if a != b)
    x_fit, x_val, target = cases[index]
    errors = pca_reconstruction_mse(fit_pca(x_fit), x_val)
    error = float(errors[found[index] - 1])
    shown_error, shown_target = distinct_numbers(error, target)
    if error > target:
        detail = (f"with {found[index]} components the validation MSE is {shown_error}, above "
                  f"the target {shown_target}, so more are needed")
    else:
        shown_error, shown_target = distinct_numbers(float(errors[expected[index] - 1]), target)
        detail = (f"already {expected[index]} components reach a validation MSE of "
                  f"{shown_error}, at most the target {shown_target}")
    raise Incorrect(
        f"For data set {index + 1}, expected {expected[index]} components, found "
        f"{found[index]}: {detail}. Fit PCA on `x_fit` (mean and components), reconstruct "
        "`x_val` with the first k components, and take the mean squared error over all values."
    )


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

variance_rule_k = Exercise(
    lesson=LESSON,
    name="variance_rule_k",
    title="the number of components that explain a fraction of the variance",
    checker=_check_variance_rule_k,
    hints=[
        "The variance along principal component i is its squared singular value (of the centred "
        "data) divided by n - 1. The fraction explained by the first k components is the sum of "
        "the first k variances over the sum of all of them.",
        "`s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)`, then "
        "`ratio = np.cumsum(s ** 2) / np.sum(s ** 2)`; `ratio[k - 1]` belongs to k components.",
        "`return int(np.argmax(ratio >= fraction)) + 1` (the first index that reaches the "
        "fraction, plus 1 because components are counted from 1).",
    ],
)

smallest_k_for_target = Exercise(
    lesson=LESSON,
    name="smallest_k_for_target",
    title="the fewest principal components whose validation error meets a target",
    checker=_check_smallest_k_for_target,
    hints=[
        "Fit PCA on `x_fit` only: its mean and its components. Then, for k = 1, 2, ..., "
        "reconstruct `x_val` from its first k projections and measure the MSE; stop at the first "
        "k at or below the target.",
        "One SVD is enough for every k: `mean = x_fit.mean(axis=0)`, `vt = np.linalg.svd(x_fit - "
        "mean, full_matrices=False)[2]`; with `u = vt[:k].T` the reconstruction of the centred "
        "validation set `c = x_val - mean` is `c @ u @ u.T`.",
        "`for k in range(1, len(vt) + 1):` compute `np.mean((c @ u @ u.T - c) ** 2)` with "
        "`u = vt[:k].T`, and `return k` as soon as it is `<= target`. (Faster, all k at once: "
        "the error with k components is `(np.sum(c ** 2) - kept[k - 1]) / c.size`, where "
        "`kept = np.cumsum(np.sum((c @ vt.T) ** 2, axis=0))`.)",
    ],
)

EXERCISES = (centre_data, largest_principal_angle, rotate_autoencoder, linear_cka,
             variance_rule_k, smallest_k_for_target)
