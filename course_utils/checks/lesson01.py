"""Checks for lesson 01, "The encoder": parameter counts, encoders, encoding, the flatten bug.

The helpers without a leading underscore (``random_images``,
``run_model``, ``require_dense_stack``...) are shared with the checks of lesson 02.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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

_ACTIVATIONS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
}
_IMAGES_IN = ("it should take 28x28 images: start with `keras.Input(shape=(28, 28))` and "
              "flatten inside the model.")
_ACTIVATION_TEXT = {None: "no activation (linear)", "relu": "ReLU", "sigmoid": "sigmoid",
                    "tanh": "tanh"}


# -- helpers shared with lesson 02 -----------------------------------------------------------
def dense_params(sizes: Sequence[int]) -> int:
    """Parameters of a stack of Dense layers with biases: sum of (inputs + 1) * outputs."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))




def random_images(n: int, seed: int) -> np.ndarray:
    """A batch of random float32 'images' in [0, 1], shape (n, 28, 28)."""
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def to_numpy(weight) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(weight), dtype=np.float64)


def require_keras_model(value: object, name: str):
    """A Keras model or layer (built or not yet); None means not attempted."""
    import keras

    if value is None:
        raise NotAttempted(f"{name} is None: build the model and return it.")
    if not isinstance(value, keras.layers.Layer):
        raise Incorrect(f"{name} should be a Keras model; found {describe(value)}.")
    return value


def input_features(model) -> tuple | None:
    """The input shape a model declares (without the batch axis), if it declares one."""
    try:
        shape = model.input_shape
    except Exception:  # noqa: BLE001 - subclassed models and layers declare none
        return None
    if isinstance(shape, tuple) and shape and (shape[0] is None or isinstance(shape[0], int)):
        return tuple(shape[1:])
    return None


def learner_model(fn, argument: int, name: str, expected_input: tuple, advice: str):
    """Call a learner's model builder ``name(argument)``; the model must take ``expected_input``
    (``advice`` says how, when it declares another input shape)."""
    shown = f"{name}({argument})"
    model = require_keras_model(call_learner(fn, argument, name=shown),
                                f"The model `{shown}` returned")
    declared = input_features(model)
    if declared is not None and declared != expected_input:
        raise Incorrect(f"`{shown}` takes inputs of shape {declared}; {advice}")
    return model


def run_model(model, inputs: np.ndarray, name: str) -> np.ndarray:
    """Call a learner's model on a batch; the output as a finite NumPy array."""
    out = call_learner(model, inputs, name=name)
    if out is None:
        raise NotAttempted(f"`{name}` returned None: the model (or its `call`) is not written.")
    return require_array(out, f"The output of `{name}`")


def require_param_count(model, name: str, expected: int, architecture: str) -> None:
    found = int(model.count_params())
    if found != expected:
        raise Incorrect(
            f"{name} has {found:,} parameters; {architecture} has {expected:,}. Compare the "
            "layer sizes in `model.summary()` with the ones asked for."
        )


def _find_weights(model, sizes: Sequence[int], name: str):
    """(kernel, bias) pairs of the Dense layers ``sizes[i] -> sizes[i + 1]``, in order."""
    weights = [to_numpy(w) for w in model.weights]
    used: set[int] = set()

    def take(shape):
        for index, value in enumerate(weights):
            if index not in used and value.shape == shape:
                used.add(index)
                return value
        found = ", ".join(str(w.shape) for w in weights) or "none"
        raise Incorrect(
            f"{name} has no weight of shape {shape} (a Dense layer from {shape[0]} to "
            f"{shape[-1]} units needs one); its weights have shapes {found}."
        )

    return [(take((a, b)), take((b,))) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


def dense_forward(pairs, activations, inputs: np.ndarray) -> np.ndarray:
    """What a stack of Dense layers computes, in NumPy (float64)."""
    h = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    for (kernel, bias), activation in zip(pairs, activations, strict=True):
        h = _ACTIVATIONS[activation](h @ kernel + bias)
    return h


def require_dense_stack(
    model, name: str, sizes: Sequence[int], activations: Sequence[str | None],
    inputs: np.ndarray, outputs: np.ndarray,
) -> None:
    """The model's outputs equal a Dense stack with these sizes and activations, using its own
    weights; if not, name the layer whose activation looks wrong."""
    pairs = _find_weights(model, sizes, name)
    flat = outputs.reshape(len(outputs), -1)
    if np.allclose(flat, dense_forward(pairs, activations, inputs), rtol=1e-4, atol=1e-5):
        return
    for layer, expected in enumerate(activations):
        for other in _ACTIVATIONS:
            if other == expected:
                continue
            trial = list(activations)
            trial[layer] = other
            if np.allclose(flat, dense_forward(pairs, trial, inputs), rtol=1e-4, atol=1e-5):
                raise Incorrect(
                    f"Layer {layer + 1} of {name} ({sizes[layer]} -> {sizes[layer + 1]} units) "
                    f"seems to use {_ACTIVATION_TEXT[other]}; it should use "
                    f"{_ACTIVATION_TEXT[expected]}."
                )
    wanted = ", ".join(
        f"{a} -> {b} ({_ACTIVATION_TEXT[act]})"
        for a, b, act in zip(sizes[:-1], sizes[1:], activations, strict=True)
    )
    raise Incorrect(
        f"The sizes of {name} are right, but its outputs are not those of Dense layers "
        f"{wanted} applied in this order. Did you add another layer or change the order?"
    )


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
