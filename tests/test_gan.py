import keras
import numpy as np
import pytest

from course_utils.gan import (
    GAN,
    dcgan,
    decaying_optimizers,
    mlp_discriminator,
    mlp_generator,
    ring_gan,
)
from course_utils.toy_data import ring_of_gaussians


def _weights(model):
    return [np.array(w) for w in model.weights]


def _changed(before, model):
    return [not np.array_equal(b, np.asarray(a)) for b, a in zip(before, model.weights,
                                                                   strict=True)]


@pytest.mark.parametrize("loss, spectral_norm",
                         [("non_saturating", False), ("wgan-gp", False), ("non_saturating", True)])
def test_each_half_step_updates_only_its_own_network(loss, spectral_norm):
    gan = ring_gan(loss, spectral_norm=spectral_norm, hidden=(16,), seed=0)
    gan.compile()
    real = ring_of_gaussians(32, seed=0)

    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    gan.discriminator_step(real)
    assert not any(_changed(g_before, gan.generator))
    assert any(_changed(d_before, gan.discriminator))  # (a critic's output bias gets no gradient)

    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    gan.generator_step(32)
    assert all(_changed(g_before, gan.generator))
    assert not any(_changed(d_before, gan.discriminator))


def test_fit_reports_both_losses_and_trains_both_networks():
    gan = ring_gan(hidden=(16,), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    g_before, d_before = _weights(gan.generator), _weights(gan.discriminator)
    history = gan.fit(ring_of_gaussians(64, seed=1), epochs=2, batch_size=32, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(history.history["d_loss"]))
    assert all(_changed(g_before, gan.generator)) and all(_changed(d_before, gan.discriminator))


def test_non_saturating_losses_at_an_undecided_discriminator():
    # a discriminator that outputs logit 0 everywhere: D = 1/2, so d_loss = 2 ln 2, g_loss = ln 2
    discriminator = mlp_discriminator(2, (4,))
    for w in discriminator.weights:
        w.assign(np.zeros(w.shape, "float32"))
    gan = GAN(mlp_generator(4, (8,)), discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    real = ring_of_gaussians(16)
    assert float(gan.discriminator_step(real)) == pytest.approx(2 * np.log(2), rel=1e-5)
    assert float(gan.generator_step(16)) == pytest.approx(np.log(2), rel=1e-5)


def test_gradient_penalty_of_a_linear_critic():
    # D(x) = 3 * x_1 has gradient norm 3 everywhere: penalty (3 - 1)^2 = 4
    discriminator = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    discriminator.layers[0].kernel.assign(np.array([[3.0], [0.0]], "float32"))
    gan = GAN(mlp_generator(4, (8,)), discriminator, loss="wgan-gp", seed=0)
    real = ring_of_gaussians(16)
    fake = np.zeros_like(real)
    assert float(gan.gradient_penalty(real, fake)) == pytest.approx(4.0, rel=1e-4)


def test_arguments_builders_and_saving(tmp_path):
    with pytest.raises(ValueError, match="loss"):
        ring_gan("minimax")
    with pytest.raises(ValueError, match="n_critic"):
        GAN(mlp_generator(), mlp_discriminator(), n_critic=0)
    assert ring_gan("wgan-gp").n_critic == 5
    sn = ring_gan(spectral_norm=True, hidden=(8,))
    assert any(isinstance(layer, keras.layers.SpectralNormalization)
               for layer in sn.discriminator.layers)
    images = dcgan(16, seed=0).generate(3)
    assert images.shape == (3, 28, 28) and images.min() >= 0 and images.max() <= 1
    gan = ring_gan(hidden=(8,), seed=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.generate(5), gan.generate(5), atol=1e-6)


def test_decaying_optimizers_follow_the_loss():
    d_opt, g_opt = decaying_optimizers(ring_gan("wgan-gp", hidden=(8,)), 1e-3, 10)
    assert (d_opt.beta_1, d_opt.beta_2, g_opt.beta_2) == (0.5, 0.9, 0.9)
    assert float(g_opt.learning_rate) == pytest.approx(1e-3)
    _, g_opt = decaying_optimizers(ring_gan(hidden=(8,)), 1e-3, 10)
    assert g_opt.beta_2 == 0.999
    with pytest.raises(ValueError, match="generator_steps"):
        decaying_optimizers(ring_gan(hidden=(8,)), 1e-3, 0)


def test_saturating_generator_loss_at_an_undecided_discriminator():
    # logit 0: log(1 - 1/2) = -ln 2 for the saturating loss
    discriminator = mlp_discriminator(2, (4,))
    for w in discriminator.weights:
        w.assign(np.zeros(w.shape, "float32"))
    gan = GAN(mlp_generator(4, (8,)), discriminator, loss="saturating", seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    assert float(gan.generator_step(16)) == pytest.approx(-np.log(2), rel=1e-5)
    assert float(gan.discriminator_step(ring_of_gaussians(16))) == pytest.approx(2 * np.log(2),
                                                                                  rel=1e-5)


def test_fresh_batches_give_every_critic_step_its_own_part_of_the_batch():
    gan = ring_gan("wgan-gp", hidden=(8,), seed=0, gp_weight=0.1, fresh_batches=True)
    assert gan.gp_weight == 0.1 and gan.fresh_batches
    seen = []
    original = gan.discriminator_step

    def spy(real):
        seen.append(np.asarray(real))
        return original(real)

    gan.discriminator_step = spy
    gan.compile()
    batch = ring_of_gaussians(5 * 4, seed=3)
    gan.train_step(batch)
    assert [part.shape for part in seen] == [(4, 2)] * 5
    np.testing.assert_allclose(np.concatenate(seen), batch)
    assert gan.g_optimizer.iterations.numpy() == 1 and gan.d_optimizer.iterations.numpy() == 5


def test_defaults_are_unchanged_for_existing_callers():
    gan = ring_gan("wgan-gp", hidden=(8,))
    assert (gan.gp_weight, gan.fresh_batches, gan.n_critic) == (10.0, False, 5)
    small = ring_gan(hidden=(16,), generator_hidden=(4,))
    assert [layer.units for layer in small.generator.layers] == [4, 2]
    assert [layer.units for layer in small.discriminator.layers] == [16, 1]


def test_mnist_gan_makes_images_and_trains(tmp_path):
    from course_utils.gan import mnist_gan, mnist_gan_optimizers

    gan = mnist_gan(seed=0)
    assert any(isinstance(layer, keras.layers.BatchNormalization)
               for layer in gan.generator.layers)
    images = gan.generate(4)
    assert images.shape == (4, 28, 28) and images.min() >= 0 and images.max() <= 1
    d_opt, g_opt = mnist_gan_optimizers()
    assert float(g_opt.learning_rate) == pytest.approx(5e-4) and d_opt.beta_1 == 0.5
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt)
    gan.fit(np.random.default_rng(0).uniform(size=(32, 28, 28)).astype("float32"), epochs=1,
            batch_size=16, verbose=0)
    assert gan.g_optimizer.iterations.numpy() == 2
    path = tmp_path / "mnist_gan.keras"
    gan.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).generate(3), gan.generate(3),
                               atol=1e-5)
