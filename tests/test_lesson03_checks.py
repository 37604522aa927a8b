"""Lesson 03 checks: the reference answers pass, typical mistakes get a specific message."""

import hashlib
import math

import keras
import numpy as np
import pytest

from course_utils.checks import Outcome
from course_utils.checks import lesson03 as checks
from course_utils.models import dense_autoencoder
from course_utils.training import fit_autoencoder, reconstruction_mse


def _outcome(exercise, *answer):
    return exercise.evaluate(*answer)


def _assert(feedback, outcome, words=""):
    assert feedback.outcome is outcome, feedback
    assert words.lower() in feedback.message.lower(), feedback


# -- mse -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (lambda x, x_hat: np.mean((x - x_hat) ** 2), Outcome.CORRECT, "matches"),
        (lambda x, x_hat: keras.ops.mean(keras.ops.square(x - x_hat)), Outcome.CORRECT, ""),
        (lambda x, x_hat: np.sum((x - x_hat) ** 2) / len(x), Outcome.INCORRECT,
         "784 times"),
        (lambda x, x_hat: np.mean(np.abs(x - x_hat)), Outcome.INCORRECT, "absolute"),
        (lambda x, x_hat: np.sqrt(np.mean((x - x_hat) ** 2)), Outcome.INCORRECT, "root"),
        (lambda x, x_hat: ((x - x_hat) ** 2).reshape(len(x), -1).mean(axis=1),
         Outcome.INCORRECT, "one value per image"),
        (lambda x, x_hat: np.mean((x - x_hat) ** 2, axis=-1), Outcome.INCORRECT,
         "single number"),
        (lambda x, x_hat: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_mse(answer, outcome, words):
    _assert(_outcome(checks.mse, answer), outcome, words)


# -- sse_per_image ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (lambda x, x_hat: ((x - x_hat) ** 2).reshape(len(x), -1).sum(axis=1),
         Outcome.CORRECT, "per image"),
        (lambda x, x_hat: ((x - x_hat) ** 2).reshape(len(x), -1).mean(axis=1),
         Outcome.INCORRECT, "784 times too small"),
        (lambda x, x_hat: np.linalg.norm((x - x_hat).reshape(len(x), -1), axis=1),
         Outcome.INCORRECT, "square root"),
        (lambda x, x_hat: np.sum((x - x_hat) ** 2), Outcome.INCORRECT, "one number per image"),
        (lambda x, x_hat: np.sum((x - x_hat) ** 2, axis=-1), Outcome.INCORRECT, "shape"),
    ],
)
def test_sse_per_image(answer, outcome, words):
    _assert(_outcome(checks.sse_per_image, answer), outcome, words)


# -- smallest_width --------------------------------------------------------------------------
# Candidates are trained once per (width, code, training images, frozen, fit) and reused by every
# sweep below, each seeded by its key: the sweeps differ in how they choose, not in luck. A rule
# scored on the training images, the training loss, or after training on x_fit + x_val picks a
# narrower width than validation in the check's second call; so does a choice on x_test.
# Trained candidates: widths 4, 32 (first call), 32, 256 (second), and the same on x_fit + x_val.
_TRAINED = {}


def _digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _candidate(width, x, *, code=16, fit=True, frozen=False):
    key = (width, code, fit, frozen, _digest(x))
    if key not in _TRAINED:
        keras.utils.set_random_seed(width + code)
        model = dense_autoencoder(code, hidden=(width,))
        if frozen:
            model.encoder.trainable = False
        loss = [math.nan]
        if fit:
            loss = fit_autoencoder(model, keras.optimizers.Adam(1e-2), x, epochs=4,
                                   batch_size=32)["loss"]
        _TRAINED[key] = model, loss[-1]
    return _TRAINED[key]


def _sweep(*, order=sorted, score="val", train_on="fit", report="test", check_target=True,
           **build):
    """A capacity sweep with one realistic mistake switched on."""

    def smallest_width(widths, x_fit, x_val, x_test, target):
        data = np.concatenate([x_fit, x_val]) if train_on == "fit+val" else x_fit
        for width in order(widths):
            model, loss = _candidate(width, data, **build)
            scored = {"val": x_val, "fit": x_fit, "test": x_test}.get(score)
            error = loss if score == "loss" else reconstruction_mse(model, scored)
            if not check_target or error <= target:
                break
        images = {"test": x_test, "val": x_val, "fit": x_fit}[report]
        return model, reconstruction_mse(model, images)

    return smallest_width


def _model_only(widths, x_fit, x_val, x_test, target):
    return _sweep()(widths, x_fit, x_val, x_test, target)[0]


def _no_return(widths, x_fit, x_val, x_test, target):
    model, test_mse = _sweep()(widths, x_fit, x_val, x_test, target)
    print(f"chose {model.name}, test MSE {test_mse:.4f}")


def _float32_report(widths, x_fit, x_val, x_test, target):
    model, test_mse = _sweep()(widths, x_fit, x_val, x_test, target)
    return model, keras.ops.mean(keras.ops.square(model(x_test) - x_test))


@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (_sweep(), Outcome.CORRECT, "narrowest width that reaches the target on x_val"),
        (_float32_report, Outcome.CORRECT, "measured once"),  # a TensorFlow float32 scalar
        (_sweep(order=list), Outcome.INCORRECT, "narrower one does too"),  # widths unsorted
        (_sweep(order=lambda w: sorted(w, reverse=True), check_target=False), Outcome.INCORRECT,
         "narrower one does too"),  # always the widest
        (_sweep(check_target=False), Outcome.INCORRECT, "above the target"),  # first width
        (_sweep(score="fit"), Outcome.INCORRECT, "only on the images it was trained on"),
        (_sweep(score="loss"), Outcome.INCORRECT, "history['loss']"),
        (_sweep(train_on="fit+val"), Outcome.INCORRECT, "it was trained on x_val"),
        (_sweep(score="test"), Outcome.INCORRECT, "on x_test (kept for reporting)"),
        (_sweep(report="val"), Outcome.INCORRECT, "That is its validation MSE"),
        (_sweep(report="fit"), Outcome.INCORRECT, "training error"),
        (_model_only, Outcome.INCORRECT, "returned only the model"),
        (_no_return, Outcome.INCORRECT, "Did you forget `return`?"),
        (_sweep(fit=False), Outcome.INCORRECT, "did you call fit"),
        (_sweep(frozen=True, check_target=False), Outcome.INCORRECT, "frozen"),
        (_sweep(code=32, fit=False), Outcome.INCORRECT, "a code of 16"),
        (lambda widths, x_fit, x_val, x_test, target: (dense_autoencoder(16, hidden=(64,)), 0.1),
         Outcome.INCORRECT, "not one of the widths"),
        (lambda widths, x_fit, x_val, x_test, target: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_smallest_width(answer, outcome, words):
    _assert(_outcome(checks.smallest_width, answer), outcome, words)


# -- dimension_ratio -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (lambda e: math.prod(e.input_shape[1:]) / math.prod(e.output_shape[1:]),
         Outcome.CORRECT, "convolutional"),
        (lambda e: math.prod(e.output_shape[1:]) / math.prod(e.input_shape[1:]),
         Outcome.INCORRECT, "other way round"),
        (lambda e: 784 / e.output_shape[-1], Outcome.INCORRECT, "last axis"),
        (lambda e: math.prod(e.input_shape[1:]) // math.prod(e.output_shape[1:]),
         Outcome.INCORRECT, "not `//`"),
        (lambda e: e.input_shape[1] / e.output_shape[1], Outcome.INCORRECT, "784"),
        (lambda e: 784 / math.prod(e.output_shape[1:]), Outcome.INCORRECT,
         "instead of writing 784"),
    ],
)
def test_dimension_ratio(answer, outcome, words):
    _assert(_outcome(checks.dimension_ratio, answer), outcome, words)


# -- is_scaled_twice -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (lambda images: bool(np.max(images) < 2 / 255), Outcome.CORRECT, "raw"),
        (lambda images: np.max(images) < 0.01, Outcome.CORRECT, ""),  # a NumPy bool is fine
        (lambda images: bool(np.max(images) < 1 / 255), Outcome.INCORRECT, "margin"),
        (lambda images: bool(np.max(images) < 1), Outcome.INCORRECT, "faint"),
        (lambda images: bool(np.mean(images) < 0.01), Outcome.INCORRECT, "nearly blank"),
        (lambda images: np.max(images, axis=(1, 2)) < 0.01, Outcome.INCORRECT, "True or False"),
    ],
)
def test_is_scaled_twice(answer, outcome, words):
    _assert(_outcome(checks.is_scaled_twice, answer), outcome, words)


# -- quick_fit -------------------------------------------------------------------------------
def _fit(optimizer, batch_size):
    def quick_fit(x_train):
        model = dense_autoencoder(32)
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x_train, x_train, epochs=3, batch_size=batch_size, verbose=0)
        return model

    return quick_fit


def test_quick_fit_reference_passes():
    _assert(_outcome(checks.quick_fit, _fit(keras.optimizers.Adam(1e-2), 32)), Outcome.CORRECT,
            "test mse")


def test_quick_fit_with_default_sgd_is_explained():
    feedback = _outcome(checks.quick_fit, _fit(keras.optimizers.SGD(0.01), 256))
    _assert(feedback, Outcome.INCORRECT, "average digit")
    assert "Adam" in feedback.message and "`" not in feedback.message


def _never_fitted(x_train):
    model = dense_autoencoder(32)
    model.compile(optimizer="adam", loss="mse")
    return model


def _frozen_encoder(x_train):
    model = dense_autoencoder(32)
    model.encoder.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.fit(x_train, x_train, epochs=1, batch_size=32, verbose=0)
    return model


def _fits_notebook_images(x_train):
    """Trains on the notebook's own images (a global), not on the argument."""
    notebook_images = checks._bundled_split()[0]
    return _fit(keras.optimizers.Adam(1e-2), 32)(notebook_images)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_fits_notebook_images, "trained on other images than the `x_train` the check passed"),
        (lambda x: dense_autoencoder(32), "did you call compile and then fit"),
        (_never_fitted, "did you call compile and then fit"),
        (_frozen_encoder, "frozen"),
        (lambda x: keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                                     keras.layers.Dense(10)]), "one 28x28 image"),
    ],
)
def test_quick_fit_mistakes(answer, words):
    feedback = _outcome(checks.quick_fit, answer)
    _assert(feedback, Outcome.INCORRECT, words)
    assert "Adam" not in feedback.message


def test_quick_fit_not_attempted():
    _assert(_outcome(checks.quick_fit, lambda x: None), Outcome.NOT_ATTEMPTED, "returned None")


# -- a written function that forgets `return` is not "not attempted" ------------------------
def _mse_no_return(x, x_hat):
    error = np.mean((x - x_hat) ** 2)
    print(error)


def _sse_no_return(x, x_hat):
    errors = ((x - x_hat) ** 2).reshape(len(x), -1).sum(axis=1)
    print(errors)


def _ratio_no_return(encoder):
    ratio = math.prod(encoder.input_shape[1:]) / math.prod(encoder.output_shape[1:])
    print(ratio)


def _scaled_no_return(images):
    twice = bool(np.max(images) < 2 / 255)
    print(twice)


def _quick_fit_no_return(x_train):
    model = dense_autoencoder(32)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    print(model.name)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.mse, _mse_no_return),
        (checks.sse_per_image, _sse_no_return),
        (checks.dimension_ratio, _ratio_no_return),
        (checks.is_scaled_twice, _scaled_no_return),
        (checks.quick_fit, _quick_fit_no_return),
    ],
)
def test_forgotten_return_is_named(exercise, answer):
    _assert(_outcome(exercise, answer), Outcome.INCORRECT, "did you forget `return`?")


def test_quick_fit_stub_with_its_given_line_is_not_attempted():
    def quick_fit(x_train):
        model = dense_autoencoder(32)  # noqa: F841 - the stub's given line
        # YOUR CODE HERE
        return None

    _assert(_outcome(checks.quick_fit, quick_fit), Outcome.NOT_ATTEMPTED, "replace the stub")
