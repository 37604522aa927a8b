"""Lesson 02 checks (and the course's DenseTranspose layer): reference answers pass, typical
mistakes get specific messages (at least three realistic wrong answers per exercise)."""

import keras
import numpy as np
import pytest

from course_utils import layers as course_layers
from course_utils.checks import Outcome
from course_utils.checks import lesson02 as checks
from course_utils.models import Autoencoder, dense_encoder


# -- mean_image_mse ---------------------------------------------------------------------------
def _mse(x_eval, mean):
    return float(np.mean((x_eval - mean) ** 2))


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x, v: _mse(v, x.mean(axis=0)), Outcome.CORRECT, "must beat"),
        (lambda x, v: np.mean((v - x.mean(axis=0)) ** 2), Outcome.CORRECT, "must beat"),
        (lambda x, v: _mse(v, v.mean(axis=0)), Outcome.INCORRECT, "mean of the held-out"),
        (lambda x, v: _mse(v, x.mean()), Outcome.INCORRECT, "one grey level"),
        (lambda x, v: float(np.mean(np.sum((v - x.mean(axis=0)) ** 2, axis=(1, 2)))),
         Outcome.INCORRECT, "a sum over each image"),
        (lambda x, v: float(np.sqrt(_mse(v, x.mean(axis=0)))), Outcome.INCORRECT, "RMSE"),
        (lambda x, v: float(np.mean(np.abs(v - x.mean(axis=0)))), Outcome.INCORRECT,
         "mean absolute error"),
        (lambda x, v: _mse(x, x.mean(axis=0)), Outcome.INCORRECT, "on the training images"),
        (lambda x, v: float(np.mean(v - x.mean(axis=0)) ** 2), Outcome.INCORRECT,
         "squares the mean difference"),
        (lambda x, v: np.mean((v - x.mean(axis=0)) ** 2, axis=0), Outcome.INCORRECT,
         "single number"),
        (lambda x, v: float(np.mean((v.reshape(-1, 784) - x.reshape(-1, 784).mean(0)) ** 2)),
         Outcome.RAISED, "reshape"),
        (lambda x, v: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_mean_image_mse(answer, outcome, phrase):
    feedback = checks.mean_image_mse.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def test_mean_image_mse_must_not_change_its_inputs():
    def in_place(x_train, x_eval):
        x_eval -= x_train.mean(axis=0)
        return float(np.mean(x_eval ** 2))

    feedback = checks.mean_image_mse.evaluate(in_place)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert "changed the images" in feedback.message


# -- output_activation ------------------------------------------------------------------------
def measure(model, x_val):
    r = model.predict(x_val, verbose=0)
    return float(np.mean((x_val - r) ** 2)), float(np.mean((r < 0) | (r > 1)))


def choose(results):
    valid = [a for a, (_, outside) in results.items() if outside == 0]
    return min(valid, key=lambda a: results[a][0])


def _measure_with(mse=None, outside=None):
    def fn(model, x_val):
        r = keras.ops.convert_to_numpy(model(x_val))
        return (mse or (lambda r, x: np.mean((x - r) ** 2)))(r, x_val), \
            (outside or (lambda r: np.mean((r < 0) | (r > 1))))(r)
    return fn


GLOBAL_IMAGES = np.random.default_rng(3).random((30, 28, 28), dtype=np.float32)


def measure_with_evaluate(model, x_val):
    """A correct answer that lets Keras compute the MSE: the check's models are compiled."""
    r = model.predict(x_val, verbose=0)
    return model.evaluate(x_val, x_val, verbose=0), float(np.mean((r < 0) | (r > 1)))


def choose_with_tolerance(tolerance, *, inclusive=True):
    """A slack rule: a share up to ``tolerance`` still counts as 'inside'."""
    def rule(results):
        valid = [a for a, (_, out) in results.items()
                 if (out <= tolerance if inclusive else out < tolerance)]
        return min(valid, key=lambda a: results[a][0])
    return rule


def choose_soft(weight):
    """A soft rule: the MSE plus a penalty for the share outside."""
    return lambda results: min(results, key=lambda a: results[a][0] + weight * results[a][1])


@pytest.mark.parametrize(
    ("answers", "outcome", "phrase"),
    [
        ((measure, choose), Outcome.CORRECT, "lowest validation MSE wins"),
        ((_measure_with(), choose), Outcome.CORRECT, "lowest validation MSE wins"),
        ((_measure_with(mse=lambda r, x: np.mean(np.sum((x - r) ** 2, axis=(1, 2)))), choose),
         Outcome.INCORRECT, "784 times larger"),
        ((_measure_with(mse=lambda r, x: np.sqrt(np.mean((x - r) ** 2))), choose),
         Outcome.INCORRECT, "square root"),
        ((lambda m, x: measure(m, GLOBAL_IMAGES), choose), Outcome.INCORRECT,
         "Reconstruct the x_val you were given"),
        ((_measure_with(outside=lambda r: np.sum((r < 0) | (r > 1))), choose),
         Outcome.INCORRECT, "the count"),
        ((_measure_with(outside=lambda r: 100 * np.mean((r < 0) | (r > 1))), choose),
         Outcome.INCORRECT, "a percentage"),
        ((_measure_with(outside=lambda r: np.mean(r < 0)), choose), Outcome.INCORRECT,
         "only values below 0"),
        ((_measure_with(outside=lambda r: np.mean((r <= 0) | (r >= 1))), choose),
         Outcome.INCORRECT, "exactly 0 or 1"),
        ((lambda m, x: measure(m, x)[0], choose), Outcome.INCORRECT, "two numbers"),
        ((measure, lambda results: "sigmoid"), Outcome.INCORRECT,
         "with a lower validation MSE"),
        ((measure, lambda results: min(results, key=lambda a: results[a][0])),
         Outcome.INCORRECT, "does not qualify"),
        ((measure, lambda results: min(results, key=lambda a: results[a][1])),
         Outcome.INCORRECT, "Among the activations that qualify"),
        ((measure, lambda results: results["sigmoid"]), Outcome.INCORRECT, "one of the keys"),
        ((lambda m, x: None, choose), Outcome.NOT_ATTEMPTED, "stub"),
        ((measure, lambda results: None), Outcome.NOT_ATTEMPTED, "stub"),
        ((measure_with_evaluate, choose), Outcome.CORRECT, "lowest validation MSE wins"),
        ((measure, choose_soft(1.0)), Outcome.INCORRECT, "adding the share to the MSE"),
        ((measure, choose_soft(100.0)), Outcome.INCORRECT, "share is exactly 0"),
        ((measure, choose_with_tolerance(0.01)), Outcome.INCORRECT, "Neither a tolerance"),
        ((measure, choose_with_tolerance(1e-3, inclusive=False)), Outcome.INCORRECT,
         "share is exactly 0"),
        ((measure, choose_with_tolerance(1e-4)), Outcome.INCORRECT, "share is exactly 0"),
        ((measure, lambda results: choose({a: (m, round(o, 2)) for a, (m, o) in
                                           results.items()})),
         Outcome.INCORRECT, "share is exactly 0"),
    ],
)
def test_output_activation(answers, outcome, phrase):
    feedback = checks.output_activation.evaluate(*answers)
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


class FrozenBias(Tied):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.dense.kernel.shape[0],), initializer="zeros",
                                    trainable=False)


class BiasPerOutput(Tied):
    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.dense.kernel.shape[1],), initializer="zeros")


class StopGradient(Tied):
    def product(self, inputs):
        kernel = keras.ops.stop_gradient(self.dense.kernel)
        return keras.ops.matmul(inputs, keras.ops.transpose(kernel))


class ConstantBias(Tied):
    def call(self, inputs):
        bias = keras.ops.stop_gradient(self.bias)
        return self.activation(self.product(inputs) + bias)


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
        (StopGradient, Outcome.INCORRECT, "No gradient reaches the dense layer's kernel"),
        (FrozenBias, Outcome.INCORRECT, "exactly one trainable weight"),
        (BiasPerOutput, Outcome.RAISED, "Error"),
        (ConstantBias, Outcome.INCORRECT, "No gradient reaches your bias"),
        (Stub, Outcome.NOT_ATTEMPTED, "returns None"),
        (lambda dense, activation=None: keras.layers.Dense(11), Outcome.INCORRECT,
         "created its own kernel"),
    ],
)
def test_dense_transpose(answer, outcome, phrase):
    feedback = checks.dense_transpose.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def widest(budget, code_size, n_pixels=784):
    h = 0
    while checks.untied_params(h + 1, code_size, n_pixels) <= budget:
        h += 1
    return h


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (widest, Outcome.CORRECT, "half the hidden width"),
        (lambda b, k, n_pixels=784: (b - n_pixels - k) // (2 * (n_pixels + k + 1)),
         Outcome.CORRECT, "half the hidden width"),
        (lambda b, k, n_pixels=784: widest(b, k, n_pixels) + 1, Outcome.INCORRECT,
         "over the budget"),
        (lambda b, k, n_pixels=784: widest(b - 1, k, n_pixels) if widest(b - 1, k, n_pixels)
         < widest(b, k, n_pixels) else widest(b, k, n_pixels), Outcome.INCORRECT,
         "at most, not strictly below"),
        (lambda b, k, n_pixels=784: b // (2 * (n_pixels + k)), Outcome.INCORRECT,
         "forgets the biases"),
        (lambda b, k, n_pixels=784: widest(b, k), Outcome.INCORRECT, "hard-coded 784"),
        (lambda b, k, n_pixels=784: (b - n_pixels - k) // (n_pixels + k + 2), Outcome.INCORRECT,
         "TIED autoencoder"),
        (lambda b, k, n_pixels=784: round((b - n_pixels - k) / (2 * (n_pixels + k + 1))),
         Outcome.INCORRECT, "round down"),
        (lambda b, k, n_pixels=784: (b - n_pixels - k) / (2 * (n_pixels + k + 1)),
         Outcome.INCORRECT, "whole number of units"),
        (lambda b, k, n_pixels=784: checks.untied_params(widest(b, k, n_pixels), k, n_pixels),
         Outcome.INCORRECT, "over the budget"),
        (lambda b, k, n_pixels=784: widest(b, k, n_pixels) // 2, Outcome.INCORRECT,
         "count the parameters of the four Dense layers"),
        (lambda b, k, n_pixels=784: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_untied_width(answer, outcome, phrase):
    feedback = checks.untied_width.evaluate(answer)
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
    model = Autoencoder(encoder, decoder)
    model.build((None, 28, 28))
    return model


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


# -- a written function that forgets `return` is not "not attempted" ------------------------
def _baseline_no_return(x_train, x_eval):
    mse = float(np.mean((x_train.mean(axis=0) - x_eval) ** 2))
    print(mse)


def _ratio_no_return(code_size, code_bits):
    ratio = 784 * 8 / (code_size * code_bits)
    print(ratio)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.mean_image_mse, _baseline_no_return),
        (checks.compression_ratio, _ratio_no_return),
    ],
)
def test_forgotten_return_is_named(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert "Did you forget `return`?" in feedback.message, feedback
