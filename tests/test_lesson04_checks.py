"""Lesson 04 checks: reference answers pass, typical mistakes get specific feedback."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from course_utils.checks import Outcome
from course_utils.checks import lesson04 as checks


def _outcome(exercise, *answers):
    return exercise.evaluate(*answers)


def _assert_incorrect(feedback, phrase: str):
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert phrase in feedback.message, feedback.message
    assert "not quite yet" in str(feedback).lower(), str(feedback)


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
        (lambda a, b: (_flat(a) - np.concatenate([_flat(a), _flat(b)]).mean(axis=0),
                       _flat(b) - np.concatenate([_flat(a), _flat(b)]).mean(axis=0)),
         "training and test images together"),
    ],
    ids=["test-own-mean", "scalar-mean", "per-image-mean", "not-flattened", "test-not-centred",
         "one-array", "combined-mean"],
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


@pytest.mark.filterwarnings("ignore:invalid value encountered in arccos")
@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (lambda a, b: subspace_angles(a, b).max(), "radians"),
        (lambda a, b: np.degrees(subspace_angles(a, b)).min(), "smallest angle"),
        (lambda a, b: np.degrees(np.arccos(np.clip(
            np.linalg.svd(a.T @ b, compute_uv=False).min(), -1, 1))), "orthonormal"),
        (lambda a, b: np.degrees(subspace_angles(a, b)), "single number"),
        (lambda a, b: np.degrees(np.arccos(np.clip(np.linalg.svd(
            np.linalg.qr(a)[0].T @ b, compute_uv=False).min(), -1, 1))), "orthonormal"),
    ],
    ids=["radians", "smallest", "not-orthonormalised", "all-angles",
         "only-a-orthonormalised"],
)
def test_largest_principal_angle_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.largest_principal_angle, answer), phrase)


def _unclipped(a, b):
    cosines = np.linalg.svd(np.linalg.qr(a)[0].T @ np.linalg.qr(b)[0], compute_uv=False)
    return np.degrees(np.arccos(cosines.min()))


@pytest.mark.filterwarnings("ignore:invalid value encountered in arccos")
def test_unclipped_arccos_gets_the_clip_message_where_rounding_gives_nan():
    """The check's last case (a line and the same line, scaled) puts the cosine at 1 + 2e-16 with
    most BLAS builds; where rounding happens to give exactly 1, the unclipped answer is right."""
    line = np.random.default_rng(1).normal(size=(20, 1))
    if not np.isnan(_unclipped(line, 3.0 * line)):
        pytest.skip("here the cosine rounds to <= 1, so the unclipped answer is not wrong")
    _assert_incorrect(_outcome(checks.largest_principal_angle, _unclipped), "clip")


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
        (lambda w_enc, w_dec, r: (w_enc @ r, r.T @ w_dec) if len(r) == 4 else (w_enc, w_dec),
         "did not change"),
    ],
    ids=["decoder-rotated-again", "unchanged", "transposed-rotation", "decoder-untouched",
         "swapped", "only-first-size"],
)
def test_rotate_autoencoder_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.rotate_autoencoder, answer), phrase)


def test_rotate_autoencoder_cases_tell_r_from_its_transpose():
    for _, _, _, r in checks._rotation_cases():
        assert np.allclose(r @ r.T, np.eye(len(r))) and not np.allclose(r, r.T)
    assert np.linalg.det(checks._rotation_cases()[1][3]) == pytest.approx(-1.0)


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


def _row_centred(x, y):
    return _uncentred(x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True))


def _spectral(x, y):
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    spectral = lambda m: np.linalg.norm(m, 2)  # noqa: E731
    return spectral(y.T @ x) ** 2 / (spectral(x.T @ x) * spectral(y.T @ y))


def _only_x_centred(x, y):
    return _uncentred(x - x.mean(axis=0), y)


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [(_uncentred, "Centre each column"), (_unsquared, "Square the numerator"),
     (_mean_unit_correlation, "Frobenius"), (_row_centred, "centred each row"),
     (_spectral, "spectral norm"), (_only_x_centred, "*both* codes")],
    ids=["uncentred", "unsquared", "unit-correlation", "row-centred", "spectral-norm",
         "one-side-centred"],
)
def test_linear_cka_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.linear_cka, answer), phrase)


def test_linear_cka_asymmetric_answer_is_caught():
    def asymmetric(x, y):
        return cka_reference(x, y) if x.shape[1] == 6 else 0.5

    _assert_incorrect(_outcome(checks.linear_cka, asymmetric), "symmetric")


# -- variance_rule_k ------------------------------------------------------------------------------
def variance_reference(x_fit, fraction):
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    ratio = np.cumsum(s ** 2) / np.sum(s ** 2)
    return int(np.argmax(ratio >= fraction)) + 1


def variance_with_sklearn(x_fit, fraction):
    return PCA(n_components=fraction, svd_solver="full").fit(x_fit).n_components_


@pytest.mark.parametrize("answer", [variance_reference, variance_with_sklearn],
                         ids=["svd", "sklearn"])
def test_variance_rule_k_references_are_correct(answer):
    assert _outcome(checks.variance_rule_k, answer).outcome is Outcome.CORRECT


def _variance_unsquared(x_fit, fraction):
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    return int(np.argmax(np.cumsum(s) / np.sum(s) >= fraction)) + 1


def _variance_uncentred(x_fit, fraction):
    s = np.linalg.svd(x_fit, compute_uv=False)
    return int(np.argmax(np.cumsum(s ** 2) / np.sum(s ** 2) >= fraction)) + 1


def _variance_index(x_fit, fraction):
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    return int(np.argmax(np.cumsum(s ** 2) / np.sum(s ** 2) >= fraction))   # an index


def _variance_pixels(x_fit, fraction):
    v = np.sort(x_fit.var(axis=0))[::-1]
    return int(np.argmax(np.cumsum(v) / v.sum() >= fraction)) + 1


def _variance_ratio_last_below(x_fit, fraction):
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    ratio = np.cumsum(s ** 2) / np.sum(s ** 2)
    return int(np.sum(ratio < fraction))   # the last k below the fraction


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [(_variance_unsquared, "singular value squared"), (_variance_uncentred, "uncentred"),
     (_variance_index, "counted from 1"), (_variance_pixels, "single pixels"),
     (_variance_ratio_last_below, "counted from 1"),
     (lambda x, f: variance_reference(x, f) + (f == 0.75), "the smallest k that reaches it"),
     (lambda x, f: f * min(x.shape), "whole number"),
     (lambda x, f: np.cumsum(np.linalg.svd(x, compute_uv=False)), "single number")],
    ids=["unsquared", "uncentred", "index-not-count", "pixel-variances", "last-below",
         "one-case-off", "not-integer", "the-curve"],
)
def test_variance_rule_k_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.variance_rule_k, answer), phrase)


def test_variance_rule_k_stub_is_not_attempted():
    assert _outcome(checks.variance_rule_k, lambda x, f: None).outcome is Outcome.NOT_ATTEMPTED


# -- smallest_k_for_target ------------------------------------------------------------------------
def target_reference(x_fit, x_val, target):
    mean = x_fit.mean(axis=0)
    vt = np.linalg.svd(x_fit - mean, full_matrices=False)[2]
    centred = x_val - mean
    for k in range(1, len(vt) + 1):
        u = vt[:k].T
        if np.mean((centred @ u @ u.T - centred) ** 2) <= target:
            return k
    return None


def target_with_sklearn(x_fit, x_val, target):
    for k in range(1, min(x_fit.shape) + 1):
        pca = PCA(n_components=k, svd_solver="full").fit(x_fit)
        if np.mean((pca.inverse_transform(pca.transform(x_val)) - x_val) ** 2) <= target:
            return k
    return None


@pytest.mark.parametrize("answer", [target_reference, target_with_sklearn],
                         ids=["svd", "sklearn"])
def test_smallest_k_for_target_references_are_correct(answer):
    assert _outcome(checks.smallest_k_for_target, answer).outcome is Outcome.CORRECT


def _target_training_error(x_fit, x_val, target):
    return target_reference(x_fit, x_fit, target)


def _target_own_mean(x_fit, x_val, target):
    shift = x_val.mean(axis=0) - x_fit.mean(axis=0)   # as if centred with its own mean
    return target_reference(x_fit, x_val - shift, target)


def _target_fit_on_val(x_fit, x_val, target):
    return target_reference(x_val, x_val, target)


def _target_fit_on_both(x_fit, x_val, target):
    return target_reference(np.concatenate([x_fit, x_val]), x_val, target)


def _target_uncentred(x_fit, x_val, target):
    vt = np.linalg.svd(x_fit, full_matrices=False)[2]
    for k in range(1, len(vt) + 1):
        if np.mean((x_val @ vt[:k].T @ vt[:k] - x_val) ** 2) <= target:
            return k
    return None


def _target_val_not_centred(x_fit, x_val, target):
    vt = np.linalg.svd(x_fit - x_fit.mean(axis=0), full_matrices=False)[2]
    for k in range(1, len(vt) + 1):
        if np.mean((x_val @ vt[:k].T @ vt[:k] - x_val) ** 2) <= target:
            return k
    return len(vt)


def _target_index(x_fit, x_val, target):
    return target_reference(x_fit, x_val, target) - 1


def _target_sum_per_image(x_fit, x_val, target):
    mean = x_fit.mean(axis=0)
    vt = np.linalg.svd(x_fit - mean, full_matrices=False)[2]
    centred = x_val - mean
    for k in range(1, len(vt) + 1):
        error = np.mean(np.sum((centred @ vt[:k].T @ vt[:k] - centred) ** 2, axis=1))
        if error <= target:
            return k
    return None


def _target_variance_rule(x_fit, x_val, target):
    # Explained variance in disguise: the error on x_fit from the discarded variances.
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    discarded = (np.sum(s ** 2) - np.cumsum(s ** 2)) / x_fit.size
    return int(np.argmax(discarded <= target)) + 1


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [(_target_training_error, "error on `x_fit`"), (_target_own_mean, "its own mean"),
     (_target_fit_on_val, "PCA fitted on `x_val`"),
     (_target_fit_on_both, "`x_fit` and `x_val` together"),
     (_target_uncentred, "uncentred"), (_target_val_not_centred, "without subtracting"),
     (_target_index, "counted from 1"), (_target_variance_rule, "error on `x_fit`")],
    ids=["training-error", "val-own-mean", "fit-on-val", "fit-on-both", "uncentred",
         "val-not-centred", "index-not-count", "variance-rule"],
)
def test_smallest_k_for_target_mistakes(answer, phrase):
    _assert_incorrect(_outcome(checks.smallest_k_for_target, answer), phrase)


def test_smallest_k_for_target_sum_and_stub():
    _assert_incorrect(_outcome(checks.smallest_k_for_target, _target_sum_per_image),
                      "summed over each image")

    def none_when_not_reached(x_fit, x_val, target):
        # Right on data set 1, None on the others (as a loop that never meets the target).
        return target_reference(x_fit, x_val, target) if len(x_val) == 25 else None

    feedback = _outcome(checks.smallest_k_for_target, none_when_not_reached)
    _assert_incorrect(feedback, "not a sum per image")


def test_smallest_k_for_target_untouched_stub_is_not_attempted():
    # Exactly the stub make_exercises writes from the solutions notebook.
    import json

    from course_utils.paths import SOLUTIONS_DIR, lesson_notebook
    from course_utils.solution_blocks import exercise_name, stub_out

    cells = json.loads(lesson_notebook(SOLUTIONS_DIR, "04").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                  and exercise_name("".join(c["source"])) == "smallest_k_for_target")
    namespace = {"np": np}
    exec(stub_out(source), namespace)
    smallest_k_for_target = namespace["smallest_k_for_target"]

    feedback = _outcome(checks.smallest_k_for_target, smallest_k_for_target)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED, feedback
    assert "still the stub" in feedback.message


def test_smallest_k_for_target_written_function_returning_none_is_not_not_attempted():
    def forgot_return(x_fit, x_val, target):
        mean = x_fit.mean(axis=0)
        vt = np.linalg.svd(x_fit - mean, full_matrices=False)[2]
        for k in range(1, len(vt) + 1):
            recon = mean + (x_val - mean) @ vt[:k].T @ vt[:k]
            if np.mean((recon - x_val) ** 2) <= target:
                break  # found k ... but never returned it

    def printed_instead(x_fit, x_val, target):
        print(target_reference(x_fit, x_val, target))

    for answer in (forgot_return, printed_instead):
        feedback = _outcome(checks.smallest_k_for_target, answer)
        _assert_incorrect(feedback, "Did you forget `return`?")
        assert "For data set 1, your function returned None" in feedback.message


def test_smallest_k_for_target_other_mistakes_get_the_numbers():
    # Wrong in one data set only: the message gives the validation error and the target.
    def one_off(x_fit, x_val, target):
        k = target_reference(x_fit, x_val, target)
        return k + 2 if target == 0.015 else k

    feedback = _outcome(checks.smallest_k_for_target, one_off)
    _assert_incorrect(feedback, "at most the target")


def test_smallest_k_for_target_cases_have_margins():
    # Every expected k is far from the target on both sides, so rounding cannot flip it.
    from course_utils.representations import fit_pca, pca_reconstruction_mse

    for x_fit, x_val, target in checks._target_cases():
        errors = pca_reconstruction_mse(fit_pca(x_fit), x_val)
        k = target_reference(x_fit, x_val, target)
        assert errors[k - 1] < 0.95 * target < target / 0.95 < errors[k - 2]


# -- a written function that forgets `return` is not "not attempted" ----------------------------
def _centre_no_return(x_train, x_test):
    train, test = _flat(x_train), _flat(x_test)
    mean = train.mean(axis=0)
    centred = train - mean, test - mean
    print(len(centred))


def _angle_no_return(a, b):
    qa, qb = np.linalg.qr(a)[0], np.linalg.qr(b)[0]
    angle = np.degrees(np.arccos(np.clip(np.linalg.svd(qa.T @ qb)[1].min(), -1, 1)))
    print(angle)


def _rotate_no_return(w_enc, w_dec, r):
    rotated = w_enc @ r, r.T @ w_dec
    print(len(rotated))


def _cka_no_return(x, y):
    x, y = x - x.mean(axis=0), y - y.mean(axis=0)
    cka = np.linalg.norm(y.T @ x) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))
    print(cka)


def _variance_no_return(x_fit, fraction):
    s = np.linalg.svd(x_fit - x_fit.mean(axis=0), compute_uv=False)
    k = int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), fraction) + 1)
    print(k)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.centre_data, _centre_no_return),
        (checks.largest_principal_angle, _angle_no_return),
        (checks.rotate_autoencoder, _rotate_no_return),
        (checks.linear_cka, _cka_no_return),
        (checks.variance_rule_k, _variance_no_return),
    ],
)
def test_forgotten_return_is_named(exercise, answer):
    _assert_incorrect(_outcome(exercise, answer), "Did you forget `return`?")


def test_untouched_stubs_are_not_attempted():
    def centre_data(x_train, x_test):  # the generated stub
        # YOUR CODE HERE
        train = None  # noqa: F841
        test = None  # noqa: F841
        mean = None  # noqa: F841
        return None

    feedback = _outcome(checks.centre_data, centre_data)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED, feedback
    assert "replace the stub" in feedback.message, feedback
