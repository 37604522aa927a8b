"""course_utils.training: the hand-written step and epoch loop of lesson 03."""

import keras
import numpy as np
import tensorflow as tf

from course_utils.models import dense_autoencoder
from course_utils.training import (
    fit_autoencoder,
    fit_by_hand,
    make_train_step,
    mean_squared_error,
    reconstruction_mse,
)


def _images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def test_mean_squared_error_matches_keras():
    x, x_hat = _images(4, 1), _images(4, 2)
    expected = float(keras.losses.MeanSquaredError()(x, x_hat))
    assert np.isclose(float(mean_squared_error(x, x_hat)), expected, rtol=1e-6)


def test_train_step_is_one_sgd_step_on_the_mse():
    keras.utils.set_random_seed(0)
    model = dense_autoencoder(4, hidden=(16,))
    before = [w.numpy() for w in model.trainable_variables]
    x = _images(8)
    with tf.GradientTape() as tape:
        expected_loss = tf.reduce_mean(tf.square(x - model(x, training=True)))
    grads = tape.gradient(expected_loss, model.trainable_variables)

    loss = make_train_step(model, keras.optimizers.SGD(0.5))(x)
    assert np.isclose(float(loss), float(expected_loss), rtol=1e-5)
    for w, b, g in zip(model.trainable_variables, before, grads, strict=True):
        np.testing.assert_allclose(w.numpy(), b - 0.5 * g.numpy(), rtol=1e-4, atol=1e-6)


def _twins(**penalty):
    """A plain tiny autoencoder and one with ``penalty``, starting from the same weights."""
    keras.utils.set_random_seed(0)
    plain = dense_autoencoder(4, hidden=(16,))
    penalised = dense_autoencoder(4, hidden=(16,), **penalty)
    penalised.set_weights(plain.get_weights())
    return plain, penalised


def test_train_step_adds_the_models_own_penalties():
    plain, penalised = _twins(kernel_regularizer=keras.regularizers.L2(1.0))
    x = _images(8)
    make_train_step(plain, keras.optimizers.SGD(0.1))(x)
    make_train_step(penalised, keras.optimizers.SGD(0.1))(x)
    # The L2 penalty shrinks the kernels: the penalised weights end up smaller.
    kernel = 0  # the first Dense kernel of the encoder
    assert (np.linalg.norm(penalised.trainable_variables[kernel].numpy())
            < np.linalg.norm(plain.trainable_variables[kernel].numpy()))


def test_fit_by_hand_learns_and_records_history():
    keras.utils.set_random_seed(0)
    model = dense_autoencoder(8, hidden=(32,))
    x = _images(100)
    x[x < 0.8] = 0.0
    step = make_train_step(model, keras.optimizers.Adam(1e-2))
    history = fit_by_hand(model, step, x, epochs=4, batch_size=32, x_val=x[:20])
    assert set(history) == {"loss", "val_loss"}
    assert len(history["loss"]) == len(history["val_loss"]) == 4
    assert history["loss"][-1] < history["loss"][0]


def test_fit_by_hand_stops_when_the_loss_is_not_finite():
    model = dense_autoencoder(4, hidden=(16,))
    calls = []

    def broken_step(batch):
        calls.append(len(batch))
        return tf.constant(np.nan)

    history = fit_by_hand(model, broken_step, _images(10), epochs=5, batch_size=4)
    assert len(history["loss"]) == 1 and np.isnan(history["loss"][0])
    assert calls == [4, 4, 2]  # one epoch, including the last, smaller batch


def test_train_step_includes_activity_penalties():
    plain, sparse = _twins(activity_regularizer=keras.regularizers.L1(10.0))
    x = _images(8)
    for model in (plain, sparse):
        step = make_train_step(model, keras.optimizers.SGD(0.05))
        for _ in range(3):
            step(x)
    # The L1 penalty on the code pushes the codes towards 0.
    assert np.abs(sparse.encoder(x)).mean() < np.abs(plain.encoder(x)).mean()


def test_reconstruction_mse_matches_numpy():
    keras.utils.set_random_seed(0)
    model = dense_autoencoder(4, hidden=(16,))
    x = _images(6)
    expected = float(np.mean((x - model.predict(x, verbose=0)) ** 2))
    assert np.isclose(reconstruction_mse(model, x), expected, rtol=1e-5)


def test_fit_autoencoder_learns_with_validation_and_many_steps_per_call():
    keras.utils.set_random_seed(0)
    model = dense_autoencoder(8, hidden=(32,))
    x = _images(100)
    x[x < 0.8] = 0.0
    history = fit_autoencoder(model, keras.optimizers.Adam(1e-2), x, epochs=3, batch_size=16,
                              val=x[:20], description="test")
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    assert model.optimizer.iterations.numpy() == 3 * 7  # every batch, also with 32 per call


def test_fit_autoencoder_stops_on_nan():
    keras.utils.set_random_seed(0)
    model = dense_autoencoder(4, hidden=(16,), output_activation=None)
    x = _images(64) * 100
    history = fit_autoencoder(model, keras.optimizers.SGD(1e6), x, epochs=5, batch_size=8,
                              steps_per_execution=1)
    assert len(history["loss"]) < 5 or not np.isfinite(history["loss"][-1])
