import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.vae import (
    VAE,
    KLWarmUp,
    active_units,
    binary_entropy,
    conv_vae,
    dense_vae,
    kl_divergence,
    kl_per_unit,
    negative_elbo,
    reconstruction_loss,
    reparameterize,
    unit_activity,
)


def _images(n=16, seed=0):
    # pixels in [0, 0.9]: a batch need not contain a 1
    return (0.9 * np.random.default_rng(seed).random((n, 28, 28))).astype("float32")


def _numpy_kl(mean, log_var):
    var = np.exp(log_var)
    return 0.5 * np.sum(var + mean**2 - 1.0 - log_var, axis=-1)


def test_kl_matches_closed_form_and_is_zero_for_the_prior():
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 3)).astype("float32")
    log_var = rng.normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(kl_divergence(mean, log_var), _numpy_kl(mean, log_var), rtol=1e-5)
    assert np.all(np.asarray(kl_per_unit(mean, log_var)) >= 0)
    zeros = np.zeros((4, 2), "float32")
    np.testing.assert_allclose(kl_divergence(zeros, zeros), 0.0, atol=1e-7)


def test_kl_reads_log_variance_not_variance():
    # log_var = log(4): the variance is 4. Reading 4 as the variance (log_var = 4) differs.
    mean = np.zeros((1, 1), "float32")
    kl = float(kl_divergence(mean, np.full((1, 1), np.log(4.0), "float32"))[0])
    assert kl == pytest.approx(0.5 * (4.0 - 1.0 - np.log(4.0)), rel=1e-5)
    wrong = 0.5 * (np.exp(4.0) - 1.0 - 4.0)
    assert abs(kl - wrong) > 1.0


def test_reparameterisation_samples_with_std_from_log_var_and_passes_gradients():
    mean = tf.Variable(np.full((20000, 1), 3.0, "float32"))
    log_var = tf.Variable(np.full((20000, 1), np.log(0.25), "float32"))
    with tf.GradientTape() as tape:
        z = reparameterize(mean, log_var, keras.random.SeedGenerator(0))
        total = tf.reduce_sum(z**2)
    z = np.asarray(z)
    assert z.mean() == pytest.approx(3.0, abs=0.02)
    assert z.std() == pytest.approx(0.5, abs=0.02)  # std = exp(log_var / 2)
    grad_mean, grad_log_var = tape.gradient(total, [mean, log_var])
    assert grad_mean is not None and np.abs(grad_mean).sum() > 0
    assert grad_log_var is not None and np.abs(grad_log_var).sum() > 0


def test_trackers_add_up_and_fit_reports_them():
    images = _images(32)
    vae = dense_vae(3, hidden=(16,), beta=0.5, seed=0)
    objective, reconstruction, kl = vae.loss_terms(images)
    assert float(objective) == pytest.approx(float(reconstruction) + 0.5 * float(kl), rel=1e-5)
    vae.compile(optimizer="adam")
    logs = vae.evaluate(images, batch_size=32, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "reconstruction", "kl"}
    assert logs["loss"] == pytest.approx(logs["reconstruction"] + 0.5 * logs["kl"], rel=1e-5)
    history = vae.fit(images, epochs=2, batch_size=16, verbose=0)
    assert {"loss", "reconstruction", "kl"} <= set(history.history)


def test_reconstruction_is_summed_bce_per_image():
    images = _images(3)
    outputs = np.clip(images + 0.05, 0.01, 0.99).astype("float32")
    expected = -np.sum(images * np.log(outputs) + (1 - images) * np.log(1 - outputs), axis=(1, 2))
    np.testing.assert_allclose(reconstruction_loss(images, outputs), expected, rtol=1e-4)


def test_free_bits_floor_the_minimised_kl_only():
    images = _images(8)
    plain = dense_vae(4, hidden=(8,), seed=0)
    floored = VAE(plain.encoder, plain.decoder, free_bits=5.0, seed=0)
    objective, reconstruction, kl = floored.loss_terms(images)
    # a fresh encoder has a KL far below 5 nats per unit: the floor sets the minimised term
    assert float(kl) < 4 * 5.0
    assert float(objective) == pytest.approx(float(reconstruction) + 4 * 5.0, rel=1e-5)
    floored.compile(optimizer="adam")
    logs = floored.evaluate(images, batch_size=8, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["reconstruction"] + logs["kl"], rel=1e-5)


def test_bad_beta_and_free_bits_are_refused():
    vae = dense_vae(2, hidden=(8,))
    with pytest.raises(ValueError, match="beta"):
        VAE(vae.encoder, vae.decoder, beta=-1.0)
    with pytest.raises(ValueError, match="free_bits"):
        VAE(vae.encoder, vae.decoder, free_bits=-0.5)
    with pytest.raises(ValueError, match="epochs"):
        KLWarmUp(0)


def test_kl_warm_up_ramps_beta_linearly():
    vae = dense_vae(2, hidden=(8,), beta=2.0, seed=0)
    vae.compile(optimizer="adam")
    warm_up = KLWarmUp(4)
    vae.fit(_images(8), epochs=6, batch_size=8, verbose=0, callbacks=[warm_up])
    assert warm_up.betas == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.0])
    assert float(vae.beta.numpy()) == pytest.approx(2.0)


def test_active_units_counts_units_that_follow_the_image():
    inputs = keras.Input(shape=(28, 28))
    flat = keras.layers.Flatten()(inputs)
    # unit 1 follows the mean pixel strongly, units 2-3 are constant (collapsed)
    kernel = np.zeros((784, 3), "float32")
    kernel[:, 0] = 100.0 / 784
    z_mean = keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(kernel))(flat)
    z_log_var = keras.layers.Dense(3, kernel_initializer="zeros")(flat)
    encoder = keras.Model(inputs, [z_mean, z_log_var])
    vae = VAE(encoder, dense_vae(3, hidden=(8,)).decoder)
    images = _images(64)
    activity = unit_activity(vae, images)
    assert activity[0] > 0.01 and np.all(activity[1:] < 1e-10)
    assert active_units(vae, images) == 1
    assert active_units(vae, images, threshold=10.0) == 0


def test_builders_save_and_load(tmp_path):
    vae = dense_vae(2, hidden=(16, 8), beta=0.5, free_bits=0.1)
    assert vae.encoder(_images(2))[0].shape == (2, 2)
    assert conv_vae(3)(_images(2)).shape == (2, 28, 28)
    path = tmp_path / "vae.keras"
    vae.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, VAE)
    assert (loaded.beta_target, loaded.free_bits) == (0.5, 0.1)
    np.testing.assert_allclose(loaded(_images(2)), vae(_images(2)), atol=1e-6)
    assert negative_elbo(vae, _images(4)) > 0


def test_binary_entropy_is_the_floor_of_the_summed_bce():
    rng = np.random.default_rng(0)
    images = rng.random((3, 28, 28)).astype("float32")
    images[:, :4] = 0.0  # blank and saturated pixels have no entropy
    images[:, -4:] = 1.0
    floor = binary_entropy(images)
    assert floor.shape == (3,) and floor.dtype == np.float64
    # the BCE of a perfect reconstruction is the entropy; any other reconstruction costs more
    perfect = keras.ops.convert_to_numpy(reconstruction_loss(images, images))
    assert np.allclose(perfect, floor, rtol=1e-3)
    worse = keras.ops.convert_to_numpy(reconstruction_loss(images, np.clip(images + 0.1, 0, 1)))
    assert np.all(worse > floor)
    assert np.allclose(binary_entropy(np.round(images)), 0.0)
    assert np.isclose(binary_entropy(np.full((1, 2), 0.5))[0], 2 * np.log(2))


@pytest.mark.parametrize("bad", [np.full((2, 4), 1.5), np.full((2, 4), np.nan), np.zeros(4)])
def test_binary_entropy_refuses_values_that_are_not_pixels(bad):
    with pytest.raises(ValueError):
        binary_entropy(bad)
