"""course_utils.stability: spread, divergence, gradient norms, fresh starts, bitwise equality."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.models import dense_autoencoder
from course_utils.stability import (
    FreshStart,
    StepLog,
    coefficient_of_variation,
    diverged,
    first_divergence,
    global_norm,
    gradient_norm_autoencoder,
    same_weights,
    weight_differences,
)


def test_coefficient_of_variation_uses_the_sample_std_and_the_absolute_mean():
    values = np.array([[1.0, -10.0], [2.0, -12.0], [3.0, -14.0]])
    expected = np.array([1.0 / 2.0, 2.0 / 12.0])
    assert np.allclose(coefficient_of_variation(values), expected)
    assert np.isclose(coefficient_of_variation([1.0, 2.0, 3.0], axis=None), 0.5)
    with pytest.raises(ValueError):
        coefficient_of_variation([[1.0, 2.0]])


def test_first_divergence_finds_nan_inf_and_large_losses():
    assert first_divergence([1.0, 0.5, 0.4]) is None
    assert first_divergence([1.0, 0.5, np.nan, 100.0]) == 2
    assert first_divergence([1.0, np.inf]) == 1
    assert first_divergence([1.0, 10.0, 10.5]) == 2  # above, not at, 10 x the first
    assert first_divergence([1.0, 2.5], factor=2.0) == 1
    assert diverged([1.0, np.nan]) and not diverged([1.0, 0.1])
    with pytest.raises(ValueError):
        first_divergence([])


def test_global_norm_matches_tensorflow_and_skips_none():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=(4,)), rng.normal(size=(2, 2, 2))]
    expected = float(tf.linalg.global_norm([tf.constant(g) for g in grads]))
    assert np.isclose(global_norm(grads), expected)
    assert np.isclose(global_norm([grads[0], None]), np.linalg.norm(grads[0]))


def test_same_weights_is_bitwise():
    a = [np.array([0.0, 1.0, np.nan], np.float32), np.ones((2, 2), np.float32)]
    b = [w.copy() for w in a]
    assert same_weights(a, b)
    b[0][0] = -0.0
    assert not same_weights(a, b)
    c = [w.copy() for w in a]
    c[1][0, 0] = np.nextafter(np.float32(1.0), np.float32(2.0))
    assert not same_weights(a, c)
    assert weight_differences(a, c)[:2] == (1, 7)
    assert not same_weights(a, a[:1])
    assert not same_weights([np.zeros(4, np.float32)], [np.zeros((2, 2), np.float32)])


def test_step_log_records_the_norm_of_the_raw_gradients():
    keras.utils.set_random_seed(0)
    model = gradient_norm_autoencoder(4, (8,), output_activation=None)
    model.compile(optimizer=keras.optimizers.SGD(0.0, global_clipnorm=1e-6))
    x = np.random.default_rng(0).random((32, 28, 28)).astype("float32")
    with tf.GradientTape() as tape:
        loss = keras.ops.mean(keras.ops.square(x - model(x)))
    expected = float(tf.linalg.global_norm(tape.gradient(loss, model.trainable_weights)))
    log = StepLog()
    model.fit(x, x, epochs=1, batch_size=32, verbose=0, shuffle=False, callbacks=[log])
    assert len(log.grad_norms) == 1 and np.isclose(log.grad_norms[0], expected, rtol=1e-4)
    assert np.isclose(log.losses[0], float(loss), rtol=1e-5)  # clipping does not change it


def test_step_log_stops_at_the_first_nan():
    keras.utils.set_random_seed(0)
    model = gradient_norm_autoencoder(4, (8,), output_activation=None)
    model.compile(optimizer=keras.optimizers.SGD(1e4, momentum=0.9))
    x = np.random.default_rng(0).random((256, 28, 28)).astype("float32")
    log = StepLog()
    model.fit(x, x, epochs=5, batch_size=16, verbose=0, callbacks=[log])
    assert not np.isfinite(log.losses[-1]) and np.all(np.isfinite(log.losses[:-1]))
    assert len(log.losses) < 5 * 16


def test_fresh_start_reproduces_a_new_model_bit_for_bit():
    x = np.random.default_rng(1).random((128, 28, 28)).astype("float32")

    def build():
        return dense_autoencoder(4, (16,))

    def compile_model(model):
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")

    runner = FreshStart(build, compile_model)
    runner.start(1).fit(x, x, epochs=2, batch_size=32, verbose=0)  # dirty the optimizer
    model = runner.start(0)
    assert int(model.optimizer.iterations.numpy()) == 0
    model.fit(x, x, epochs=2, batch_size=32, verbose=0)
    keras.utils.set_random_seed(0)
    fresh = build()
    compile_model(fresh)
    fresh.fit(x, x, epochs=2, batch_size=32, verbose=0)
    assert same_weights(model, fresh)


def _three_runs(build, compile_model, fit):
    """Seed 0 via FreshStart twice (after a dirtying run from seed 1), then a new model."""
    runner = FreshStart(build, compile_model)
    fit(runner.start(1))                      # moves weights, optimizer and noise generators on
    fit(runner.start(0))
    first = runner.model.get_weights()
    fit(runner.start(0))
    second = runner.model.get_weights()
    keras.utils.set_random_seed(0)
    fresh = build()
    compile_model(fresh)
    fit(fresh)
    return first, second, fresh.get_weights()


def test_fresh_start_reproduces_a_vae_bit_for_bit():
    from course_utils.vae import dense_vae

    x = np.random.default_rng(2).random((128, 28, 28)).astype("float32")
    first, second, fresh = _three_runs(
        lambda: dense_vae(4, hidden=(16,)),
        lambda m: m.compile(optimizer=keras.optimizers.Adam(1e-2)),
        lambda m: m.fit(x, epochs=2, batch_size=32, verbose=0))
    assert same_weights(first, second)
    assert same_weights(first, fresh)


def test_fresh_start_reproduces_a_ring_gan_bit_for_bit():
    from course_utils.gan import decaying_optimizers, ring_gan
    from course_utils.toy_data import ring_of_gaussians

    ring = ring_of_gaussians(512, std=0.02, seed=0)

    def compile_gan(gan):
        d_optimizer, g_optimizer = decaying_optimizers(gan, 2e-3, generator_steps=16)
        gan.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer)

    first, second, fresh = _three_runs(
        lambda: ring_gan(hidden=(16, 16)), compile_gan,
        lambda m: m.fit(ring, epochs=2, batch_size=64, verbose=0))
    assert same_weights(first, second)
    assert same_weights(first, fresh)


def test_fresh_start_resets_the_noise_generators():
    from course_utils.vae import dense_vae

    runner = FreshStart(lambda: dense_vae(4, hidden=(16,)),
                        lambda m: m.compile(optimizer=keras.optimizers.Adam(1e-2)))
    state = runner.start(0).seed_generator.state.numpy().copy()
    runner.model.seed_generator.next()                     # what every training step does
    assert not np.array_equal(runner.model.seed_generator.state.numpy(), state)
    assert np.array_equal(runner.start(0).seed_generator.state.numpy(), state)
