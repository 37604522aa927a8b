"""Lesson 02 checks (and the course's DenseTranspose layer): reference answers pass, typical
mistakes get specific messages."""

import keras
import numpy as np
import pytest

from course_utils import layers as course_layers
from course_utils.checks import Outcome
from course_utils.checks import lesson02 as checks
from course_utils.models import Autoencoder, dense_autoencoder, dense_encoder


def _decoder(code_size, *, hidden=128, hidden_activation="relu", output_activation="sigmoid",
             reshape=True, input_size=None):
    layers = [
        keras.Input(shape=(input_size or code_size,)),
        keras.layers.Dense(hidden, activation=hidden_activation),
        keras.layers.Dense(784, activation=output_activation),
    ]
    return keras.Sequential(layers + ([keras.layers.Reshape((28, 28))] if reshape else []))


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda k: _decoder(k), Outcome.CORRECT, "sigmoid pixels"),
        (lambda k: _decoder(k, reshape=False), Outcome.INCORRECT, "Reshape((28, 28))"),
        (lambda k: _decoder(k, output_activation=None), Outcome.INCORRECT,
         "activation='sigmoid'"),
        (lambda k: _decoder(k, hidden_activation="tanh"), Outcome.INCORRECT,
         "seems to use tanh; it should use ReLU"),
        (lambda k: _decoder(k, hidden=64), Outcome.INCORRECT, "parameters"),
        (lambda k: _decoder(k, input_size=32), Outcome.INCORRECT, "takes inputs of shape"),
    ],
)
def test_build_decoder(answer, outcome, phrase):
    feedback = checks.build_decoder.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def _built(model):
    model.build((None, 28, 28))
    return model


def _functional(encoder, decoder, *, attach=True):
    inputs = keras.Input(shape=(28, 28))
    model = keras.Model(inputs, decoder(encoder(inputs)))
    if attach:
        model.encoder, model.decoder = encoder, decoder
    return model


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (_functional, Outcome.CORRECT, "stay usable"),
        (lambda e, d: _built(Autoencoder(e, d)), Outcome.CORRECT, "stay usable"),
        (lambda e, d: Autoencoder(e, d), Outcome.INCORRECT, "build((None, 28, 28))"),
        (lambda e, d: _functional(e, d, attach=False), Outcome.INCORRECT, "no `.encoder`"),
        (lambda e, d: keras.Sequential([e, d]), Outcome.INCORRECT, "no `.encoder`"),
        (lambda e, d: _functional(keras.models.clone_model(e), d), Outcome.INCORRECT,
         "not the encoder you were given"),
        (lambda e, d: e, Outcome.INCORRECT, "no `.encoder`"),
    ],
)
def test_compose_autoencoder(answer, outcome, phrase):
    feedback = checks.compose_autoencoder.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda k, b=32: 784 * 8 / (k * b), Outcome.CORRECT, "Bits in"),
        (lambda k, b=32: k * b / (784 * 8), Outcome.INCORRECT, "the inverse"),
        (lambda k, b=32: 784 / k, Outcome.INCORRECT, "numbers of values"),
        (lambda k, b=32: 784 * 8 / (k * 32), Outcome.INCORRECT, "expected 24.5"),
        (lambda k, b=32: [784 * 8 / (k * b)] * 2, Outcome.INCORRECT, "single number"),
    ],
)
def test_compression_ratio(answer, outcome, phrase):
    feedback = checks.compression_ratio.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


class Tied(keras.layers.Layer):
    """The reference solution: keeps (and so tracks) the dense layer."""

    def __init__(self, dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.dense.kernel.shape[0],), initializer="zeros")

    def call(self, inputs):
        return self.activation(self.product(inputs) + self.bias)

    def product(self, inputs):
        return keras.ops.matmul(inputs, keras.ops.transpose(self.dense.kernel))


class OwnKernel(Tied):
    def build(self, input_shape):
        super().build(input_shape)
        self.kernel = self.add_weight(shape=tuple(self.dense.kernel.shape[::-1]))

    def product(self, inputs):
        return keras.ops.matmul(inputs, self.kernel)


class NoBiasWeight(Tied):
    def build(self, input_shape):
        self.bias = 0.0


class BiasNotAdded(Tied):
    def call(self, inputs):
        return self.activation(self.product(inputs))


class CopiedKernel(Tied):
    def build(self, input_shape):
        super().build(input_shape)
        self.frozen = keras.ops.convert_to_numpy(self.dense.kernel).T.copy()

    def product(self, inputs):
        return keras.ops.matmul(inputs, self.frozen)


class NoActivation(Tied):
    def call(self, inputs):
        return self.product(inputs) + self.bias


class NotTransposed(Tied):
    def product(self, inputs):
        return keras.ops.matmul(inputs, self.dense.kernel)


class Stub(keras.layers.Layer):
    def __init__(self, dense, activation=None, **kwargs):
        super().__init__(**kwargs)

    def call(self, inputs):
        return None


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (Tied, Outcome.CORRECT, "price of a bias"),
        (course_layers.DenseTranspose, Outcome.CORRECT, "price of a bias"),
        (OwnKernel, Outcome.INCORRECT, "created its own kernel"),
        (NoBiasWeight, Outcome.INCORRECT, "exactly one trainable weight"),
        (BiasNotAdded, Outcome.INCORRECT, "without the bias"),
        (CopiedKernel, Outcome.INCORRECT, "keeps a copy"),
        (NoActivation, Outcome.INCORRECT, "still linear"),
        (NotTransposed, Outcome.RAISED, "Error"),
        (Stub, Outcome.NOT_ATTEMPTED, "returns None"),
        (lambda dense, activation=None: keras.layers.Dense(11), Outcome.INCORRECT,
         "created its own kernel"),
    ],
)
def test_dense_transpose(answer, outcome, phrase):
    feedback = checks.dense_transpose.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def _tied(code_size, *, hidden_activation="relu"):
    encoder = dense_encoder(code_size)
    _, hidden, code = encoder.layers
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        course_layers.DenseTranspose(code, activation=hidden_activation),
        course_layers.DenseTranspose(hidden, activation="sigmoid"),
        keras.layers.Reshape((28, 28)),
    ])
    return _built(Autoencoder(encoder, decoder))


def _tied_with_tracked_layers(code_size):
    encoder = dense_encoder(code_size)
    _, hidden, code = encoder.layers
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        Tied(code, activation="relu"),
        Tied(hidden, activation="sigmoid"),
        keras.layers.Reshape((28, 28)),
    ])
    return _built(Autoencoder(encoder, decoder))


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (_tied, Outcome.CORRECT, "half the parameters"),
        (_tied_with_tracked_layers, Outcome.CORRECT, "half the parameters"),
        (dense_autoencoder, Outcome.INCORRECT, "kernels of its own"),
        (lambda k: _tied(k, hidden_activation="sigmoid"), Outcome.INCORRECT, "differs"),
    ],
)
def test_tied_autoencoder(answer, outcome, phrase):
    feedback = checks.tied_autoencoder.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def test_tied_autoencoder_needs_the_parts():
    def no_parts(code_size):
        model = _tied(code_size)
        inputs = keras.Input(shape=(28, 28))
        return keras.Model(inputs, model.decoder(model.encoder(inputs)))

    feedback = checks.tied_autoencoder.evaluate(no_parts)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`.encoder` and `.decoder`" in feedback.message


# -- the course's layer ------------------------------------------------------------------------
def test_dense_transpose_layer_computes_x_times_kernel_transposed_plus_bias():
    dense = keras.layers.Dense(4)
    dense.build((None, 6))
    layer = course_layers.DenseTranspose(dense, activation="relu")
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    layer(x)
    layer.bias.assign(np.linspace(-1, 1, 6).astype("float32"))
    kernel = keras.ops.convert_to_numpy(dense.kernel)
    expected = np.maximum(x @ kernel.T + np.linspace(-1, 1, 6), 0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, atol=1e-5)
    assert [tuple(w.shape) for w in layer.weights] == [(6,)]  # owns only its bias
    assert tuple(layer.kernel.shape) == (4, 6)


def test_tied_autoencoder_counts_shared_kernels_once_and_trains():
    model = _tied(8)
    model.build((None, 28, 28))
    assert model.decoder.count_params() == 128 + 784
    assert model.count_params() == model.encoder.count_params() + 128 + 784
    kernel = model.encoder.layers[1].kernel
    before = keras.ops.convert_to_numpy(kernel).copy()
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(1).random((32, 28, 28), dtype=np.float32)
    model.fit(x, x, epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(before, keras.ops.convert_to_numpy(kernel))


def test_dense_transpose_layer_gives_clear_errors():
    with pytest.raises(TypeError, match="keras.layers.Dense"):
        course_layers.DenseTranspose("not a layer")
    unbuilt = course_layers.DenseTranspose(keras.layers.Dense(3))
    with pytest.raises(ValueError, match="build the encoder first"):
        unbuilt(np.zeros((2, 3), dtype="float32"))
    dense = keras.layers.Dense(3)
    dense.build((None, 5))
    with pytest.raises(ValueError, match="expects inputs with 3 features"):
        course_layers.DenseTranspose(dense)(np.zeros((2, 4), dtype="float32"))
