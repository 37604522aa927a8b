"""Checks for lesson 01, "The encoder": parameter counts, encoding, choosing a code size,
Article A's encoder fixed, dead ReLU units."""

from __future__ import annotations

import functools

import numpy as np

from .common import (
    dense_params,
    input_features,
    quiet_retracing,
    random_images,
    require_dense_stack,
    require_keras_model,
    require_param_count,
    run_model,
    to_numpy,
)
from .exercise import Exercise
from .validate import (
    Incorrect,
    LearnerCodeError,
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

LESSON = "01"
ARTICLE_A_SIZES = (784, 64, 32)  # Article A's encoder: Dense(64, relu) -> Dense(32, relu)
NEIGHBOURS = 5


# -- exercise 1: count parameters ------------------------------------------------------------
def _check_count_dense_params(count_dense_params) -> str:
    fn = require_function(count_dense_params, "count_dense_params")
    for sizes in ([784, 128, 32], [784, 32], [784, 256, 64, 16], [20, 5, 20], [3, 1]):
        shown = f"count_dense_params({sizes})"
        out = call_learner(fn, list(sizes), name=shown)
        if out is None:
            raise returned_none(fn, shown)
        found = require_number(out, f"`{shown}`")
        expected = dense_params(sizes)
        if found == expected:
            continue
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        no_bias = sum(a * b for a, b in pairs)
        input_bias = sum(a * b + a for a, b in pairs)
        shown_found = f"{found:,.0f}" if found == int(found) else f"{found:,}"
        if found == no_bias:
            raise Incorrect(
                f"{shown} gave {shown_found}: that counts the weights but not the biases. "
                "Each Dense layer also has one bias per output unit."
            )
        if found == input_bias:
            raise Incorrect(
                f"{shown} gave {shown_found}: there is one bias per output unit of a "
                "layer, not per input."
            )
        if sizes[0] != 784 and found == dense_params([784, *sizes[1:]]):
            raise Incorrect(
                f"{shown} gave {shown_found}; expected {expected:,}. That is the count for 784 "
                f"inputs, but here the input has {sizes[0]} values: take the input width from "
                "sizes[0] instead of writing 784."
            )
        if len(pairs) > 1 and found in (dense_params(sizes[:-1]), dense_params(sizes[1:])):
            raise Incorrect(
                f"{shown} gave {shown_found}; expected {expected:,}. That leaves out the first "
                "or the last layer: with L + 1 sizes there are L layers, one per consecutive pair "
                "of sizes."
            )
        raise Incorrect(
            f"{shown} gave {shown_found}; expected {expected:,}. A Dense layer from n to m "
            "units has n*m weights plus m biases; add this up over consecutive pairs of sizes."
        )
    return "Weights plus biases, layer by layer: you can now size any dense network by hand."


# -- shared: untrained encoders with known weights -------------------------------------------
def _untrained_encoder(code_size: int, hidden: int, seed: int):
    """Flatten -> Dense(hidden, ReLU) -> linear Dense(code_size), Glorot-uniform weights drawn
    with NumPy (so the learner's Keras random state is left alone) and zero biases."""
    import keras

    encoder = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(hidden, activation="relu", kernel_initializer="zeros"),
            keras.layers.Dense(code_size, kernel_initializer="zeros", name="code"),
        ],
        name=f"untrained_encoder_{code_size}",
    )
    rng = np.random.default_rng(seed)
    weights = []
    for weight in encoder.weights:
        shape = tuple(weight.shape)
        if len(shape) == 2:
            limit = np.sqrt(6.0 / sum(shape))
            weights.append(rng.uniform(-limit, limit, shape).astype("float32"))
        else:
            weights.append(np.zeros(shape, dtype="float32"))
    encoder.set_weights(weights)
    return encoder


# -- exercise 2: encode a batch (and a single image) -----------------------------------------
def _check_encode(encode) -> str:
    fn = require_function(encode, "encode")
    encoder = _untrained_encoder(5, 16, seed=3)
    images = random_images(7, seed=4)
    expected = to_numpy(encoder(images))
    out = call_learner(fn, encoder, images.copy(), name="encode(encoder, images)")
    if out is None:
        raise returned_none(fn, "encode(encoder, images)")
    if not isinstance(out, np.ndarray):
        raise Incorrect(
            f"`encode` returned {describe(out)}; return a NumPy array, ready for NumPy, "
            "scikit-learn and matplotlib: `encoder.predict(images, verbose=0)` gives one, "
            "or convert with `keras.ops.convert_to_numpy(...)`."
        )
    codes = require_array(out, "The codes of a batch of 7 images", shape=(7, 5))
    require_close(codes, expected, "The codes", rtol=1e-4, atol=1e-5)
    try:
        single = call_learner(fn, encoder, images[0].copy(), name="encode(encoder, image)")
    except LearnerCodeError as err:
        raise Incorrect(
            "A batch works, but a single image of shape (28, 28) made your function raise "
            f"{type(err.original).__name__}. Keras models expect a batch: when "
            "`images.ndim == 2`, add a batch axis with `images[None]` (shape (1, 28, 28))."
        ) from err
    if single is None:
        raise Incorrect("For a single (28, 28) image `encode` returned None; return its code.")
    if not isinstance(single, np.ndarray):
        raise Incorrect(
            f"For a single image `encode` returned {describe(single)}; return a NumPy array "
            "there too."
        )
    one = require_array(single, "The code of a single image")
    if one.shape == (5,):
        raise Incorrect(
            "For a single image `encode` returned shape (5,); keep the batch axis and return "
            "shape (1, 5), like for a batch of one."
        )
    one = require_array(single, "The code of a single image", shape=(1, 5))
    require_close(one, expected[:1], "The code of a single image", rtol=1e-4, atol=1e-5)
    return "Codes as a NumPy array, for a batch or for a single image."


# -- exercise 3: the smallest code size that keeps k-NN accuracy -----------------------------
# (margin, code sizes offered, in this order: deliberately not increasing). On the check's data
# the answers are 32 and 8; the largest passing size, the first passing one in the given order,
# a relative margin and 1-NN all give other answers, and so do the rules that let the classifier
# see the images it is scored on (scored on x_fit; fitted on x_fit and x_val together): with the
# margin 0.25 they pick 16, because an image's own code is among its 5 neighbours.
SWEEP_CASES = ((0.25, (64, 2, 16, 8, 32)), (0.45, (16, 2, 8)))
SWEEP_SIZES = (2, 8, 16, 32, 64)


@functools.lru_cache(maxsize=1)
def _sweep_data():
    """1,024 fitting and 512 validation images of the bundled MNIST subset, in a fixed order
    the lesson never uses (the same data whatever COURSE_DATA says). Multiples of the usual
    batch sizes, so that `predict` compiles a single batch shape per encoder."""
    from ..data import load_bundled_mnist

    images, labels = load_bundled_mnist()
    order = np.random.default_rng(1).permutation(len(images))[:1536]
    x = images[order].astype(np.float32) / np.float32(255.0)
    y = labels[order].astype(np.int64)
    return x[:1024], y[:1024], x[1024:], y[1024:]


@functools.lru_cache(maxsize=1)
def _sweep_encoders() -> dict:
    return {k: _untrained_encoder(k, 128, seed=100 + k) for k in SWEEP_SIZES}


def _knn_accuracy(train, y_train, test, y_test) -> float:
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(n_neighbors=NEIGHBOURS)
    knn.fit(np.reshape(train, (len(train), -1)), y_train)
    return float(knn.score(np.reshape(test, (len(test), -1)), y_test))


@functools.lru_cache(maxsize=1)
def _sweep_features() -> dict:
    """{"pixels" or code size: (fitting features, validation features)}."""
    x_fit, _, x_val, _ = _sweep_data()
    features = {"pixels": (x_fit, x_val)}
    for k, encoder in _sweep_encoders().items():
        features[k] = (to_numpy(encoder(x_fit)), to_numpy(encoder(x_val)))
    return features


@functools.lru_cache(maxsize=3)
def _sweep_scores(rule: str = "validation") -> tuple[float, dict]:
    """(pixel accuracy, {code size: accuracy}) under the right rule, "validation" (fit on x_fit,
    score on x_val), or one that scores on images the classifier has seen: "fit_images" (fit
    and score on x_fit) or "fit_and_val" (fit on x_fit and x_val together, score on x_val).
    The wrong rules are computed only when an answer needs explaining."""
    _, y_fit, _, y_val = _sweep_data()
    y_all = np.concatenate([y_fit, y_val])
    scores = {}
    for key, (fit, val) in _sweep_features().items():
        if rule == "fit_images":
            scores[key] = _knn_accuracy(fit, y_fit, fit, y_fit)
        elif rule == "fit_and_val":
            scores[key] = _knn_accuracy(np.concatenate([fit, val]), y_all, val, y_val)
        else:
            scores[key] = _knn_accuracy(fit, y_fit, val, y_val)
    return scores.pop("pixels"), scores


def _sweep_reference() -> tuple[float, dict]:
    """5-NN validation accuracy on the pixels, and of each untrained code size."""
    return _sweep_scores("validation")


def _sweep_answer(rule: str, margin: float, offered) -> int | None:
    """The smallest offered code size within `margin` of the pixels under `rule`."""
    pixels, accuracy = _sweep_scores(rule)
    return next((k for k in sorted(offered) if accuracy[k] >= pixels - margin), None)


def _check_smallest_code_size(smallest_code_size) -> str:
    fn = require_function(smallest_code_size, "smallest_code_size")
    x_fit, y_fit, x_val, y_val = _sweep_data()
    encoders = _sweep_encoders()
    pixels, accuracy = _sweep_reference()
    slack = 1.5 / len(x_val)  # a tie broken differently may move one validation image
    for margin, offered in SWEEP_CASES:
        sizes = sorted(offered)
        shown = (f"`smallest_code_size(encoders, x_fit, y_fit, x_val, y_val, margin={margin})`, "
                 f"with code sizes {', '.join(map(str, offered))},")
        with quiet_retracing():
            out = call_learner(fn, {k: encoders[k] for k in offered}, x_fit.copy(),
                               y_fit.copy(), x_val.copy(), y_val.copy(), margin,
                               name=f"smallest_code_size(..., margin={margin})")
        target = pixels - margin
        passing = [k for k in sizes if accuracy[k] >= target]
        expected = passing[0]
        table = ", ".join(f"{k}: {accuracy[k]:.3f}" for k in sizes)
        facts = (f"On the check's data the 5-NN validation accuracy is {pixels:.3f} on the "
                 f"pixels, so the target is {pixels:.3f} - {margin} = {target:.3f}; the codes "
                 f"reach {table}.")
        if out is None:
            raise returned_none(
                fn, f"smallest_code_size(..., margin={margin})",
                advice=(f"If your loop found no size within the margin, look at the comparison: "
                        f"here code size {expected} reaches {accuracy[expected]:.3f}, the target "
                        f"is {target:.3f}."))
        found = require_number(out, f"The value of {shown}")
        if 0.0 < found < 1.0:
            raise Incorrect(
                f"{shown} returned {found:.4g}, which looks like an accuracy. Return the code "
                "size you chose: one of the keys of `encoders`."
            )
        if found not in offered:
            raise Incorrect(
                f"{shown} returned {found:g}; return one of the code sizes offered, the keys "
                f"of `encoders`: {sizes}."
            )
        found = int(found)
        if found == expected:
            continue
        seen = {_sweep_answer(rule, margin, offered) for rule in ("fit_images", "fit_and_val")}
        if found in seen - {expected}:
            fit_pixels, fit_accuracy = _sweep_scores("fit_images")
            raise Incorrect(
                f"{shown} chose code size {found}; expected {expected}. Size {found} is the "
                "choice you get when the 5-NN classifier is scored on images it was fitted on: it "
                "looks like you scored on the images you fitted on (x_fit), or fitted on x_fit "
                "and x_val together. Each such image finds itself among its 5 neighbours, "
                "which flatters a small code more than the pixels: scored on x_fit, code size "
                f"{found} reaches "
                f"{fit_accuracy[found]:.3f} against the pixels' {fit_pixels:.3f}, but on the "
                f"validation images only {accuracy[found]:.3f} against {pixels:.3f}. Fit on "
                "x_fit only, score on x_val only."
            )
        if accuracy[found] < target - slack:
            low, goal = distinct_numbers(accuracy[found], target)
            raise Incorrect(
                f"{shown} chose code size {found}, whose codes reach only {low}, below the "
                f"target {goal}. {facts} Compare each accuracy with the pixels' accuracy minus "
                "the margin, both measured on the validation images."
            )
        if all(accuracy[k] < target + slack for k in sizes if k < found):
            continue  # within one image of a tie: accept
        raise Incorrect(
            f"{shown} chose code size {found}, but the smaller size {expected} also reaches "
            f"the target ({accuracy[expected]:.3f} >= {target:.3f}). {facts} Go through the "
            "sizes in increasing order, `sorted(encoders)`, and return the first one whose "
            "5-NN accuracy is at least the pixels' 5-NN accuracy minus the margin (an "
            "absolute difference, both on the validation images)."
        )
    return ("The smallest code size within the margin, measured on validation data, for two "
            "different margins.")


# -- exercise 4: fix Article A's encoder -----------------------------------------------------
def _check_article_encoder(build_article_encoder) -> str:
    fn = require_function(build_article_encoder, "build_article_encoder")
    shown = "build_article_encoder()"
    model = require_keras_model(call_learner(fn, name=shown), f"The model `{shown}` returned")
    declared = input_features(model)
    if declared is not None and declared != (28, 28):
        raise Incorrect(
            f"`{shown}` takes inputs of shape {declared}; Article A feeds it MNIST images of "
            "28x28 pixels. Start with `keras.Input(shape=(28, 28))` and flatten inside the model."
        )
    images = random_images(4, seed=5)
    codes = run_model(model, images, "encoder(images)")
    if codes.shape[:2] == (4, 28):
        raise Incorrect(
            f"4 images gave codes of shape {codes.shape}: this is still Article A's bug, Dense "
            "layers acting on each row of 28 pixels. Flatten the images first "
            "(`keras.layers.Flatten()`)."
        )
    require_array(codes, "The codes of 4 images", shape=(4, 32))
    require_model(model, shown)
    require_param_count(model, f"`{shown}`", dense_params(ARTICLE_A_SIZES),
                        "Article A's encoder, 784 -> 64 -> 32,")
    require_dense_stack(model, f"`{shown}`", ARTICLE_A_SIZES, ["relu", "relu"], images, codes)
    return ("Article A's encoder, fixed: Flatten, then its Dense(64, ReLU) and Dense(32, ReLU) "
            "on all 784 pixels.")


# -- exercise 5: dead units of a ReLU code ---------------------------------------------------
def _dead_unit_cases():
    """(description, codes, dead count): ReLU-like codes with all-zero columns, all-zero rows,
    columns that are zero for all but one image, and a single image."""
    rng = np.random.default_rng(11)
    codes = np.maximum(rng.normal(-0.3, 1.0, (40, 12)), 0).astype(np.float32)
    codes[:, 2] = np.abs(codes[:, 2]) + 1e-3  # zero for no image but the two below
    codes[:, [1, 5, 6]] = 0.0  # dead units
    codes[:, 9] = 0.0
    codes[17, 9] = 0.25  # alive for a single image
    codes[[3, 30]] = 0.0  # two images with an all-zero code
    single = np.maximum(rng.normal(0, 1.0, (1, 10)), 0).astype(np.float32)
    single[0, 0] = 0.0
    few = np.zeros((6, 4), dtype=np.float32)
    few[:, 0] = np.arange(6) * 0.5  # zero for the first image only: alive
    cases = (("codes of 40 images with 12 units", codes), ("the code of one image", single),
             ("codes of 6 images with 4 units", few))
    return tuple((text, c, int(np.all(c == 0, axis=0).sum())) for text, c in cases)


def _check_dead_units(dead_units) -> str:
    fn = require_function(dead_units, "dead_units")
    for text, codes, expected in _dead_unit_cases():
        out = call_learner(fn, codes.copy(), name="dead_units(codes)")
        if out is None:
            raise returned_none(fn, "dead_units(codes)")
        array = np.asarray(out) if not isinstance(out, (str, bytes)) else None
        if array is not None and array.ndim == 1 and array.size == codes.shape[1]:
            raise Incorrect(
                f"For {text} `dead_units` returned {array.size} values, one per unit. Return "
                "how many units are dead, a single number: e.g. the sum of that mask."
            )
        found = require_number(out, f"`dead_units` for {text}")
        if found == expected:
            continue
        zero = codes == 0
        n_images, n_units = codes.shape
        if found == zero.sum():
            hint = (f"that is the number of zero values ({zero.sum()} of {codes.size}); count "
                    "units (columns) instead, each one dead only if it is zero for every image.")
        elif found == zero.all(axis=1).sum() and n_images > 1:
            hint = ("that counts images (rows) whose whole code is zero. Units are the columns: "
                    "reduce over the images, axis 0.")
        elif found == zero.any(axis=0).sum():
            hint = ("that counts units that are zero for at least one image. A dead unit is zero "
                    "for every image: use `all`, not `any`.")
        elif np.isclose(found, zero.all(axis=0).mean()):
            hint = "that is the fraction of dead units; return their number."
        else:
            hint = ("a unit (column) is dead on this batch when it is exactly zero for every "
                    "image (row).")
        shown, want = distinct_numbers(found, expected)
        raise Incorrect(f"For {text} `dead_units` gave {shown}; expected {want}: {hint}")
    return "Dead units counted per column, over every image of the batch."


count_dense_params = Exercise(
    lesson=LESSON,
    name="count_dense_params",
    title="count the parameters of a stack of Dense layers",
    checker=_check_count_dense_params,
    hints=[
        "A Dense layer from n inputs to m units has a kernel of shape (n, m) and a bias of m "
        "values.",
        "Walk over consecutive pairs of sizes: `zip(sizes[:-1], sizes[1:])`.",
        "`return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))`",
    ],
)

encode = Exercise(
    lesson=LESSON,
    name="encode",
    title="encode a batch, or a single image",
    checker=_check_encode,
    hints=[
        "`encoder.predict(images, verbose=0)` returns the codes of a batch as a NumPy array.",
        "A single image has shape (28, 28): give it a batch axis first, `images[None]` has "
        "shape (1, 28, 28).",
        "`if images.ndim == 2: images = images[None]` then "
        "`return encoder.predict(images, verbose=0)`",
    ],
)

smallest_code_size = Exercise(
    lesson=LESSON,
    name="smallest_code_size",
    title="the smallest untrained code that keeps 5-NN accuracy within a margin",
    checker=_check_smallest_code_size,
    hints=[
        "First the baseline: fit `KNeighborsClassifier(n_neighbors=5)` on the flattened fitting "
        "images, `x_fit.reshape(len(x_fit), -1)`, and score it on the flattened validation "
        "images. The target is that accuracy minus `margin`.",
        "Then, for each code size k in increasing order (`sorted(encoders)`), encode x_fit and "
        "x_val with `encoders[k]`, fit and score a 5-NN classifier on the codes, and return k "
        "as soon as the accuracy reaches the target.",
        "`target = knn(x_fit, x_val) - margin`; `for k in sorted(encoders): if "
        "knn(encoders[k].predict(x_fit, verbose=0), encoders[k].predict(x_val, verbose=0)) >= "
        "target: return k` (with knn fitting on the first argument and y_fit, scoring on the "
        "second and y_val).",
    ],
)

article_encoder = Exercise(
    lesson=LESSON,
    name="article_encoder",
    title="fix Article A's encoder",
    checker=_check_article_encoder,
    hints=[
        "Article A's Dense layers see each 28x28 image as 28 rows of 28 pixels. The fix is one "
        "layer: flatten the image first.",
        "Keep Article A's layers as they are: Dense(64) with ReLU, then Dense(32) with ReLU. "
        "Start with `keras.Input(shape=(28, 28))`, then `keras.layers.Flatten()`.",
        "`keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
        "keras.layers.Dense(64, activation='relu'), keras.layers.Dense(32, activation='relu')])`",
    ],
)

dead_units = Exercise(
    lesson=LESSON,
    name="dead_units",
    title="count the dead units of a ReLU code",
    checker=_check_dead_units,
    hints=[
        "`codes` has one row per image and one column per unit. A unit is dead on this batch "
        "when its whole column is zero.",
        "`codes == 0` is a mask of the same shape; `.all(axis=0)` asks, per column, whether "
        "every image gave zero.",
        "`return int(np.all(codes == 0, axis=0).sum())`",
    ],
)

EXERCISES = (count_dense_params, encode, smallest_code_size, article_encoder, dead_units)
