"""Checks for lesson 02, "The decoder and the autoencoder": decoders, composition, compression
ratios and tied weights."""

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
from .lesson01 import HIDDEN
from .validate import (
    Incorrect,
    NotAttempted,
    call_learner,
    require_array,
    require_close,
    require_function,
    require_model,
    require_number,
)

LESSON = "02"
PIXEL_BITS = 8
N_PIXELS = 784


def _random_codes(n: int, code_size: int, seed: int) -> np.ndarray:
    """Codes large enough that a decoder without sigmoid leaves [0, 1]."""
    return (4.0 * np.random.default_rng(seed).normal(size=(n, code_size))).astype(np.float32)


def _require_pixel_range(images: np.ndarray, name: str) -> None:
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        raise Incorrect(
            f"{name} range from {low:.3g} to {high:.3g}, but pixels live in [0, 1]. Give the "
            "last Dense layer `activation='sigmoid'`, which maps any number into (0, 1)."
        )


def _require_built(model, shown: str) -> None:
    """Autoencoders are returned built, ready for `count_params`, `predict` and `fit`."""
    if not model.built:
        raise Incorrect(
            f"`{shown}` returned a model that is not built yet, so it has no weights. Call "
            "`autoencoder.build((None, 28, 28))` before returning it (`None`: any batch size)."
        )


# -- exercise 1: a mirrored decoder ----------------------------------------------------------
def _check_build_decoder(build_decoder) -> str:
    fn = require_function(build_decoder, "build_decoder")
    for code_size, n in ((16, 5), (3, 1)):
        shown = f"build_decoder({code_size})"
        model = learner_model(
            fn, code_size, "build_decoder", (code_size,),
            f"a decoder takes codes of `code_size` = {code_size} numbers: "
            "`keras.Input(shape=(code_size,))`.",
        )
        codes = _random_codes(n, code_size, seed=20 + code_size)
        images = run_model(model, codes, "decoder(codes)")
        if images.shape == (n, N_PIXELS):
            raise Incorrect(
                f"{n} codes gave outputs of shape {images.shape}: rows of 784 pixels. End the "
                "decoder with `keras.layers.Reshape((28, 28))` to give back images."
            )
        require_array(images, f"The images of `{shown}`", shape=(n, 28, 28))
        require_model(model, shown)
        require_param_count(model, f"`{shown}`", dense_params([code_size, HIDDEN, N_PIXELS]),
                            f"{code_size} -> {HIDDEN} -> 784")
        _require_pixel_range(images, f"The pixels of `{shown}` (on random codes)")
        require_dense_stack(model, f"`{shown}`", [code_size, HIDDEN, N_PIXELS],
                            ["relu", "sigmoid"], codes, images)
    return "A mirror of the encoder: ReLU hidden layer, sigmoid pixels, reshaped to 28x28."


# -- exercise 2: one model from two ----------------------------------------------------------
def _reference_parts(code_size: int = 6, hidden: int = 20):
    from ..models import dense_decoder, dense_encoder

    return dense_encoder(code_size, (hidden,)), dense_decoder(code_size, (hidden,))


def _check_compose_autoencoder(compose_autoencoder) -> str:
    import keras

    fn = require_function(compose_autoencoder, "compose_autoencoder")
    encoder, decoder = _reference_parts()
    shown = "compose_autoencoder(encoder, decoder)"
    model = require_keras_model(call_learner(fn, encoder, decoder, name=shown),
                                f"The model `{shown}` returned")
    if not isinstance(model, keras.Model):
        raise Incorrect(
            f"`{shown}` returned a {type(model).__name__} layer; return a `keras.Model` so "
            "that it can be compiled and fitted."
        )
    _require_built(model, shown)
    for part, given in (("encoder", encoder), ("decoder", decoder)):
        found = getattr(model, part, None)
        if found is None:
            raise Incorrect(
                f"The autoencoder has no `.{part}` attribute. Set it after building the model, "
                f"`autoencoder.{part} = {part}`, so that later code can use the {part} alone."
            )
        if found is not given:
            raise Incorrect(
                f"`autoencoder.{part}` is not the {part} you were given (a copy or a new one?). "
                "Use the very same object, so that training the autoencoder trains it."
            )
    images = random_images(4, seed=6)
    out = run_model(model, images, "autoencoder(images)")
    require_array(out, "The reconstructions", shape=(4, 28, 28))
    require_model(model, shown)
    require_close(out, to_numpy(decoder(encoder(images))), "autoencoder(images)",
                  rtol=1e-4, atol=1e-5)
    expected = encoder.count_params() + decoder.count_params()
    require_param_count(model, f"`{shown}`", expected, "the encoder plus the decoder")
    trained = {id(w) for w in model.trainable_weights}
    if any(id(w) not in trained for w in encoder.trainable_weights + decoder.trainable_weights):
        raise Incorrect(
            "Some weights of the encoder or decoder are not trainable weights of the "
            "autoencoder, so `fit` would not train them. Did you freeze a part?"
        )
    return "One model, two parts: `autoencoder.encoder` and `autoencoder.decoder` stay usable."


# -- exercise 3: compression ratio -----------------------------------------------------------
def _check_compression_ratio(compression_ratio) -> str:
    fn = require_function(compression_ratio, "compression_ratio")
    for code_size, code_bits in ((32, 32), (2, 32), (32, 8), (10, 16)):
        shown = f"compression_ratio({code_size}, {code_bits})"
        found = require_number(call_learner(fn, code_size, code_bits, name=shown), f"`{shown}`")
        expected = N_PIXELS * PIXEL_BITS / (code_size * code_bits)
        if np.isclose(found, expected, rtol=1e-6):
            continue
        if found and np.isclose(found, 1 / expected, rtol=1e-6):
            raise Incorrect(
                f"`{shown}` gave {found:.4g}, the inverse: divide the image's bits by the "
                "code's bits, so a code smaller than the image gives a ratio above 1."
            )
        if np.isclose(found, N_PIXELS / code_size, rtol=1e-6):
            raise Incorrect(
                f"`{shown}` gave {found:.4g} = 784 / {code_size}: that compares numbers of "
                f"values. Compare bits: 8 per pixel, `code_bits` per code value."
            )
        raise Incorrect(
            f"`{shown}` gave {found:.4g}; expected {expected:.4g} = (784 pixels x 8 bits) / "
            f"({code_size} values x {code_bits} bits)."
        )
    return "Bits in, bits out: a float32 code is less of a compression than its size suggests."


# -- exercise 4: a tied-weights layer ---------------------------------------------------------
def _tied_dense(rng):
    import keras

    dense = keras.layers.Dense(7)
    dense.build((None, 11))
    dense.kernel.assign(rng.normal(size=(11, 7)).astype("float32"))
    dense.bias.assign(rng.normal(size=(7,)).astype("float32"))
    return dense


def _make_tied_layer(cls, dense, activation):
    import keras

    if activation is None:
        layer = call_learner(cls, dense, name="DenseTranspose(dense)")
    else:
        layer = call_learner(cls, dense, activation=activation,
                             name=f"DenseTranspose(dense, activation={activation!r})")
    if layer is None:
        raise NotAttempted("`DenseTranspose(dense)` gave None: write the class.")
    if not isinstance(layer, keras.layers.Layer):
        raise Incorrect(
            f"`DenseTranspose(dense)` should create a Keras layer; found a "
            f"{type(layer).__name__}. Subclass `keras.layers.Layer`."
        )
    return layer


def _call_tied(layer, inputs, shape) -> np.ndarray:
    out = call_learner(layer, inputs, name="layer(x)")
    if out is None:
        raise NotAttempted("Your layer's `call` returns None: write `call`.")
    out = require_array(out, "The output of your layer")
    if out.shape == (len(inputs), 7):
        raise Incorrect(
            "The output has 7 features, like the dense layer's output; the tied layer goes the "
            "other way, back to the dense layer's 11 inputs: multiply by the *transposed* kernel."
        )
    return require_array(out, "The output of your layer", shape=shape)


def _own_weights(layer, dense):
    theirs = {id(w) for w in dense.weights}
    return [w for w in layer.weights if id(w) not in theirs]


def _check_dense_transpose(DenseTranspose) -> str:  # noqa: N803 - the learner's class name
    import keras

    cls = require_function(DenseTranspose, "DenseTranspose")
    rng = np.random.default_rng(7)
    dense = _tied_dense(rng)
    x = rng.normal(size=(5, 7)).astype("float32")
    layer = _make_tied_layer(cls, dense, None)
    _call_tied(layer, x, (5, 11))
    own = _own_weights(layer, dense)
    kernels = [tuple(w.shape) for w in own if len(w.shape) == 2]
    if kernels:
        raise Incorrect(
            f"Your layer created its own kernel of shape {kernels[0]}. A tied layer owns no "
            "kernel: read `dense.kernel` in `call` and transpose it."
        )
    if [tuple(w.shape) for w in own] != [(11,)] or not own[0].trainable:
        shapes = [tuple(w.shape) for w in own]
        raise Incorrect(
            f"A tied layer should own exactly one trainable weight, a bias of 11 values (one per "
            f"input of the dense layer); yours owns weights of shapes {shapes}. Create it in "
            "`build` with `self.add_weight(shape=(dense_inputs,), initializer='zeros')`."
        )
    bias = rng.normal(size=(11,)).astype("float32")
    own[0].assign(bias)
    kernel = to_numpy(dense.kernel)
    out = _call_tied(layer, x, (5, 11))
    if np.allclose(out, x @ kernel.T, rtol=1e-4, atol=1e-5):
        raise Incorrect("The output is `x @ W.T` without the bias: add `self.bias` in `call`.")
    require_close(out, x @ kernel.T + bias, "layer(x) compared with x @ W.T + b",
                  rtol=1e-4, atol=1e-5)
    new_kernel = rng.normal(size=(11, 7)).astype("float32")
    dense.kernel.assign(new_kernel)
    out = _call_tied(layer, x, (5, 11))
    if np.allclose(out, x @ kernel.T + bias, rtol=1e-4, atol=1e-5):
        raise Incorrect(
            "When the dense layer's kernel changes, your layer's output does not: it keeps a "
            "copy from when it was built. Read `self.dense.kernel` inside `call` instead."
        )
    require_close(out, x @ new_kernel.T + bias, "layer(x) after the dense kernel changed",
                  rtol=1e-4, atol=1e-5)
    sigmoid_layer = _make_tied_layer(cls, dense, "sigmoid")
    out = _call_tied(sigmoid_layer, x, (5, 11))
    _own_weights(sigmoid_layer, dense)[0].assign(bias)
    out = _call_tied(sigmoid_layer, x, (5, 11))
    linear = x @ new_kernel.T + bias
    if np.allclose(out, linear, rtol=1e-4, atol=1e-5):
        raise Incorrect(
            "With `activation='sigmoid'` the output is still linear: apply "
            "`keras.activations.get(activation)` to the result in `call`."
        )
    require_close(out, 1 / (1 + np.exp(-linear)), "The sigmoid layer's output",
                  rtol=1e-4, atol=1e-5)
    model = call_learner(
        lambda: keras.Sequential([keras.Input(shape=(7,)), cls(dense)]),
        name="keras.Sequential([keras.Input(shape=(7,)), DenseTranspose(dense)])",
    )
    run_model(model, x, "a model with your layer")
    return "x @ W.T + b with the dense layer's own kernel: a decoder layer for the price of a bias."


# -- exercise 5: a tied autoencoder ----------------------------------------------------------
def _check_tied_autoencoder(build_tied_autoencoder) -> str:
    fn = require_function(build_tied_autoencoder, "build_tied_autoencoder")
    rng = np.random.default_rng(8)
    for code_size in (16, 4):
        shown = f"build_tied_autoencoder({code_size})"
        model = learner_model(fn, code_size, "build_tied_autoencoder", (28, 28),
                              "an autoencoder takes 28x28 images: `keras.Input(shape=(28, 28))`.")
        _require_built(model, shown)
        images = random_images(5, seed=30 + code_size)
        out = run_model(model, images, "autoencoder(images)")
        require_array(out, "The reconstructions", shape=(5, 28, 28))
        require_model(model, shown)
        encoder, decoder = getattr(model, "encoder", None), getattr(model, "decoder", None)
        if encoder is None or decoder is None:
            raise Incorrect("The autoencoder needs `.encoder` and `.decoder` attributes.")
        sizes = [N_PIXELS, HIDDEN, code_size]
        codes = run_model(encoder, images, "autoencoder.encoder(images)")
        require_array(codes, "The codes", shape=(5, code_size))
        require_param_count(encoder, f"The encoder of `{shown}`", dense_params(sizes),
                            f"784 -> {HIDDEN} -> {code_size}")
        require_dense_stack(encoder, f"the encoder of `{shown}`", sizes, ["relu", None],
                            images, codes)
        mine = {id(w) for w in encoder.weights}
        own = [w for w in decoder.weights if id(w) not in mine]
        own_shapes = sorted((tuple(w.shape) for w in own), key=len)
        if any(len(shape) == 2 for shape in own_shapes):
            raise Incorrect(
                f"The decoder has kernels of its own (shapes {own_shapes}); a tied decoder "
                "reuses the encoder's: build it from `course_layers.DenseTranspose(layer, ...)` "
                "tied to the encoder's Dense layers."
            )
        if sorted(own_shapes) != [(128,), (784,)]:
            raise Incorrect(
                f"The tied decoder should add two biases, of 128 and 784 values; it adds "
                f"weights of shapes {own_shapes}."
            )
        require_param_count(model, f"`{shown}`", dense_params(sizes) + HIDDEN + N_PIXELS,
                            "the encoder plus two decoder biases (128 + 784)")
        hidden_bias, pixel_bias = sorted(own, key=lambda w: w.shape[0])
        b1 = rng.normal(0, 0.5, HIDDEN).astype("float32")
        b2 = rng.normal(0, 0.5, N_PIXELS).astype("float32")
        hidden_bias.assign(b1)
        pixel_bias.assign(b2)
        weights = {tuple(w.shape): to_numpy(w) for w in encoder.weights}
        z = rng.normal(size=(5, code_size)).astype("float32")
        found = run_model(decoder, z, "autoencoder.decoder(codes)")
        require_array(found, "The decoded images", shape=(5, 28, 28))
        hidden = np.maximum(z @ weights[(HIDDEN, code_size)].T + b1, 0.0)
        expected = 1 / (1 + np.exp(-(hidden @ weights[(N_PIXELS, HIDDEN)].T + b2)))
        require_close(
            found.reshape(5, -1), expected,
            "decoder(z) compared with sigmoid(relu(z @ W_code.T + b1) @ W_hidden.T + b2)",
            rtol=1e-4, atol=1e-5,
        )
    return "An encoder and its mirror image, sharing every kernel: half the parameters."


build_decoder = Exercise(
    lesson=LESSON,
    name="build_decoder",
    title="a decoder code_size -> 128 -> 784 -> 28x28",
    checker=_check_build_decoder,
    hints=[
        "Mirror the encoder: Input of shape (code_size,), Dense(128) with ReLU, Dense(784), "
        "then Reshape((28, 28)).",
        "Pixels are in [0, 1]: the 784-unit layer needs `activation='sigmoid'`.",
        "`keras.Sequential([keras.Input(shape=(code_size,)), keras.layers.Dense(128, "
        "activation='relu'), keras.layers.Dense(784, activation='sigmoid'), "
        "keras.layers.Reshape((28, 28))])`",
    ],
)

compose_autoencoder = Exercise(
    lesson=LESSON,
    name="compose_autoencoder",
    title="one keras.Model from an encoder and a decoder",
    checker=_check_compose_autoencoder,
    hints=[
        "With the functional API: an Input of shape (28, 28), pass it through the encoder, "
        "then the decoder, and make a `keras.Model(inputs, outputs)`.",
        "Then attach the parts: `autoencoder.encoder = encoder` and the same for the decoder.",
        "`inputs = keras.Input(shape=(28, 28))`, `autoencoder = keras.Model(inputs, "
        "decoder(encoder(inputs)))`, set `.encoder`/`.decoder`, `return autoencoder`",
    ],
)

compression_ratio = Exercise(
    lesson=LESSON,
    name="compression_ratio",
    title="how many times smaller is the code, in bits?",
    checker=_check_compression_ratio,
    hints=[
        "An MNIST image is 784 pixels of 8 bits each; a code is `code_size` numbers of "
        "`code_bits` bits each.",
        "The ratio is (bits of the image) / (bits of the code): above 1 when the code is "
        "smaller.",
        "`return 784 * 8 / (code_size * code_bits)`",
    ],
)

dense_transpose = Exercise(
    lesson=LESSON,
    name="dense_transpose",
    title="a Dense layer tied to another layer's transposed kernel",
    checker=_check_dense_transpose,
    hints=[
        "Keep the dense layer in `__init__` (`self.dense = dense`); in `build`, create only a "
        "bias with one value per *input* of the dense layer: `self.dense.kernel.shape[0]`.",
        "In `call`, multiply by the transposed kernel: `keras.ops.matmul(inputs, "
        "keras.ops.transpose(self.dense.kernel))`, add the bias, apply the activation.",
        "`return self.activation(keras.ops.matmul(inputs, "
        "keras.ops.transpose(self.dense.kernel)) + self.bias)` with "
        "`self.activation = keras.activations.get(activation)` set in `__init__`",
    ],
)

tied_autoencoder = Exercise(
    lesson=LESSON,
    name="tied_autoencoder",
    title="an autoencoder whose decoder reuses the encoder's kernels",
    checker=_check_tied_autoencoder,
    hints=[
        "Build the encoder first (784 -> 128 -> code_size), then a decoder made of two "
        "`course_layers.DenseTranspose` layers tied to the encoder's Dense layers, last "
        "one first.",
        "`encoder.layers` lists Flatten and the two Dense layers; the decoder is "
        "`DenseTranspose(code_layer, activation='relu')`, "
        "`DenseTranspose(hidden_layer, activation='sigmoid')`, `Reshape((28, 28))`.",
        "Wrap the two parts with `Autoencoder(encoder, decoder)` from `course_utils.models` "
        "(or the functional API plus `.encoder`/`.decoder`) and build it on (None, 28, 28).",
    ],
)

EXERCISES = (build_decoder, compose_autoencoder, compression_ratio, dense_transpose,
             tied_autoencoder)
