"""course_utils.noise and course_utils.sparsity: noise statistics, reproducibility, KL penalty."""

import functools

import keras
import numpy as np
import pytest

from course_utils.models import dense_autoencoder
from course_utils.noise import (
    NoisyBatches,
    add_gaussian_noise,
    add_masking_noise,
    add_salt_and_pepper_noise,
    as_generator,
    changed_share,
)
from course_utils.sparsity import (
    KLSparsity,
    activity_stats,
    keras_divides_activity_penalty,
    kl_sparsity,
)

IMAGES = np.random.default_rng(0).uniform(0.2, 0.8, (100, 28, 28)).astype(np.float32)


def test_gaussian_noise_statistics_clipping_and_input_untouched():
    before = IMAGES.copy()
    noisy = add_gaussian_noise(IMAGES, 0.05, rng=1)
    assert np.array_equal(IMAGES, before)
    assert noisy.shape == IMAGES.shape and noisy.dtype == np.float32
    noise = noisy - IMAGES
    assert abs(noise.mean()) < 0.002 and noise.std() == pytest.approx(0.05, rel=0.03)
    heavy = add_gaussian_noise(np.full((50, 28, 28), 0.5, np.float32), 1.0, rng=2)
    assert heavy.min() == 0.0 and heavy.max() == 1.0
    assert (heavy == 0).mean() == pytest.approx(0.3085, abs=0.02)
    assert np.array_equal(add_gaussian_noise(IMAGES, 0.0, rng=3), IMAGES)


def test_masking_noise_drops_the_fraction_and_keeps_the_rest():
    masked = add_masking_noise(IMAGES, 0.3, rng=np.random.default_rng(4))
    dropped = masked == 0
    assert dropped.mean() == pytest.approx(0.3, abs=0.01)
    assert np.array_equal(masked[~dropped], IMAGES[~dropped])
    assert masked.dtype == np.float32
    assert np.array_equal(add_masking_noise(IMAGES, 0.0, rng=5), IMAGES)
    assert not add_masking_noise(IMAGES, 1.0, rng=5).any()


@pytest.mark.parametrize("corrupt", [functools.partial(add_gaussian_noise, std=0.2),
                                     functools.partial(add_masking_noise, fraction=0.5)])
def test_noise_is_reproducible_from_the_seed_or_generator(corrupt):
    assert np.array_equal(corrupt(IMAGES, rng=7), corrupt(IMAGES, rng=np.random.default_rng(7)))
    assert not np.array_equal(corrupt(IMAGES, rng=7), corrupt(IMAGES, rng=8))
    generator = np.random.default_rng(9)
    assert not np.array_equal(corrupt(IMAGES, rng=generator), corrupt(IMAGES, rng=generator))


@pytest.mark.parametrize("bad", [None, 1.5, -1, True, "seed"])
def test_rng_must_be_explicit(bad):
    with pytest.raises(TypeError, match="rng must be"):
        as_generator(bad)


def test_salt_and_pepper_hits_the_fraction_with_both_values_and_is_reproducible():
    noisy = add_salt_and_pepper_noise(IMAGES, 0.2, rng=7)
    hit = noisy != IMAGES  # IMAGES lie in [0.2, 0.8]: every hit changes the pixel
    assert noisy.dtype == np.float32 and hit.mean() == pytest.approx(0.2, abs=0.005)
    assert set(np.unique(noisy[hit])) == {0.0, 1.0}
    assert (noisy[hit] == 1.0).mean() == pytest.approx(0.5, abs=0.02)
    assert np.array_equal(noisy, add_salt_and_pepper_noise(IMAGES, 0.2, rng=7))
    assert np.array_equal(add_salt_and_pepper_noise(IMAGES, 0.0, rng=1), IMAGES)
    with pytest.raises(ValueError, match="fraction"):
        add_salt_and_pepper_noise(IMAGES, -0.1, rng=0)


def test_pepper_on_black_changes_nothing():
    black = np.zeros((50, 28, 28), np.float32)
    noisy = add_salt_and_pepper_noise(black, 0.4, rng=3)
    assert changed_share(black, noisy) == pytest.approx(0.2, abs=0.01)  # only the salt shows
    assert changed_share(IMAGES, IMAGES) == 0.0


def test_noise_arguments_are_validated():
    with pytest.raises(ValueError, match="std"):
        add_gaussian_noise(IMAGES, -0.1, rng=0)
    with pytest.raises(ValueError, match="fraction"):
        add_masking_noise(IMAGES, 1.5, rng=0)


def test_noisy_batches_fresh_noise_each_epoch_and_reproducible():
    batches = NoisyBatches(IMAGES, functools.partial(add_gaussian_noise, std=0.3), batch_size=32,
                           seed=1)
    assert len(batches) == 4
    noisy, clean = batches[0]
    assert noisy.shape == clean.shape == (32, 28, 28)
    assert np.array_equal(batches[0][0], noisy)  # same (seed, epoch, index): same batch
    assert sum(len(batches[i][1]) for i in range(len(batches))) == len(IMAGES)
    batches.on_epoch_end()
    assert not np.array_equal(batches[0][1], clean)  # a new order
    again = NoisyBatches(IMAGES, functools.partial(add_gaussian_noise, std=0.3), batch_size=32,
                         seed=1)
    assert np.array_equal(again[0][0], noisy)


def test_noisy_batches_train_a_model():
    model = dense_autoencoder(4, hidden=(8,))
    model.compile(optimizer="adam", loss="mse")
    batches = NoisyBatches(IMAGES, functools.partial(add_masking_noise, fraction=0.5),
                           batch_size=50, seed=0)
    history = model.fit(batches, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert batches.epoch >= 2  # one new order and new noise per epoch (Keras also resets once)


def _numpy_kl(codes, rho):
    rho_hat = np.clip(codes.mean(axis=0), 1e-6, 1 - 1e-6)
    return np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


def test_kl_sparsity_matches_numpy_and_is_zero_at_the_target():
    codes = np.random.default_rng(1).random((64, 10)).astype(np.float32) * 0.4
    assert float(kl_sparsity(codes, 0.05)) == pytest.approx(_numpy_kl(codes, 0.05), rel=1e-4)
    assert float(kl_sparsity(np.full((5, 3), 0.05, np.float32), 0.05)) == pytest.approx(0, abs=1e-6)
    for value in (0.0, 1.0):
        assert np.isfinite(float(kl_sparsity(np.full((4, 3), value, np.float32), 0.05)))


def test_kl_regularizer_adds_exactly_weight_times_kl_to_the_loss():
    layer = keras.layers.Dense(6, activation="sigmoid",
                               activity_regularizer=KLSparsity(rho=0.1, weight=2.0))
    outputs = layer(np.random.default_rng(2).normal(size=(32, 5)).astype(np.float32))
    expected = 2.0 * _numpy_kl(keras.ops.convert_to_numpy(outputs), 0.1)
    assert float(sum(layer.losses)) == pytest.approx(expected, rel=1e-4)
    assert isinstance(keras_divides_activity_penalty(), bool)


def test_kl_regularizer_serialises_and_validates():
    regularizer = KLSparsity(rho=0.05, weight=3.0)
    assert regularizer.get_config() == {"rho": 0.05, "weight": 3.0}
    again = keras.regularizers.deserialize(keras.regularizers.serialize(regularizer))
    assert isinstance(again, KLSparsity) and again.get_config() == regularizer.get_config()
    model = dense_autoencoder(5, hidden=(), code_activation="sigmoid",
                              activity_regularizer=regularizer)
    clone = keras.Sequential.from_config(model.encoder.get_config())
    assert isinstance(clone.get_layer("code").activity_regularizer, KLSparsity)
    with pytest.raises(ValueError, match="rho"):
        KLSparsity(rho=0.0)
    with pytest.raises(ValueError, match="weight"):
        KLSparsity(weight=-1.0)


def test_activity_stats_counts_active_units_and_firing_rates():
    codes = np.array([[0.0, 0.5, 0.2], [0.05, 0.9, 0.0], [0.0, 0.3, 0.1]], dtype=np.float32)
    stats = activity_stats(codes, threshold=0.1)
    assert stats.active_per_image.tolist() == [2, 1, 1]
    assert stats.mean_active == pytest.approx(4 / 3)
    assert stats.firing_rates.tolist() == pytest.approx([0.0, 1.0, 1 / 3])
    assert stats.dead_units == 1 and stats.units == 3
    assert stats.mean_activation == pytest.approx(codes.mean(axis=0))
    assert "1.3 of 3 units active" in stats.summary() and "code > 0.1" in stats.summary()
    with pytest.raises(ValueError, match="shape"):
        activity_stats(np.zeros(5))


def test_neighbour_correlation_tells_strokes_from_noise():
    from course_utils.sparsity import neighbour_correlation

    rng = np.random.default_rng(3)
    noise = rng.normal(size=(5, 784))
    yy, xx = np.mgrid[:28, :28]
    blob = np.exp(-((yy - 14) ** 2 + (xx - 10) ** 2) / 30.0).reshape(1, 784)
    values = neighbour_correlation(np.concatenate([noise, blob, np.zeros((1, 784))]))
    assert values.shape == (7,)
    assert np.all(np.abs(values[:5]) < 0.15) and values[5] > 0.9 and values[6] == 0.0
