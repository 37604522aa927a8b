"""Training an autoencoder: the five steps of gradient descent by hand, an epoch loop, and fit.

Lesson 03 writes this code out cell by cell; later lessons and ``benchmarks/training_speed.py``
import it from here so that every hand-written loop in the course is the same one.

    >>> step = make_train_step(model, keras.optimizers.Adam(1e-3))
    >>> history = fit_by_hand(model, step, x_train, epochs=20, batch_size=64, x_val=x_val)
    >>> history = fit_autoencoder(model, keras.optimizers.Adam(1e-3), x_train, epochs=12)
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from .progress import progress


def mean_squared_error(x, x_hat):
    """The reconstruction error: the squared pixel differences, averaged over pixels and images."""
    return keras.ops.mean(keras.ops.square(x - x_hat))


def make_train_step(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    loss_fn: Callable = mean_squared_error,
) -> Callable:
    """A compiled training step ``step(x) -> loss`` for an autoencoder with encoder and decoder.

    The step adds the model's own penalties (``model.losses``: L1/L2, activity regularisers)
    to the reconstruction error, as ``fit`` does.
    """

    @tf.function(reduce_retracing=True)
    def train_step(x):
        with tf.GradientTape() as tape:
            code = model.encoder(x, training=True)  # 1. encode
            x_hat = model.decoder(code, training=True)  # 2. decode
            loss = loss_fn(x, x_hat)  # 3. reconstruction error (the MSE by default)
            penalty = sum(model.losses) if model.losses else 0.0
            objective = loss + penalty
        grads = tape.gradient(objective, model.trainable_variables)  # 4. gradients
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))  # 5. update
        return loss

    return train_step


def fit_by_hand(
    model: keras.Model,
    train_step: Callable,
    x_train: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 64,
    x_val: np.ndarray | None = None,
    seed: int = 0,
    description: str = "hand loop",
    loss_fn: Callable = mean_squared_error,
) -> dict[str, list[float]]:
    """Shuffle, cut into batches, run ``train_step`` on each; one progress bar over epochs.

    Returns ``{"loss": [...], "val_loss": [...]}`` (one value per epoch, like ``History``). The
    training loss of an epoch is the mean over its batches, weighted by batch size, as in ``fit``.
    A loss that becomes NaN or infinite stops the loop early instead of training on garbage.
    """
    x_all = tf.constant(np.asarray(x_train, dtype=np.float32))
    n = int(x_all.shape[0])
    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"loss": []}
    if x_val is not None:
        history["val_loss"] = []
        x_val = tf.constant(np.asarray(x_val, dtype=np.float32))
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    bar = progress(range(epochs), description, unit="epoch")
    for _ in bar:
        # One shuffle and one split per epoch; the losses stay tensors until the epoch ends, so
        # the loop never waits for a step to finish before starting the next.
        batches = tf.split(tf.gather(x_all, rng.permutation(n)), sizes)
        losses = tf.stack([train_step(batch) for batch in batches])
        history["loss"].append(float(np.dot(losses.numpy(), sizes)) / n)
        shown = {"loss": f"{history['loss'][-1]:.4g}"}
        if x_val is not None:
            history["val_loss"].append(float(loss_fn(x_val, model(x_val, training=False))))
            shown["val_loss"] = f"{history['val_loss'][-1]:.4g}"
        bar.set_postfix(shown, refresh=False)
        if not np.isfinite(history["loss"][-1]):
            bar.set_postfix({"loss": "diverged"}, refresh=False)
            break
    bar.close()
    return history


def reconstruction_mse(model: keras.Model, images: np.ndarray) -> float:
    """The MSE of ``model``'s reconstructions of ``images``, over every pixel of every image.

    Calls the model on the whole batch at once, which is quicker than ``model.predict`` for the
    few thousand small images of the course.
    """
    x_hat = keras.ops.convert_to_numpy(model(images, training=False))
    return float(np.mean((np.asarray(images, dtype=np.float32) - x_hat.reshape(np.shape(images)))
                         ** 2))


def fit_autoencoder(
    model: keras.Model,
    optimizer: keras.optimizers.Optimizer,
    x: np.ndarray,
    *,
    epochs: int,
    batch_size: int = 128,
    loss="mse",
    val: np.ndarray | None = None,
    callbacks: list | tuple = (),
    description: str = "training",
    steps_per_execution: int = 32,
) -> dict[str, list[float]]:
    """Compile and fit an autoencoder on ``x -> x``; returns the History's dict.

    One progress bar over epochs (``EpochProgress``), and training stops at once if the loss
    becomes NaN or infinite (``TerminateOnNaN``). ``steps_per_execution`` runs that many batches
    per call into the compiled graph, which removes most of ``fit``'s fixed cost per batch; the
    progress bar counts epochs, so it hides nothing. ``val`` (validation images) adds
    ``val_loss`` to the history.
    """
    from .progress import EpochProgress

    model.compile(optimizer=optimizer, loss=loss, steps_per_execution=steps_per_execution)
    history = model.fit(
        x, x, epochs=epochs, batch_size=batch_size, verbose=0,
        validation_data=None if val is None else (val, val),
        callbacks=[EpochProgress(description), keras.callbacks.TerminateOnNaN(), *callbacks],
    )
    return history.history
