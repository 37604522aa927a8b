"""Generative adversarial networks: a GAN model with two optimizers, and small builders.

Three objectives (``loss=``):

- ``"non_saturating"`` (Goodfellow et al. 2014): the discriminator outputs a logit and minimises
  ``softplus(-D(x)) + softplus(D(G(z)))`` (binary cross-entropy, real = 1, fake = 0); the
  generator minimises ``softplus(-D(G(z)))``, i.e. maximises log D(G(z)) rather than minimising
  log(1 - D(G(z))), which saturates when the discriminator wins.
- ``"saturating"``: the same discriminator; the generator minimises log(1 - D(G(z))) =
  ``-softplus(D(G(z)))``, the literal minimax game (kept to show why it is avoided).
- ``"wgan-gp"`` (Gulrajani et al. 2017): a critic minimises ``D(G(z)) - D(x)`` plus
  ``gp_weight * (||grad D(x_mix)|| - 1)^2`` on random mixes of real and fake points, and takes
  ``n_critic`` steps per generator step; the generator minimises ``-D(G(z))``. With
  ``fresh_batches=True`` every critic step gets its own real batch, as in the authors' toy code
  (the batch passed to ``train_step`` is cut into ``n_critic`` equal parts); by default all
  critic steps share one batch.

Each half-step changes only its own network's weights: the discriminator step applies
gradients to ``discriminator.trainable_weights`` only, the generator step to
``generator.trainable_weights`` only. A generator with batch normalisation runs in training
mode (batch statistics) in both half-steps, so its moving averages are updated in both, and in
inference mode (moving averages) in ``generate``.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from course_utils.models import IMAGE_SHAPE

LOSSES = ("non_saturating", "saturating", "wgan-gp")


@keras.saving.register_keras_serializable(package="course_utils")
class GAN(keras.Model):
    """A ``.generator`` (noise -> sample) and a ``.discriminator`` (sample -> one logit/score).

    ``compile(d_optimizer=..., g_optimizer=...)`` (defaults: Adam 2e-4, beta_1 0.5 for the
    non-saturating loss; Adam 1e-4, betas 0.5/0.9 for WGAN-GP), then ``fit(x, epochs=...)``
    with no targets. Trackers: ``d_loss`` and ``g_loss`` (for WGAN-GP, ``d_loss`` includes the
    penalty). ``discriminator_step(real)`` and ``generator_step(n)`` are the two half-steps;
    ``generate(n, seed)`` returns samples as a numpy array; ``decaying_optimizers`` makes a
    pair of optimizers whose learning rate decays to 0 (sharper samples in short runs).
    Calling the model on noise runs the generator.
    """

    def __init__(self, generator, discriminator, loss: str = "non_saturating",
                 gp_weight: float = 10.0, n_critic: int | None = None,
                 seed: int | None = None, fresh_batches: bool = False, **kwargs):
        super().__init__(**kwargs)
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
        n_critic = (5 if loss == "wgan-gp" else 1) if n_critic is None else n_critic
        if not isinstance(n_critic, int | np.integer) or n_critic < 1:
            raise ValueError(f"n_critic must be a whole number >= 1, got {n_critic!r}.")
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight!r}.")
        self.generator = generator
        self.discriminator = discriminator
        self.loss_name = loss
        self.gp_weight = float(gp_weight)
        self.n_critic = int(n_critic)
        self.seed = seed
        self.fresh_batches = bool(fresh_batches)
        self.latent_dim = int(generator.input_shape[-1])
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.built = generator.built and discriminator.built

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Two optimizers, one per network; other keyword arguments go to ``Model.compile``."""
        wgan = self.loss_name == "wgan-gp"
        self.d_optimizer = d_optimizer or _default_optimizer(wgan)
        self.g_optimizer = g_optimizer or _default_optimizer(wgan)
        super().compile(**kwargs)
        self.d_optimizer.build(self.discriminator.trainable_weights)
        self.g_optimizer.build(self.generator.trainable_weights)

    def noise(self, n):
        """A batch of ``n`` latent vectors from N(0, 1)."""
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def discriminator_step(self, real):
        """One update of the discriminator only; returns its loss."""
        fake = self.generator(self.noise(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            real_score = self.discriminator(real, training=True)
            fake_score = self.discriminator(fake, training=True)
            if self.loss_name == "wgan-gp":
                loss = ops.mean(fake_score) - ops.mean(real_score)
                loss = loss + self.gp_weight * self.gradient_penalty(real, fake)
            else:
                loss = ops.mean(ops.softplus(-real_score)) + ops.mean(ops.softplus(fake_score))
        weights = self.discriminator.trainable_weights
        grads = tape.gradient(loss, weights)
        self.d_optimizer.apply_gradients(zip(grads, weights, strict=True))
        return loss

    def generator_step(self, n):
        """One update of the generator only (on ``n`` noise vectors); returns its loss."""
        noise = self.noise(n)
        with tf.GradientTape() as tape:
            score = self.discriminator(self.generator(noise, training=True), training=False)
            if self.loss_name == "wgan-gp":
                loss = -ops.mean(score)
            elif self.loss_name == "saturating":
                loss = -ops.mean(ops.softplus(score))  # log(1 - D(G(z)))
            else:
                loss = ops.mean(ops.softplus(-score))  # non-saturating: -log D(G(z))
        weights = self.generator.trainable_weights
        grads = tape.gradient(loss, weights)
        self.g_optimizer.apply_gradients(zip(grads, weights, strict=True))
        return loss

    def gradient_penalty(self, real, fake):
        """Mean of (||grad_x D(x)|| - 1)^2 at random points between real and fake samples."""
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        alpha = keras.random.uniform(shape, seed=self.seed_generator)
        mixed = real + alpha * (fake - real)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = self.discriminator(mixed, training=True)
        grads = tape.gradient(score, mixed)
        norms = ops.sqrt(ops.sum(ops.reshape(ops.square(grads), (shape[0], -1)), axis=1) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def train_step(self, data):
        real = data[0] if isinstance(data, tuple) else data
        real = ops.cast(real, "float32")
        if self.fresh_batches and self.n_critic > 1:  # one fresh real batch per critic step
            size = ops.shape(real)[0] // self.n_critic
            for i in range(self.n_critic):
                d_loss = self.discriminator_step(real[i * size:(i + 1) * size])
            g_loss = self.generator_step(size)
        else:
            for _ in range(self.n_critic):
                d_loss = self.discriminator_step(real)
            g_loss = self.generator_step(ops.shape(real)[0])
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def generate(self, n: int, seed: int = 0, batch_size: int = 1000) -> np.ndarray:
        """``n`` samples from the generator, reproducible for a given ``seed``."""
        noise = np.random.default_rng(seed).normal(size=(n, self.latent_dim)).astype("float32")
        return np.asarray(self.generator.predict(noise, batch_size=batch_size, verbose=0))

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            loss=self.loss_name, gp_weight=self.gp_weight, n_critic=self.n_critic,
            seed=self.seed, fresh_batches=self.fresh_batches,
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        parts = {key: keras.saving.deserialize_keras_object(config.pop(key),
                                                            custom_objects=custom_objects)
                 for key in ("generator", "discriminator")}
        return cls(**parts, **config)


def _default_optimizer(wgan: bool):
    if wgan:
        return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.9)
    return keras.optimizers.Adam(2e-4, beta_1=0.5)


def decaying_optimizers(gan: GAN, learning_rate: float, generator_steps: int):
    """``(d_optimizer, g_optimizer)``: Adam (beta_1 0.5; beta_2 0.9 for WGAN-GP) whose learning
    rate falls from ``learning_rate`` to 0 along a cosine over ``generator_steps`` generator
    steps (and ``n_critic`` times as many discriminator steps). The decay sharpens the samples
    at the end of a short run: on the ring it lifts WGAN-GP's high-quality share markedly."""
    if generator_steps < 1:
        raise ValueError(f"generator_steps must be >= 1, got {generator_steps!r}.")
    beta_2 = 0.9 if gan.loss_name == "wgan-gp" else 0.999

    def adam(steps):
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        return keras.optimizers.Adam(schedule, beta_1=0.5, beta_2=beta_2)

    return adam(generator_steps * gan.n_critic), adam(generator_steps)


def mlp_generator(latent_dim: int = 8, hidden: Sequence[int] = (128, 128),
                  output_dim: int = 2) -> keras.Sequential:
    """Noise -> Dense ReLU layers -> a linear point in ``output_dim`` dimensions."""
    layers = [keras.Input(shape=(latent_dim,))]
    layers += [keras.layers.Dense(units, activation="relu") for units in hidden]
    layers.append(keras.layers.Dense(output_dim, name="point"))
    return keras.Sequential(layers, name="generator")


def mlp_discriminator(input_dim: int = 2, hidden: Sequence[int] = (128, 128), *,
                      spectral_norm: bool = False) -> keras.Sequential:
    """Point -> Dense ReLU layers -> one logit (score); optionally spectrally normalised."""
    def dense(units, **kwargs):
        layer = keras.layers.Dense(units, **kwargs)
        return keras.layers.SpectralNormalization(layer) if spectral_norm else layer

    layers = [keras.Input(shape=(input_dim,))]
    layers += [dense(units, activation="relu") for units in hidden]
    layers.append(dense(1, name="logit"))
    return keras.Sequential(layers, name="discriminator")


def ring_gan(loss: str = "non_saturating", *, spectral_norm: bool = False, latent_dim: int = 8,
             hidden: Sequence[int] = (128, 128), seed: int | None = None,
             generator_hidden: Sequence[int] | None = None, gp_weight: float = 10.0,
             fresh_batches: bool = False) -> GAN:
    """An MLP GAN for 2-D points (e.g. ``toy_data.ring_of_gaussians``); uncompiled.

    ``generator_hidden`` (default: ``hidden``) sizes the generator alone; ``gp_weight`` and
    ``fresh_batches`` go to ``GAN`` (the authors' toy WGAN-GP: ``gp_weight=0.1``,
    ``fresh_batches=True``, batches of ``5 * 256`` points)."""
    discriminator = mlp_discriminator(2, hidden, spectral_norm=spectral_norm)
    generator = mlp_generator(latent_dim, hidden if generator_hidden is None else generator_hidden)
    return GAN(generator, discriminator, loss=loss, seed=seed, gp_weight=gp_weight,
               fresh_batches=fresh_batches,
               name=f"ring_gan_{loss.replace('-', '_')}{'_sn' if spectral_norm else ''}")


def dcgan_generator(latent_dim: int = 32, filters: Sequence[int] = (64, 32)) -> keras.Sequential:
    """Noise -> Dense 7x7 maps -> two stride-2 transposed convolutions -> 28x28 in [0, 1]."""
    f1, f2 = filters
    return keras.Sequential([
        keras.Input(shape=(latent_dim,)),
        keras.layers.Dense(7 * 7 * f1),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Reshape((7, 7, f1)),
        keras.layers.Conv2DTranspose(f2, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),
        keras.layers.Reshape(IMAGE_SHAPE),
    ], name="dcgan_generator")


def dcgan_discriminator(filters: Sequence[int] = (32, 64)) -> keras.Sequential:
    """28x28 image -> two stride-2 convolutions with LeakyReLU -> one logit."""
    f1, f2 = filters
    return keras.Sequential([
        keras.Input(shape=IMAGE_SHAPE),
        keras.layers.Reshape((*IMAGE_SHAPE, 1)),
        keras.layers.Conv2D(f1, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Conv2D(f2, 4, strides=2, padding="same"),
        keras.layers.LeakyReLU(0.2),
        keras.layers.Flatten(),
        keras.layers.Dense(1, name="logit"),
    ], name="dcgan_discriminator")


def dcgan(latent_dim: int = 32, *, loss: str = "non_saturating",
          seed: int | None = None) -> GAN:
    """A small DCGAN for 28x28 MNIST images in [0, 1]; uncompiled."""
    return GAN(dcgan_generator(latent_dim), dcgan_discriminator(), loss=loss, seed=seed,
               name="dcgan")


def mnist_gan(latent_dim: int = 32, hidden: Sequence[int] = (256,), *,
              momentum: float = 0.9, dropout: float = 0.3, seed: int | None = None) -> GAN:
    """A dense GAN for 28x28 MNIST images in [0, 1]; uncompiled.

    Generator: noise -> (Dense, batch norm, LeakyReLU 0.2) per ``hidden`` size -> 784 sigmoid
    pixels. Discriminator: image -> (Dense, LeakyReLU 0.2, dropout) per reversed size -> one
    logit. Non-saturating loss; :func:`mnist_gan_optimizers` gives the optimizers it was tuned
    with (Adam 5e-4, beta_1 0.5; batches of 64).
    """
    generator = [keras.Input(shape=(latent_dim,))]
    for units in hidden:
        generator += [keras.layers.Dense(units, use_bias=False),
                      keras.layers.BatchNormalization(momentum=momentum),
                      keras.layers.LeakyReLU(0.2)]
    generator += [keras.layers.Dense(784, activation="sigmoid", name="pixels"),
                  keras.layers.Reshape(IMAGE_SHAPE)]
    discriminator = [keras.Input(shape=IMAGE_SHAPE), keras.layers.Flatten()]
    for units in reversed(tuple(hidden)):
        discriminator += [keras.layers.Dense(units), keras.layers.LeakyReLU(0.2)]
        if dropout:
            discriminator.append(keras.layers.Dropout(dropout))
    discriminator.append(keras.layers.Dense(1, name="logit"))
    return GAN(keras.Sequential(generator, name="generator"),
               keras.Sequential(discriminator, name="discriminator"), seed=seed,
               name="mnist_gan")


def mnist_gan_optimizers(learning_rate: float = 5e-4):
    """``(d_optimizer, g_optimizer)`` for :func:`mnist_gan`: Adam, beta_1 0.5, constant rate."""
    return (keras.optimizers.Adam(learning_rate, beta_1=0.5),
            keras.optimizers.Adam(learning_rate, beta_1=0.5))
