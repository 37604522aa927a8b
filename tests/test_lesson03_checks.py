"""Lesson 03 checks: the reference answers pass, typical mistakes get a specific message."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import Outcome
from course_utils.checks import lesson03 as checks
from course_utils.models import dense_autoencoder


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


# -- train_step ------------------------------------------------------------------------------
def reference_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        x_hat = model.decoder(model.encoder(x, training=True), training=True)
        loss = keras.ops.mean(keras.ops.square(x - x_hat))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return loss


def keras_loss_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(x, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return loss


def summed_loss_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = keras.ops.sum(keras.ops.square(x - model(x, training=True))) / len(x)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return loss


def no_update_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.ops.square(x - model(x, training=True)))
    tape.gradient(loss, model.trainable_variables)
    return loss


def encoder_only_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.ops.square(x - model(x, training=True)))
    variables = model.encoder.trainable_variables
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables, strict=True))
    return loss


def uphill_step(model, optimizer, x):
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.ops.square(x - model(x, training=True)))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables, strict=True))
    return loss


def no_return_step(model, optimizer, x):
    reference_step(model, optimizer, x)


def loss_after_step(model, optimizer, x):
    reference_step(model, optimizer, x)
    return keras.ops.mean(keras.ops.square(x - model(x)))


@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (reference_step, Outcome.CORRECT, "matches SGD"),
        (tf.function(reference_step), Outcome.CORRECT, "matches SGD"),
        (keras_loss_step, Outcome.CORRECT, "matches SGD"),
        (summed_loss_step, Outcome.INCORRECT, "times the size"),
        (no_update_step, Outcome.INCORRECT, "apply_gradients"),
        (encoder_only_step, Outcome.INCORRECT, "only the encoder"),
        (uphill_step, Outcome.INCORRECT, "uphill"),
        (no_return_step, Outcome.INCORRECT, "return the loss"),
        (loss_after_step, Outcome.INCORRECT, "before the update"),
        (lambda model, optimizer, x: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_train_step(answer, outcome, words):
    _assert(_outcome(checks.train_step, answer), outcome, words)


# -- compression_ratio -----------------------------------------------------------------------
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
    ],
)
def test_compression_ratio(answer, outcome, words):
    _assert(_outcome(checks.compression_ratio, answer), outcome, words)


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
    _assert(_outcome(checks.quick_fit, _fit(keras.optimizers.Adam(3e-3), 32)), Outcome.CORRECT,
            "test mse")


def test_quick_fit_with_default_sgd_is_explained():
    feedback = _outcome(checks.quick_fit, _fit(keras.optimizers.SGD(0.01), 256))
    _assert(feedback, Outcome.INCORRECT, "average digit")
    assert "Adam" in feedback.message


def test_quick_fit_untrained_model_and_wrong_output():
    _assert(_outcome(checks.quick_fit, lambda x: dense_autoencoder(32)), Outcome.INCORRECT,
            "target")
    flat = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                             keras.layers.Dense(10)])
    _assert(_outcome(checks.quick_fit, lambda x: flat), Outcome.INCORRECT, "one 28x28 image")
