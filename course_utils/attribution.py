"""Which pixels matter to a code: integrated gradients, the decoder's Jacobian, and slerp.

- :func:`integrated_gradients` (Sundararajan et al. 2017): the attribution of pixel i to a
  scalar function f of the image is ``(x_i - b_i) * mean over alpha of df/dx_i(b + alpha (x - b))``,
  with ``alpha`` at the midpoints of ``steps`` equal intervals of [0, 1]. The attributions add up to
  ``f(x) - f(b)`` (completeness) up to the error of the sum; :func:`completeness_error` measures it.
- :func:`decoder_jacobian`: d pixels / d code for each code unit, via ``tf.GradientTape``.
- :func:`slerp`: spherical interpolation between two codes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _scalar_batch(f: Callable, images):
    """f on a batch, as a 1-D float32 tensor (one number per image)."""
    import tensorflow as tf

    values = tf.convert_to_tensor(f(images), dtype=tf.float32)
    return tf.reshape(values, (-1,))


def path_gradients(f: Callable, x, baseline, alphas) -> np.ndarray:
    """Gradients of ``f`` at ``baseline + alpha * (x - baseline)`` for each alpha.

    Shape ``(len(alphas), *x.shape)``; all points go through ``f`` in one batch.
    """
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    b = tf.convert_to_tensor(np.asarray(baseline, dtype=np.float32))
    a = tf.reshape(tf.constant(np.asarray(alphas, dtype=np.float32)), (-1,) + (1,) * x.ndim)
    points = b[None] + a * (x - b)[None]
    with tf.GradientTape() as tape:
        tape.watch(points)
        total = tf.reduce_sum(_scalar_batch(f, points))
    return tape.gradient(total, points).numpy()


def integrated_gradients(f: Callable, x, baseline=None, steps: int = 64) -> np.ndarray:
    """Integrated gradients of the scalar ``f`` at one input ``x`` (e.g. an image (28, 28)).

    ``f`` maps a batch ``(m, *x.shape)`` to ``(m,)`` (a TensorFlow-differentiable function, e.g.
    ``lambda batch: vae.encoder(batch)[0][:, unit]``); ``baseline`` defaults to zeros (a black
    image). Midpoint rule with ``steps`` points, all evaluated in one batch. Returns an array of
    ``x``'s shape (float64) whose sum is close to ``f(x) - f(baseline)``.
    """
    if not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}.")
    x = np.asarray(x, dtype=np.float32)
    baseline = np.zeros_like(x) if baseline is None else np.asarray(baseline, dtype=np.float32)
    if baseline.shape != x.shape:
        raise ValueError(f"baseline shape {baseline.shape} differs from x's {x.shape}.")
    alphas = (np.arange(steps) + 0.5) / steps
    grads = path_gradients(f, x, baseline, alphas).astype(np.float64)
    return (x - baseline).astype(np.float64) * grads.mean(axis=0)


def completeness_error(f: Callable, x, attributions, baseline=None) -> float:
    """``|sum(attributions) - (f(x) - f(b))| / |f(x) - f(b)|``: 0 for exact attributions."""
    x = np.asarray(x, dtype=np.float32)
    baseline = np.zeros_like(x) if baseline is None else np.asarray(baseline, dtype=np.float32)
    values = _scalar_batch(f, np.stack([x, baseline])).numpy().astype(np.float64)
    difference = values[0] - values[1]
    return float(abs(np.sum(attributions) - difference) / max(abs(difference), 1e-12))


def decoder_jacobian(decoder: Callable, codes) -> np.ndarray:
    """d decoder(z) / d z at each code: shape ``(n, k, *image_shape)`` for codes ``(n, k)``.

    ``result[i, u]`` is the image of how every pixel moves per unit step of code unit ``u`` at
    code ``i`` (``tf.GradientTape.batch_jacobian``).
    """
    import tensorflow as tf

    z = tf.convert_to_tensor(np.atleast_2d(np.asarray(codes, dtype=np.float32)))
    with tf.GradientTape() as tape:
        tape.watch(z)
        images = tf.convert_to_tensor(decoder(z))
    jacobian = tape.batch_jacobian(images, z).numpy()  # (n, *image, k)
    return np.moveaxis(jacobian, -1, 1).astype(np.float64)


def slerp(code_a, code_b, t) -> np.ndarray:
    """Spherical interpolation from ``code_a`` (t = 0) to ``code_b`` (t = 1).

    ``sin((1 - t) w) / sin(w) * a + sin(t w) / sin(w) * b`` with ``w`` the angle between the two
    codes (``arccos`` of their cosine). For codes of equal norm every point keeps that norm; for
    (nearly) parallel codes it falls back to the straight line. ``t`` a number or a 1-D array;
    returns ``(len(t), k)`` (or ``(k,)`` for a number), float64.
    """
    a = np.asarray(code_a, dtype=np.float64).ravel()
    b = np.asarray(code_b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"the two codes differ in size: {a.size} and {b.size} values.")
    t_arr = np.asarray(t, dtype=np.float64)
    ts = np.atleast_1d(t_arr)[:, None]
    cosine = a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        result = (1 - ts) * a + ts * b
    else:
        result = (np.sin((1 - ts) * omega) * a + np.sin(ts * omega) * b) / np.sin(omega)
    return result[0] if t_arr.ndim == 0 else result
