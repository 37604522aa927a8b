"""Measuring the stability of training: spread over seeds, divergence, gradient norms, bit-exact
reruns. Used by lesson 09.

- :func:`coefficient_of_variation`: the spread of a final metric over seeds, relative to its mean.
- :func:`first_divergence` / :func:`diverged`: when a loss curve blows up.
- :func:`global_norm`: the one number gradient clipping (``global_clipnorm``) looks at.
- :class:`GradientNormAutoencoder` + :class:`StepLog`: the loss and the global gradient norm of
  every training step, recorded during ``fit``.
- :class:`FreshStart`: train one architecture from many seeds without paying for a new trace of
  the training step each time.
- :func:`same_weights` / :func:`weight_differences`: compare two runs bit by bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from .models import IMAGE_SHAPE, Autoencoder, dense_decoder, dense_encoder


def coefficient_of_variation(values, axis: int | None = 0):
    """Sample standard deviation (``ddof=1``) divided by the absolute mean, along ``axis``.

    With ``values`` of shape ``(n_seeds, n_metrics)`` and ``axis=0``: one number per metric.
    ``ddof=1`` because the seeds are a sample of all the seeds one could have run; ``|mean|`` so
    that a negative mean (a log-likelihood, say) gives a positive spread. Non-finite values (a
    diverged run) make the result NaN, and so does a metric that is 0 for every seed: decide
    first what to do with such runs. The CV depends on where the metric's zero is, so compare
    CVs of one metric only; across metrics, compare the sd with the size of the effect (the gap
    between a baseline and the trained value).
    """
    values = np.asarray(values, dtype=np.float64)
    count = values.size if axis is None else values.shape[axis]
    if count < 2:
        raise ValueError("A spread needs at least two values (seeds) along the axis.")
    with np.errstate(invalid="ignore", divide="ignore"):  # a zero mean gives inf or NaN
        return np.std(values, axis=axis, ddof=1) / np.abs(np.mean(values, axis=axis))


def first_divergence(losses, factor: float = 10.0) -> int | None:
    """The index of the first loss that is NaN/infinite or above ``factor`` x the first loss.

    ``None`` when the curve never diverges. The first loss is the reference: a run that ends
    ten times worse than it started has not learnt anything useful, even before it hits NaN.
    Each step is judged from the steps up to it only (never from later losses), so the same rule
    can raise an alarm while training runs.
    """
    losses = np.asarray(losses, dtype=np.float64).reshape(-1)
    if losses.size == 0:
        raise ValueError("An empty loss curve cannot diverge.")
    if not factor > 1:
        raise ValueError(f"factor must be > 1, got {factor!r}.")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(losses) | (losses > factor * losses[0])
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def diverged(losses, factor: float = 10.0) -> bool:
    """True when :func:`first_divergence` finds a divergence in ``losses``."""
    return first_divergence(losses, factor) is not None


def global_norm(arrays: Sequence) -> float:
    """``sqrt(sum of squares of every entry of every array)``: the norm of all gradients seen as
    one long vector (what ``tf.linalg.global_norm`` and ``global_clipnorm`` use). ``None``
    entries (variables without a gradient) are skipped."""
    total = 0.0
    for array in arrays:
        if array is not None:
            total += float(np.sum(np.square(np.asarray(array, dtype=np.float64))))
    return float(np.sqrt(total))


@keras.saving.register_keras_serializable(package="course_utils")
class GradientNormAutoencoder(Autoencoder):
    """An autoencoder whose ``train_step`` also reports the global gradient norm.

    A Keras 3 ``Callback`` never sees the gradients, so the model computes them itself, as
    ``fit`` would (MSE + the model's own penalties, one ``tf.GradientTape``), and returns the
    global norm of the *raw* gradients (before any ``clipnorm`` / ``global_clipnorm`` of the
    optimizer) in its logs as ``grad_norm``, with the step's own loss as ``batch_loss``. Compile
    with an optimizer only (no ``loss``), fit with ``steps_per_execution=1`` (the default), and
    :class:`StepLog` records both numbers for every step.
    """

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            x_hat = self(x, training=True)
            loss = keras.ops.mean(keras.ops.square(x - x_hat))
            objective = loss + (sum(self.losses) if self.losses else 0.0)
        weights = self.trainable_weights
        grads = tape.gradient(objective, weights)
        self.optimizer.apply_gradients(zip(grads, weights, strict=True))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result(), "batch_loss": loss,
                "grad_norm": tf.linalg.global_norm(grads)}

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        self.loss_tracker.update_state(keras.ops.mean(keras.ops.square(x - self(x))))
        return {"loss": self.loss_tracker.result()}


def gradient_norm_autoencoder(code_size: int, hidden: Sequence[int] = (128,), *,
                              input_shape: tuple[int, ...] = IMAGE_SHAPE,
                              output_activation: str | None = "sigmoid",
                              kernel_regularizer=None) -> GradientNormAutoencoder:
    """A mirrored dense :class:`GradientNormAutoencoder` (as ``models.dense_autoencoder``),
    built and uncompiled."""
    encoder = dense_encoder(code_size, hidden, input_shape=input_shape,
                            kernel_regularizer=kernel_regularizer)
    decoder = dense_decoder(code_size, tuple(reversed(tuple(hidden))), output_shape=input_shape,
                            output_activation=output_activation,
                            kernel_regularizer=kernel_regularizer)
    model = GradientNormAutoencoder(encoder, decoder, name="gradient_norm_autoencoder")
    model.build((None, *input_shape))
    return model


class StepLog(keras.callbacks.Callback):
    """Records ``batch_loss`` and ``grad_norm`` (see :class:`GradientNormAutoencoder`) after
    every training step: ``.losses`` and ``.grad_norms``, NumPy arrays, one value per step.

    With ``stop_at_nan`` (the default) training stops, quietly, after the first step whose loss
    is NaN or infinite (as ``keras.callbacks.TerminateOnNaN`` does, without its message)."""

    def __init__(self, stop_at_nan: bool = True):
        super().__init__()
        self.stop_at_nan = stop_at_nan

    def on_train_begin(self, logs=None):
        self._losses: list[float] = []
        self._norms: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._losses.append(float(logs.get("batch_loss", np.nan)))
        self._norms.append(float(logs.get("grad_norm", np.nan)))
        if self.stop_at_nan and not np.isfinite(self._losses[-1]):
            self.model.stop_training = True

    @property
    def losses(self) -> np.ndarray:
        return np.asarray(self._losses)

    @property
    def grad_norms(self) -> np.ndarray:
        return np.asarray(self._norms)


def _optimizers(model) -> list:
    found = []
    for name in ("optimizer", "d_optimizer", "g_optimizer"):
        optimizer = getattr(model, name, None)
        if optimizer is not None and all(optimizer is not o for o in found):
            found.append(optimizer)
    return found


def _seed_states(model) -> list:
    """The state variable of every ``keras.random.SeedGenerator`` a model (or any of its layers)
    holds: the noise a VAE or a GAN draws, a dropout mask. ``get_weights()`` leaves them out."""
    states = []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        states.extend(generator.state for generator in getattr(layer, "_seed_generators", []))
    return states


class FreshStart:
    """One compiled model, restarted from the initial state of any seed.

    ``build()`` makes an uncompiled, built model; ``compile(model)`` compiles it. Every new
    Keras model traces its training step again on its first ``fit`` (1-3 s on a laptop, more than
    the training itself for the small models of lesson 09). ``start(seed)`` instead gives the
    *same* model what ``build()`` makes after ``keras.utils.set_random_seed(seed)``: its initial
    weights, the state of each of its random-number generators (``keras.random.SeedGenerator``:
    the noise of a VAE or a GAN, dropout masks), and puts its optimizer(s) back in their initial
    state (step 0, zero moments, the compiled learning rate). The next ``fit`` is then, bit for
    bit, the run a new model with that seed would do, without the new trace. ``start(None)``
    skips the seeding (everything then comes from wherever the random generators are).
    """

    def __init__(self, build: Callable[[], keras.Model], compile: Callable[[keras.Model], None]):
        self.build = build
        self.model = build()
        compile(self.model)
        self.optimizers = _optimizers(self.model)
        for optimizer in self.optimizers:
            if not optimizer.built:
                optimizer.build(self.model.trainable_variables)
        self._initial = [[np.array(v.numpy()) for v in o.variables] for o in self.optimizers]

    def start(self, seed: int | None) -> keras.Model:
        if seed is not None:
            keras.utils.set_random_seed(int(seed))
        fresh = self.build()
        self.model.set_weights(fresh.get_weights())
        mine, theirs = _seed_states(self.model), _seed_states(fresh)
        if len(mine) != len(theirs):
            raise ValueError("build() made a model with another number of random generators.")
        for variable, value in zip(mine, theirs, strict=True):
            variable.assign(value)
        for optimizer, values in zip(self.optimizers, self._initial, strict=True):
            for variable, value in zip(optimizer.variables, values, strict=True):
                variable.assign(value)
        return self.model


def _arrays(weights, name: str) -> list[np.ndarray]:
    if isinstance(weights, keras.Model | keras.layers.Layer):
        weights = weights.get_weights()
    if isinstance(weights, np.ndarray):
        weights = [weights]
    try:
        return [np.asarray(keras.ops.convert_to_numpy(w)) for w in weights]
    except TypeError as err:
        raise TypeError(f"{name} should be a model or a list of arrays.") from err


def same_weights(a, b) -> bool:
    """True when two models (or two lists of arrays) hold bit-for-bit the same numbers.

    Same number of arrays, same shapes and dtypes, identical bytes: ``-0.0`` differs from
    ``0.0``, a NaN equals a NaN with the same bits, and no tolerance at all (``np.allclose``
    would call two runs "the same" that differ in the last bit).
    """
    a, b = _arrays(a, "a"), _arrays(b, "b")
    if len(a) != len(b):
        return False
    return all(x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()
               for x, y in zip(a, b, strict=True))


def weight_differences(a, b) -> tuple[int, int, float]:
    """``(values that differ, values in all, largest absolute difference)`` between two models
    (or lists of arrays) with the same shapes. Bitwise, as :func:`same_weights`."""
    a, b = _arrays(a, "a"), _arrays(b, "b")
    if len(a) != len(b) or any(x.shape != y.shape for x, y in zip(a, b, strict=True)):
        raise ValueError("The two sets of weights have different shapes.")
    different = total = 0
    largest = 0.0
    for x, y in zip(a, b, strict=True):
        x64, y64 = x.astype(np.float64).ravel(), y.astype(np.float64).ravel()
        differs = x.ravel().view(np.uint8).reshape(x.size, -1) != y.ravel().view(
            np.uint8).reshape(y.size, -1) if x.size else np.zeros((0, 1), bool)
        differs = differs.any(axis=1)
        different += int(differs.sum())
        total += x.size
        if differs.any():
            with np.errstate(invalid="ignore"):
                gap = np.abs(x64[differs] - y64[differs])
            largest = max(largest, float(np.nanmax(gap)) if np.any(np.isfinite(gap)) else np.inf)
    return different, total, largest
