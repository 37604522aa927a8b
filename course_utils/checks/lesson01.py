"""Checks for lesson 01, "The encoder": parameter counts, encoders, encoding, the flatten bug."""

from __future__ import annotations

import numpy as np

from .common import (
    dense_params,
    learner_model,
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
    NotAttempted,
    call_learner,
    describe,
    require_array,
    require_close,
    require_function,
    require_model,
    require_number,
)

LESSON = "01"
HIDDEN = 128
ARTICLE_SIZES = (784, 128, 64, 32)

_IMAGES_IN = ("it should take 28x28 images: start with `keras.Input(shape=(28, 28))` and "
              "flatten inside the model.")


# -- exercise 1: count parameters ------------------------------------------------------------
def _check_count_dense_params(count_dense_params) -> str:
    fn = require_function(count_dense_params, "count_dense_params")
    for sizes in ([784, 128, 32], [784, 32], [784, 256, 64, 16], [20, 5, 20]):
        shown = f"count_dense_params({sizes})"
        found = require_number(call_learner(fn, list(sizes), name=shown), f"`{shown}`")
        expected = dense_params(sizes)
        if found == expected:
            continue
        no_bias = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        input_bias = sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        if found == no_bias:
            raise Incorrect(
                f"`{shown}` gave {found:,.0f}: that counts the weights but not the biases. "
                "Each Dense layer also has one bias per output unit."
            )
        if found == input_bias:
            raise Incorrect(
                f"`{shown}` gave {found:,.0f}: there is one bias per *output* unit of a "
                "layer, not per input."
            )
        raise Incorrect(
            f"`{shown}` gave {found:,.0f}; expected {expected:,}. A Dense layer from n to m "
            "units has n*m weights plus m biases; add this up over consecutive pairs of sizes."
        )
    return "Weights plus biases, layer by layer: you can now size any dense network by hand."


# -- exercise 2: build an encoder ------------------------------------------------------------
def _check_build_encoder(build_encoder) -> str:
    fn = require_function(build_encoder, "build_encoder")
    for code_size, n in ((16, 5), (3, 1)):
        shown = f"build_encoder({code_size})"
        model = learner_model(fn, code_size, "build_encoder", (28, 28), _IMAGES_IN)
        images = random_images(n, seed=10 + code_size)
        codes = run_model(model, images, "encoder(images)")
        if codes.shape == (n, 28, code_size):
            raise Incorrect(
                f"{n} images of shape (28, 28) gave codes of shape {codes.shape}: the Dense "
                "layers acted on each row of 28 pixels separately. Add `keras.layers.Flatten()` "
                "right after the Input."
            )
        if codes.ndim == 2 and codes.shape[0] == n and codes.shape[1] != code_size:
            raise Incorrect(
                f"`{shown}` gives codes of {codes.shape[1]} numbers; the last Dense layer should "
                f"have `code_size` = {code_size} units."
            )
        require_array(codes, f"The codes of `{shown}`", shape=(n, code_size))
        require_model(model, shown)
        require_param_count(model, f"`{shown}`", dense_params([784, HIDDEN, code_size]),
                            f"784 -> {HIDDEN} -> {code_size}")
        require_dense_stack(model, f"`{shown}`", [784, HIDDEN, code_size], ["relu", None],
                            images, codes)
    return "Flatten, a ReLU hidden layer of 128 units and a linear code layer: an encoder."


# -- exercise 3: encode a batch (and a single image) -----------------------------------------
def _reference_encoder(code_size: int, hidden: int, seed: int):
    from ..models import dense_encoder

    encoder = dense_encoder(code_size, (hidden,))
    rng = np.random.default_rng(seed)
    encoder.set_weights([rng.normal(0, 0.2, w.shape).astype("float32") for w in encoder.weights])
    return encoder


def _check_encode(encode) -> str:
    fn = require_function(encode, "encode")
    encoder = _reference_encoder(5, 16, seed=3)
    images = random_images(7, seed=4)
    expected = to_numpy(encoder(images))
    out = call_learner(fn, encoder, images.copy(), name="encode(encoder, images)")
    if out is None:
        raise NotAttempted("`encode` returned None: replace the stub with your code.")
    if not isinstance(out, np.ndarray):
        raise Incorrect(
            f"`encode` returned {describe(out)}; return a NumPy array, ready for NumPy, "
            "scikit-learn and matplotlib: `encoder.predict(images, verbose=0)` gives one, "
            "or convert with `keras.ops.convert_to_numpy(...)`."
        )
    codes = require_array(out, "The codes", shape=(7, 5))
    require_close(codes, expected, "The codes", rtol=1e-4, atol=1e-5)
    try:
        single = call_learner(fn, encoder, images[0].copy(), name="encode(encoder, image)")
    except LearnerCodeError as err:
        raise Incorrect(
            "A batch works, but a single image of shape (28, 28) made your function raise "
            f"`{type(err.original).__name__}`. Keras models expect a batch: when "
            "`images.ndim == 2`, add a batch axis with `images[None]` (shape (1, 28, 28))."
        ) from err
    if single is None:
        raise Incorrect("For a single (28, 28) image `encode` returned None; return its code.")
    one = require_array(single, "The code of a single image")
    if one.shape == (5,):
        raise Incorrect(
            "For a single image `encode` returned shape (5,); keep the batch axis and return "
            "shape (1, 5), like for a batch of one."
        )
    one = require_array(single, "The code of a single image", shape=(1, 5))
    require_close(one, expected[:1], "The code of a single image", rtol=1e-4, atol=1e-5)
    return "Codes as a NumPy array, for a batch or for a single image."


# -- exercise 4: fix the article's encoder ---------------------------------------------------
def _check_article_encoder(build_article_encoder) -> str:
    fn = require_function(build_article_encoder, "build_article_encoder")
    shown = "build_article_encoder()"
    model = require_keras_model(call_learner(fn, name=shown), f"The model `{shown}` returned")
    images = random_images(4, seed=5)
    codes = run_model(model, images, "encoder(images)")
    if codes.shape == (4, 28, 32):
        raise Incorrect(
            f"4 images gave codes of shape {codes.shape}: this is still the article's bug, "
            "Dense layers acting on rows of 28 pixels. Add `keras.layers.Flatten()` after the "
            "Input."
        )
    require_array(codes, "The codes", shape=(4, 32))
    require_model(model, shown)
    require_param_count(model, f"`{shown}`", dense_params(ARTICLE_SIZES), "784 -> 128 -> 64 -> 32")
    require_dense_stack(model, f"`{shown}`", ARTICLE_SIZES, ["relu"] * 3, images, codes)
    return "Both bugs fixed: `keras.Sequential`, and Flatten before the Dense layers."


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

build_encoder = Exercise(
    lesson=LESSON,
    name="build_encoder",
    title="an encoder 784 -> 128 -> code_size",
    checker=_check_build_encoder,
    hints=[
        "`keras.Sequential([...])` with, in order: an Input of shape (28, 28), Flatten, "
        "Dense(128) with ReLU, Dense(code_size) without activation.",
        "Without Flatten, Dense acts on the last axis only and you get codes of shape "
        "(n, 28, code_size).",
        "`keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
        "keras.layers.Dense(128, activation='relu'), keras.layers.Dense(code_size)])`",
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

article_encoder = Exercise(
    lesson=LESSON,
    name="article_encoder",
    title="fix the article's encoder",
    checker=_check_article_encoder,
    hints=[
        "There are two bugs: `layers.Sequential` does not exist, and the Dense layers see "
        "28x28 images without flattening.",
        "Use `keras.Sequential`, start with `keras.Input(shape=(28, 28))` (not `input_shape=`), "
        "then `keras.layers.Flatten()`; keep the three Dense layers as they are.",
        "`keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), "
        "keras.layers.Dense(128, activation='relu'), keras.layers.Dense(64, activation='relu'), "
        "keras.layers.Dense(32, activation='relu')])`",
    ],
)

EXERCISES = (count_dense_params, build_encoder, encode, article_encoder)
