"""Variational autoencoders: the model, its loss terms, KL warm-up, free bits and active units.

Lesson 07 teaches the pieces; later lessons reuse them from here.

Loss, per image, averaged over the batch (all in nats)::

    reconstruction = sum over pixels of BCE(x, x_hat)           (x_hat decoded from a sampled z)
    kl             = sum over code units of KL(q(z_u | x) || N(0, 1))
    loss           = reconstruction + beta * kl

At ``beta = 1`` the loss is the negative ELBO of a Bernoulli decoder. On binary pixels it is an
upper bound on -log p(x). The course's MNIST pixels are grey levels in [0, 1], where the
Bernoulli likelihood is not a normalised density: then the BCE of a pixel is at least its binary
entropy, so every printed negative ELBO contains ``binary_entropy(images)`` (about 46 nats per
bundled MNIST image) that no model can remove, and it is not a bound on -log p(x). Compare such
numbers only with numbers computed the same way on the same images. With ``free_bits`` the KL
term that is *minimised* is floored per unit (see ``VAE``); the trackers still report the true
KL, so the three trackers always add up.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from course_utils.models import IMAGE_SHAPE, dense_decoder


def reparameterize(z_mean, z_log_var, seed_generator=None):
    """Sample z = mean + exp(log_var / 2) * eps with eps ~ N(0, 1), differentiably.

    The noise comes from ``seed_generator`` (a ``keras.random.SeedGenerator`` or an int seed);
    gradients flow to ``z_mean`` and ``z_log_var`` because the randomness sits in ``eps`` only.
    """
    eps = keras.random.normal(ops.shape(z_mean), seed=seed_generator)
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def kl_per_unit(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, 1)) for every image and code unit, in nats (>= 0)."""
    return -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))


def kl_divergence(z_mean, z_log_var):
    """Closed-form KL of a diagonal Gaussian from the standard normal, summed over the code units:
    one number per image, in nats."""
    return ops.sum(kl_per_unit(z_mean, z_log_var), axis=-1)


def reconstruction_loss(images, reconstructions):
    """Binary cross-entropy summed over the pixels: one number per image, in nats."""
    bce = ops.binary_crossentropy(images, reconstructions)
    return ops.sum(ops.reshape(bce, (ops.shape(bce)[0], -1)), axis=-1)


def binary_entropy(images) -> np.ndarray:
    """Per image, the binary entropy of its pixels summed over the pixels, in nats (float64).

    ``BCE(x, x_hat) >= H(x)`` for every pixel value ``x`` in [0, 1], with equality only at
    ``x_hat = x``: this is the floor under the reconstruction term (and the negative ELBO) of
    grey-level images. It is 0 for binary images.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"images should have shape (n, ...) with n images; got {x.shape}.")
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
        raise ValueError("pixel values must lie in [0, 1].")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = -(np.where(x > 0, x * np.log(x), 0.0)
                  + np.where(x < 1, (1 - x) * np.log1p(-x), 0.0))
    return terms.reshape(len(x), -1).sum(axis=1)


def _check_non_negative(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}.") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return value


@keras.saving.register_keras_serializable(package="course_utils")
class VAE(keras.Model):
    """A variational autoencoder: ``.encoder`` maps images to ``(z_mean, z_log_var)``,
    ``.decoder`` maps codes to pixel probabilities in [0, 1].

    ``fit(x, epochs=...)`` needs no targets and no loss: ``train_step`` computes the loss above
    and updates the trackers ``loss``, ``reconstruction`` and ``kl`` (also ``val_*`` with
    validation data). ``beta`` is a ``keras.Variable`` (``vae.beta.assign(0.5)``; ``KLWarmUp``
    ramps it); ``vae.beta_target`` keeps the value it was built with.

    ``free_bits`` (nats per code unit, Kingma et al. 2016): the minimised KL term is
    ``sum_u max(free_bits, mean over the batch of KL_u)``, so a unit whose KL is below the floor
    gets no push towards the prior. The ``kl`` tracker and ``loss`` report the true KL.

    Calling the model returns the reconstruction decoded from ``z_mean`` (no sampling).
    Survives ``save``/``load_model`` (import ``course_utils.vae`` first in a new session).
    """

    def __init__(self, encoder, decoder, beta: float = 1.0, free_bits: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta_target = _check_non_negative("beta", beta)
        self.free_bits = _check_non_negative("free_bits", free_bits)
        self.seed = seed
        self.beta = keras.Variable(self.beta_target, dtype="float32", trainable=False,
                                   name="beta")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    @property
    def metrics(self):
        return [self.loss_tracker, self.reconstruction_tracker, self.kl_tracker]

    def call(self, inputs, training=False):
        z_mean, _ = self.encoder(inputs, training=training)
        return self.decoder(z_mean, training=training)

    def build(self, input_shape):
        input_shape = (None, *tuple(input_shape)[1:])
        if not self.encoder.built:
            self.encoder.build(input_shape)
        if not self.decoder.built:
            self.decoder.build((None, self.encoder.output_shape[0][-1]))
        super().build(input_shape)

    def loss_terms(self, images, training=False):
        """``(objective, reconstruction, kl)`` for a batch, each averaged over the images."""
        z_mean, z_log_var = self.encoder(images, training=training)
        z = reparameterize(z_mean, z_log_var, self.seed_generator)
        reconstructions = self.decoder(z, training=training)
        reconstruction = ops.mean(reconstruction_loss(images, reconstructions))
        units = kl_per_unit(z_mean, z_log_var)
        kl = ops.mean(ops.sum(units, axis=-1))
        kl_minimised = kl
        if self.free_bits > 0:
            kl_minimised = ops.sum(ops.maximum(ops.mean(units, axis=0), self.free_bits))
        objective = reconstruction + ops.cast(self.beta, "float32") * kl_minimised
        return objective, reconstruction, kl

    def _update_trackers(self, reconstruction, kl):
        self.loss_tracker.update_state(reconstruction + ops.cast(self.beta, "float32") * kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            objective, reconstruction, kl = self.loss_terms(images, training=True)
        grads = tape.gradient(objective, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._update_trackers(reconstruction, kl)

    def test_step(self, data):
        images = data[0] if isinstance(data, tuple) else data
        _, reconstruction, kl = self.loss_terms(images, training=False)
        return self._update_trackers(reconstruction, kl)

    def get_config(self):
        config = super().get_config()
        config.update(
            encoder=keras.saving.serialize_keras_object(self.encoder),
            decoder=keras.saving.serialize_keras_object(self.decoder),
            beta=self.beta_target, free_bits=self.free_bits, seed=self.seed,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"),
                                                        custom_objects=custom_objects)
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"),
                                                        custom_objects=custom_objects)
        return cls(encoder, decoder, **config)


class KLWarmUp(keras.callbacks.Callback):
    """Ramp ``vae.beta`` linearly from 0 to ``target`` over the first ``epochs`` epochs.

    Epoch ``e`` (from 0) trains with ``beta = target * min(1, e / epochs)``; ``target`` defaults
    to the model's ``beta_target``. ``self.betas`` records the value used in each epoch.
    """

    def __init__(self, epochs: int, target: float | None = None):
        super().__init__()
        if not isinstance(epochs, int | np.integer) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
        self.epochs = int(epochs)
        self.target = None if target is None else _check_non_negative("target", target)
        self.betas: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        target = self.model.beta_target if self.target is None else self.target
        beta = target * min(1.0, epoch / self.epochs)
        self.model.beta.assign(beta)
        self.betas.append(beta)


def unit_activity(vae: VAE, images, batch_size: int = 256) -> np.ndarray:
    """Per code unit, the variance over the images of the posterior mean E_q[z_u | x]."""
    z_mean, _ = vae.encoder.predict(np.asarray(images, dtype="float32"),
                                    batch_size=batch_size, verbose=0)
    return np.var(np.asarray(z_mean, dtype="float64"), axis=0)


def active_units(vae: VAE, images, threshold: float = 0.01, batch_size: int = 256) -> int:
    """How many code units are active (Burda et al. 2016): variance over x of E_q[z_u|x]
    above ``threshold``. A collapsed unit ignores the image and stays near the prior."""
    return int(np.sum(unit_activity(vae, images, batch_size) > threshold))


def _gaussian_heads(features, code_size: int, name: str) -> keras.Model:
    inputs, hidden = features
    z_mean = keras.layers.Dense(code_size, name="z_mean")(hidden)
    z_log_var = keras.layers.Dense(code_size, name="z_log_var")(hidden)
    return keras.Model(inputs, [z_mean, z_log_var], name=name)


def _check_code_size(code_size) -> int:
    if not isinstance(code_size, int | np.integer) or code_size < 1:
        raise ValueError(f"code_size must be a whole number >= 1, got {code_size!r}.")
    return int(code_size)


def dense_vae_encoder(code_size: int, hidden: Sequence[int] = (512, 256), *,
                      input_shape: tuple[int, ...] = IMAGE_SHAPE) -> keras.Model:
    """Flatten, Dense ReLU layers, then two Dense heads: ``z_mean`` and ``z_log_var``."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.Flatten()(inputs)
    for units in hidden:
        x = keras.layers.Dense(units, activation="relu")(x)
    return _gaussian_heads((inputs, x), code_size, "vae_encoder")


def dense_vae(code_size: int, hidden: Sequence[int] = (512, 256), *, beta: float = 1.0,
              free_bits: float = 0.0, seed: int | None = None,
              input_shape: tuple[int, ...] = IMAGE_SHAPE) -> VAE:
    """A dense VAE, e.g. 784-512-256-``code_size`` and back, built and uncompiled."""
    code_size = _check_code_size(code_size)
    encoder = dense_vae_encoder(code_size, hidden, input_shape=input_shape)
    decoder = dense_decoder(code_size, tuple(reversed(tuple(hidden))), output_shape=input_shape)
    model = VAE(encoder, decoder, beta=beta, free_bits=free_bits, seed=seed, name="dense_vae")
    model.build((None, *input_shape))
    return model


def conv_vae(code_size: int, *, filters: Sequence[int] = (32, 64), beta: float = 1.0,
             free_bits: float = 0.0, seed: int | None = None) -> VAE:
    """A small conv VAE for 28x28 images: two stride-2 convolutions down, two up. Built."""
    code_size = _check_code_size(code_size)
    f1, f2 = filters
    inputs = keras.Input(shape=IMAGE_SHAPE)
    x = keras.layers.Reshape((*IMAGE_SHAPE, 1))(inputs)
    x = keras.layers.Conv2D(f1, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(f2, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Dense(128, activation="relu")(keras.layers.Flatten()(x))
    encoder = _gaussian_heads((inputs, x), code_size, "conv_vae_encoder")
    decoder = keras.Sequential([
        keras.Input(shape=(code_size,)),
        keras.layers.Dense(7 * 7 * f2, activation="relu"),
        keras.layers.Reshape((7, 7, f2)),
        keras.layers.Conv2DTranspose(f2, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(f1, 3, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
        keras.layers.Reshape(IMAGE_SHAPE),
    ], name="conv_vae_decoder")
    model = VAE(encoder, decoder, beta=beta, free_bits=free_bits, seed=seed, name="conv_vae")
    model.build((None, *IMAGE_SHAPE))
    return model


def negative_elbo(vae: VAE, images, batch_size: int = 500, seed: int = 0) -> float:
    """Mean over ``images`` of reconstruction + KL (beta = 1, one sampled z per image), nats.

    On grey-level pixels this includes the floor ``binary_entropy(images).mean()`` (see the
    module docstring); it is a bound on -log p(x) only for binary images.
    """
    images = np.asarray(images, dtype="float32")
    generator = keras.random.SeedGenerator(seed)
    total = 0.0
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        z_mean, z_log_var = vae.encoder(batch, training=False)
        z = reparameterize(z_mean, z_log_var, generator)
        terms = reconstruction_loss(batch, vae.decoder(z, training=False))
        terms = terms + kl_divergence(z_mean, z_log_var)
        total += float(ops.sum(terms))
    return total / len(images)
