"""Checks for lesson 03, "Training with reconstruction error"."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_close,
    require_function,
    require_model,
    require_number,
    returned_none,
)

LESSON = "03"
PIXELS = 28 * 28
QUICK_FIT_TARGET = 0.03  # test MSE the quick_fit exercise must reach


# -- helpers ---------------------------------------------------------------------------------
def _pairs(seed: int):
    """Random images and 'reconstructions' of a few shapes: (n, 28, 28), (n, 784), n = 1."""
    rng = np.random.default_rng(seed)
    for shape in ((5, 28, 28), (3, 784), (1, 28, 28)):
        yield rng.random(shape, dtype=np.float32), rng.random(shape, dtype=np.float32)




def _ratio_message(found: float, expected: float, n: int) -> str | None:
    """Name the usual slip when ``found`` is a whole multiple or fraction of ``expected``."""
    if expected == 0 or found == 0:
        return None
    ratio = found / expected
    if math.isclose(ratio, PIXELS, rel_tol=1e-3):
        return (f"Your value is {PIXELS} times the expected one: you summed over the {PIXELS} "
                "pixels instead of averaging them.")
    if math.isclose(ratio, PIXELS * n, rel_tol=1e-3) and n > 1:
        return (f"Your value is {PIXELS * n} times the expected one: you summed over every pixel "
                "of every image. Average instead.")
    if math.isclose(ratio, 1 / PIXELS, rel_tol=1e-3):
        return (f"Your values are {PIXELS} times too small: you averaged over the pixels of each "
                "image. The per-image error is the *sum* of squared differences.")
    return None


# -- 1. mse ----------------------------------------------------------------------------------
def _check_mse(mse) -> str:
    import keras

    fn = require_function(mse, "mse")
    keras_mse = keras.losses.MeanSquaredError()
    for x, x_hat in _pairs(0):
        n = len(x)
        out = call_learner(fn, x.copy(), x_hat.copy(), name="mse(x, x_hat)")
        if out is None:
            raise returned_none(fn, "mse(x, x_hat)")
        shape = np.shape(out)
        if shape == (n,) and n > 1:
            raise Incorrect(
                f"`mse` returned one value per image (shape {shape}). The MSE of a batch is a "
                "single number: average over the images too."
            )
        found = require_number(out, f"`mse` of a batch of shape {x.shape}")
        expected = float(keras_mse(x, x_hat))
        if math.isclose(found, expected, rel_tol=1e-4, abs_tol=1e-7):
            continue
        diff = x.astype(np.float64) - x_hat
        message = _ratio_message(found, expected, n)
        if message is None and math.isclose(found, np.abs(diff).mean(), rel_tol=1e-4):
            message = ("This is the mean *absolute* error: square the differences before "
                       "averaging.")
        if message is None and math.isclose(found, math.sqrt(expected), rel_tol=1e-4):
            message = ("This is the *root* mean squared error: leave out the square root.")
        shown, want = distinct_numbers(found, expected, digits=6)
        raise Incorrect(
            f"For a batch of shape {x.shape}, Keras' MeanSquaredError gives {want}; your mse "
            f"gave {shown}. " + (message or "Average (x - x_hat) ** 2 over every pixel of "
                                  "every image.")
        )
    return "Your MSE matches keras.losses.MeanSquaredError for images and flat vectors."


# -- 2. sse_per_image ------------------------------------------------------------------------
def _check_sse_per_image(sse_per_image) -> str:
    fn = require_function(sse_per_image, "sse_per_image")
    for x, x_hat in _pairs(1):
        n = len(x)
        out = call_learner(fn, x.copy(), x_hat.copy(), name="sse_per_image(x, x_hat)")
        if out is None:
            raise returned_none(fn, "sse_per_image(x, x_hat)")
        if np.ndim(out) == 0 and n > 1:
            raise Incorrect(
                "`sse_per_image` returned a single number; it should return one number per "
                f"image: shape ({n},) for {n} images. Sum over every axis except the first."
            )
        found = require_array(out, f"The result for a batch of shape {x.shape}", shape=(n,))
        diff = x.astype(np.float64) - x_hat
        expected = (diff**2).reshape(n, -1).sum(axis=1)
        if np.allclose(found, expected, rtol=1e-4, atol=1e-5):
            continue
        message = _ratio_message(float(found[0]), float(expected[0]), n)
        if message is None and np.allclose(found, np.sqrt(expected), rtol=1e-4):
            message = ("This is the distance ||x - x_hat||; the error is its *square*: leave "
                       "out the square root.")
        if message:
            raise Incorrect(message)
        require_close(found, expected, "The per-image errors", rtol=1e-4, atol=1e-5)
    return (f"One SSE, ||x - x_hat||^2, per image. Averaged over images and divided by {PIXELS}, "
            "it is the MSE.")


# -- 3. smallest_width -----------------------------------------------------------------------
CAPACITY_CODE = 16


class _WidthCase(NamedTuple):
    widths: tuple[int, ...]  # deliberately not sorted
    target: float
    answer: int              # the narrowest width whose validation MSE reaches the target
    text: str


# Two calls with different widths, targets and data. The first has 2,000 distinct training
# images: there width 4 misses 0.04 on validation and 32 reaches it. The second trains on 200
# images shown 10 times, so its training error is far below its validation error: width 32
# reaches 0.0375 on the training images (and on validation images it was trained on) but not on
# x_val (0.039-0.041 over seeds), while 256 does (0.035); every rule scored on seen images picks
# 32 there, and so does a choice on the check's x_test (thin digits, easier to draw).
WIDTH_CASES = (
    _WidthCase((256, 4, 32), 0.04, 32, "2,000 training images"),
    _WidthCase((256, 32), 0.0375, 256, "200 training images shown 10 times each"),
)


@functools.lru_cache(maxsize=1)
def _capacity_data():
    """Per case (x_fit, x_val), plus x_test (500 thin digits) and 500 images kept back."""
    x_train, x_test = _bundled_split()
    cases = ((x_train[:2000], x_test[:500]),
             (np.tile(x_train[:200], (10, 1, 1)), x_train[2000:2500]))
    pool = x_train[2500:3500]
    thin = pool[np.argsort(pool.reshape(len(pool), -1).mean(axis=1), kind="stable")[:500]]
    return cases, thin, x_train[3500:4000]


def _dense_units(model) -> list[int]:
    import keras

    return [layer.units for layer in getattr(model, "encoder", model).layers
            if isinstance(layer, keras.layers.Dense)]


def _never_trained(model) -> bool:
    """True for a model that was never compiled or never took a training step."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return True
    try:
        return int(np.asarray(optimizer.iterations)) == 0
    except (TypeError, ValueError, AttributeError):
        return False


def _require_trained(model, name: str, untrained: str) -> None:
    """Incorrect when some weights are frozen, or (with the message ``untrained``) when the
    model never took a training step."""
    frozen = _frozen_message(model, name)
    if frozen:
        raise Incorrect(frozen)
    if _never_trained(model):
        raise Incorrect(untrained)


def _frozen_message(model, name: str) -> str | None:
    frozen = [w.path for w in model.non_trainable_weights]
    if frozen:
        return (f"Some weights of {name} are frozen (trainable=False), e.g. {frozen[0]}, so fit "
                "never changed them. Train every layer: leave trainable at its default, True.")
    return None


def _model_and_report(out, shown: str):
    """The (model, test MSE) pair smallest_width returns."""
    import keras

    if isinstance(out, keras.layers.Layer):
        raise Incorrect(f"`{shown}` returned only the model. Return two things: the chosen "
                        "model and its MSE on x_test, measured once after choosing: "
                        "`return model, reconstruction_mse(model, x_test)`.")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Incorrect(f"`{shown}` should return (model, test_mse); found {describe(out)}.")
    model = require_model(out[0], "the model smallest_width returned")
    return model, require_number(out[1], "The test MSE smallest_width returned")


def _check_width_case(fn, case: _WidthCase, x_fit, x_val, x_test, x_kept) -> str:
    import keras

    from ..training import reconstruction_mse

    shown = f"smallest_width({case.widths}, x_fit, x_val, x_test, {case.target})"
    keras.utils.set_random_seed(0)
    out = call_learner(fn, case.widths, x_fit.copy(), x_val.copy(), x_test.copy(), case.target,
                       name=shown)
    if out is None:
        raise returned_none(fn, shown, advice="Return the chosen model and its test MSE.")
    model, reported = _model_and_report(out, shown)
    if not hasattr(model, "encoder"):
        raise Incorrect("Return the autoencoder itself, built with dense_autoencoder(16, "
                        f"hidden=(width,)); found {describe(model)} without an encoder.")
    units = _dense_units(model)
    if len(units) != 2 or units[-1] != CAPACITY_CODE:
        raise Incorrect(
            f"Expected an encoder Dense(width) -> Dense({CAPACITY_CODE}): a code of "
            f"{CAPACITY_CODE} for every width; found Dense layers of {units} units. Build each "
            f"candidate with dense_autoencoder({CAPACITY_CODE}, hidden=(width,))."
        )
    width = units[0]
    if width not in case.widths:
        raise Incorrect(f"The returned model has a hidden layer of {width} units, which is not "
                        f"one of the widths {case.widths} the check passed in.")
    _require_trained(model, "the returned model",
                     f"The model of width {width} was never trained: did you call fit "
                     "(fit_autoencoder) on each candidate before measuring it?")
    errors = {name: reconstruction_mse(model, images) for name, images in (
        ("val", x_val), ("test", x_test), ("kept", x_kept), ("fit", x_fit))}
    val, target = distinct_numbers(errors["val"], case.target)
    where = f"With {case.text} (`{shown}`)"
    if errors["val"] < 0.96 * errors["kept"]:  # 0.98-1.02 when x_val was not trained on
        raise Incorrect(
            f"{where}, the model of width {width} reconstructs x_val (MSE {val}) clearly better "
            f"than other unseen images (MSE {errors['kept']:.4f}): it was trained on x_val. "
            "Train on x_fit only; x_val must stay unseen to measure each candidate honestly."
        )
    if errors["val"] > case.target:
        seen = [text for name, text in (
            ("fit", "on the images it was trained on (x_fit, or history['loss']: an "
                    "optimistic error)"),
            ("test", "on x_test (kept for reporting)")) if errors[name] <= case.target]
        if seen:
            why = ("It reaches the target only " + " and ".join(seen) + ". Choose on x_val; "
                   "x_test only reports the chosen model's error, once, after choosing.")
        else:
            why = ("Return the first width that reaches the target, measured on x_val after "
                   "training, not simply the first or the last width you trained.")
        raise Incorrect(f"{where}, the model of width {width} has a validation MSE of {val}, "
                        f"above the target {target}. {why}")
    if width > case.answer:
        raise Incorrect(
            f"{where}, width {width} reaches the target (validation MSE {val}), but a narrower "
            f"one does too: in the check's runs width {case.answer} reaches it. The widths come "
            "in any order; try them from the narrowest up (sorted(widths)) and stop at the "
            "first that reaches the target."
        )
    if not math.isclose(reported, errors["test"], rel_tol=1e-3, abs_tol=1e-6):
        found, want = distinct_numbers(reported, errors["test"], digits=4)
        if math.isclose(reported, errors["val"], rel_tol=1e-3):
            why = ("That is its validation MSE. x_val chose the model, so its error there is "
                   "optimistic: report the error on x_test, measured once, after choosing.")
        elif math.isclose(reported, errors["fit"], rel_tol=0.05):
            why = "That is close to its training error; report the error on x_test."
        else:
            why = "Report `reconstruction_mse(model, x_test)` of the chosen model."
        raise Incorrect(f"{where}, the chosen model's MSE on x_test is {want}; your function "
                        f"reported {found}. {why}")
    return f"width {width} (validation MSE {val}, target {target})"


def _check_smallest_width(smallest_width) -> str:
    fn = require_function(smallest_width, "smallest_width")
    cases, x_test, x_kept = _capacity_data()
    results = [_check_width_case(fn, case, x_fit, x_val, x_test, x_kept)
               for case, (x_fit, x_val) in zip(WIDTH_CASES, cases, strict=True)]
    return ("The narrowest width that reaches the target on x_val, in both calls: "
            + "; ".join(results) + ". The test MSE is the chosen model's, measured once.")


# -- 4. dimension_ratio --------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _encoders():
    """(description, encoder, expected ratio) for dense and convolutional encoders."""
    import keras

    from ..models import dense_encoder

    def conv(filters: int):
        return keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu"),
        ], name=f"conv_{filters}")

    flat = keras.Sequential([keras.Input((784,)), keras.layers.Dense(16)], name="flat_input")
    small = keras.Sequential([keras.Input((14, 14)), keras.layers.Flatten(),
                              keras.layers.Dense(7)], name="small_images")
    return (
        ("a dense encoder with a code of 32", dense_encoder(32), 784 / 32),
        ("a dense encoder with a code of 2", dense_encoder(2), 784 / 2),
        ("an encoder of flat (784,) inputs with a code of 16", flat, 784 / 16),
        ("a convolutional encoder with a 7x7x8 code", conv(8), 784 / (7 * 7 * 8)),
        ("a convolutional encoder with a 7x7x32 code", conv(32), 784 / (7 * 7 * 32)),
        ("an encoder of 14x14 images with a code of 7", small, 196 / 7),
    )


def _check_dimension_ratio(dimension_ratio) -> str:
    fn = require_function(dimension_ratio, "dimension_ratio")
    for text, encoder, expected in _encoders():
        out = call_learner(fn, encoder, name="dimension_ratio(encoder)")
        if out is None:
            raise returned_none(fn, "dimension_ratio(encoder)")
        found = require_number(out, f"The ratio for {text}")
        if math.isclose(found, expected, rel_tol=1e-6):
            continue
        code = math.prod(encoder.output_shape[1:])
        inputs = math.prod(encoder.input_shape[1:])
        if inputs != 784 and math.isclose(found, 784 / code, rel_tol=1e-6):
            hint = (f"This encoder takes {inputs} values, not 784: read the input size from "
                    "encoder.input_shape instead of writing 784.")
        elif math.isclose(found, 1 / expected, rel_tol=1e-6):
            hint = "You divided the code size by the input size; it is the other way round."
        elif found == math.floor(expected):
            hint = "The ratio need not be a whole number: divide with `/`, not `//`."
        elif math.isclose(found, 784 / encoder.output_shape[-1], rel_tol=1e-6):
            hint = ("You counted only the last axis of the code. Count every value: multiply "
                    "all its dimensions, e.g. `math.prod(encoder.output_shape[1:])`.")
        else:
            hint = (f"The input holds {inputs} values and the code {code}: count every value "
                    "of each, leaving out the batch axis (shape[1:]).")
        shown, want = distinct_numbers(found, expected, digits=4)
        raise Incorrect(f"For {text}, expected {want}; found {shown}. {hint}")
    return "Right for dense and convolutional encoders, including codes larger than the input."


# -- 5. is_scaled_twice ----------------------------------------------------------------------
def _scaling_cases():
    """(description, images, scaled twice?) for typical once-scaled, raw and twice-scaled data."""
    rng = np.random.default_rng(5)
    raw = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    raw[rng.random(raw.shape) < 0.8] = 0  # mostly paper
    raw[0, 14, 14] = 255
    once = raw.astype(np.float32) / np.float32(255.0)
    faint = once * np.float32(0.3)
    sparse = np.zeros((4, 28, 28), dtype=np.float32)
    sparse[:, 14, 10:14] = 1.0  # a few ink pixels: the mean is tiny, the maximum is not
    return (
        ("pixels scaled once (max 1.0)", once, False),
        ("twice-scaled pixels (max exactly 1/255)", once / np.float32(255.0), True),
        ("raw 0-255 pixels", raw, False),
        ("raw 0-255 pixels as floats", raw.astype(np.float32), False),
        ("faint digits scaled once (max 0.3)", faint, False),
        ("nearly blank images scaled once (mean 0.005, max 1.0)", sparse, False),
        ("faint digits scaled twice (max 0.3/255)", faint / np.float32(255.0), True),
    )


def _check_is_scaled_twice(is_scaled_twice) -> str:
    fn = require_function(is_scaled_twice, "is_scaled_twice")
    for text, images, expected in _scaling_cases():
        out = call_learner(fn, images.copy(), name="is_scaled_twice(images)")
        if out is None:
            raise returned_none(fn, "is_scaled_twice(images)")
        if not isinstance(out, (bool, np.bool_)):
            shape = getattr(out, "shape", None)
            if shape == () and getattr(out, "dtype", None) == np.dtype(bool):
                out = bool(out)
            else:
                raise Incorrect(f"Return a single True or False; found {describe(out)}.")
        if bool(out) == expected:
            continue
        if expected:
            raise Incorrect(f"{text.capitalize()} were not flagged. The telltale is a largest "
                            "pixel of 1/255 ≈ 0.0039 or less: compare with a margin, e.g. "
                            "`images.max() < 2 / 255`.")
        raise Incorrect(
            f"{text.capitalize()} were flagged as scaled twice, but they are not. Look at the "
            "largest pixel: after scaling twice it is at most 1/255 ≈ 0.0039."
        )
    return "You can tell twice-scaled pixels from raw, once-scaled and faint images."


# -- 6. quick_fit ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _bundled_split():
    from ..data import load_bundled_mnist, split_mnist

    images, labels = load_bundled_mnist()
    mnist = split_mnist(images, labels, source="bundled", test_fraction=0.2, seed=0)
    return mnist.x_train, mnist.x_test


def _check_quick_fit(quick_fit) -> str:
    import keras

    from ..training import reconstruction_mse

    fn = require_function(quick_fit, "quick_fit")
    # Mirrored digits: for a dense model, a fixed reordering of the pixels that is just as easy
    # to learn, but a model trained on the notebook's own images reconstructs them badly.
    upright_train, upright_test = _bundled_split()
    x_train, x_test = _mirrored(upright_train), _mirrored(upright_test)
    keras.utils.set_random_seed(0)
    model = call_learner(fn, x_train.copy(), name="quick_fit(x_train)")
    if model is None:
        raise returned_none(fn, "quick_fit(x_train)", given=("dense_autoencoder",),
                            advice="Compile, fit and return the model.")
    model = require_model(model, "quick_fit(x_train)")
    x_hat = call_learner(model.predict, x_test, verbose=0, name="model.predict(x_test)")
    x_hat = require_array(x_hat, "The model's reconstructions")
    if x_hat.size != x_test.size:
        raise Incorrect(f"The model should return one 28x28 image per input image; for 1000 "
                        f"test images it returned shape {x_hat.shape}.")
    _require_trained(model, "your model",
                     "The model was never trained: did you call compile and then fit on "
                     "x_train before returning it?")
    test_mse = reconstruction_mse(model, x_test)
    baseline = float(np.mean((x_train.mean(axis=0) - x_test) ** 2))
    if test_mse > QUICK_FIT_TARGET:
        shown, target = distinct_numbers(test_mse, QUICK_FIT_TARGET)
        upright = reconstruction_mse(model, upright_test)
        if upright < 0.8 * test_mse:
            raise Incorrect(
                f"Test MSE {shown} on the check's images (mirrored digits), but {upright:.4f} on "
                "upright ones: the model was trained on other images than the `x_train` the "
                "check passed. Fit on the function's argument `x_train`, not on a notebook "
                "variable such as `mnist.x_train`."
            )
        if test_mse > 0.9 * baseline:
            advice = (f"It trained, but it is no better than drawing the average digit for "
                      f"every input (MSE {baseline:.4f}): its steps were too small to learn in 3 "
                      "epochs. An adaptive optimizer such as Adam, with a learning rate between "
                      "1e-3 and 1e-2, and smaller batches (more updates per epoch) help.")
        else:
            advice = ("It learned, but not enough in 3 epochs: try a larger learning rate or "
                      "smaller batches (more updates per epoch).")
        raise Incorrect(f"Test MSE {shown}, the target is {target}. {advice}")
    return (f"Test MSE {test_mse:.4f} on 1,000 held-out images (target {QUICK_FIT_TARGET}), "
            "trained on the images the check passed.")


def _mirrored(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(images[:, :, ::-1])


# -- the exercises ---------------------------------------------------------------------------
mse = Exercise(
    lesson=LESSON,
    name="mse",
    title="the mean squared error of a batch",
    checker=_check_mse,
    hints=[
        "Square the differences `x - x_hat`, then average all of them: over pixels and images.",
        "`np.mean` without an `axis` averages over every axis at once.",
        "`return np.mean((x - x_hat) ** 2)`",
    ],
)

sse_per_image = Exercise(
    lesson=LESSON,
    name="sse_per_image",
    title="the SSE ||x - x_hat||^2 of each image",
    checker=_check_sse_per_image,
    hints=[
        "One number per image: sum the squared differences over the pixels, not over the batch.",
        "Flatten each image first, so the same code works for (n, 28, 28) and (n, 784): "
        "`diff.reshape(len(diff), -1)`.",
        "`return ((x - x_hat) ** 2).reshape(len(x), -1).sum(axis=1)`",
    ],
)

smallest_width = Exercise(
    lesson=LESSON,
    name="smallest_width",
    title="the narrowest hidden layer that reaches a validation target, reported once on test",
    checker=_check_smallest_width,
    hints=[
        "Loop over the widths from the narrowest up: sorted(widths). For each, build, train on "
        "x_fit, measure on x_val, and stop at the first whose error is at most the target. Only "
        "then measure the chosen model on x_test, once.",
        "model = dense_autoencoder(16, hidden=(width,)); fit_autoencoder(model, "
        "keras.optimizers.Adam(1e-2), x_fit, epochs=4, batch_size=32); then "
        "reconstruction_mse(model, x_val). Not the training loss: on few images it is optimistic.",
        "for width in sorted(widths): build and train as above; if reconstruction_mse(model, "
        "x_val) <= target: break. After the loop: return model, reconstruction_mse(model, "
        "x_test).",
    ],
)

dimension_ratio = Exercise(
    lesson=LESSON,
    name="dimension_ratio",
    title="how many input values per code value",
    checker=_check_dimension_ratio,
    hints=[
        "The ratio is (number of values in one input) / (number of values in its code).",
        "`encoder.input_shape` and `encoder.output_shape` start with the batch axis (None); "
        "leave it out and multiply the rest.",
        "`return math.prod(encoder.input_shape[1:]) / math.prod(encoder.output_shape[1:])`",
    ],
)

is_scaled_twice = Exercise(
    lesson=LESSON,
    name="is_scaled_twice",
    title="detect pixels that were divided by 255 twice",
    checker=_check_is_scaled_twice,
    hints=[
        "Scaled once, the brightest pixel of a digit is near 1; raw, it is near 255. Scaled "
        "twice, it is at most 1/255.",
        "Look at the largest pixel, not the mean: a few strokes of ink on white paper have a "
        "tiny mean. Leave a margin: the largest twice-scaled pixel is exactly 1/255.",
        "`return bool(np.max(images) < 2 / 255)`",
    ],
)

quick_fit = Exercise(
    lesson=LESSON,
    name="quick_fit",
    title=f"train to a test MSE below {QUICK_FIT_TARGET} in 3 epochs",
    checker=_check_quick_fit,
    hints=[
        "Plain SGD at its default learning rate barely moves the weights of this model in 3 "
        "epochs; an adaptive optimizer does much better.",
        "Smaller batches mean more updates per epoch: 4,000 images in batches of 32 give 125 "
        "updates, in batches of 256 only 16.",
        "`model.compile(optimizer=keras.optimizers.Adam(1e-2), loss='mse')` and "
        "`model.fit(x_train, x_train, epochs=3, batch_size=32, verbose=0)`.",
    ],
)

EXERCISES = (mse, sse_per_image, smallest_width, dimension_ratio, is_scaled_twice, quick_fit)
