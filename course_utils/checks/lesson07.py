"""Checks for lesson 07, "Variational autoencoders"."""

from __future__ import annotations

import functools

import numpy as np

from .common import bundled_image_split
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_function,
    require_number,
)

LESSON = "07"


def _explain(found: np.ndarray, mistakes, *, prefix: str, otherwise: str, rtol: float = 1e-4):
    """Raise Incorrect naming the first typical mistake whose values match ``found``."""
    for values, message in mistakes:
        values = np.asarray(values, dtype=np.float64)
        if values.shape == found.shape and np.all(np.isfinite(values)) and np.allclose(
                found, values, rtol=rtol, atol=1e-6):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


def _first_difference(found: np.ndarray, expected: np.ndarray) -> str:
    gap = np.abs(found - expected)
    index = np.unravel_index(int(np.argmax(gap)), gap.shape)
    shown = tuple(int(i) for i in index)
    return f"At index {shown} expected {expected[index]:.5g}, found {found[index]:.5g}."


# -- reparameterize ------------------------------------------------------------------------------
def _reparameterisation_inputs(seed: int, n: int = 6, units: int = 4):
    rng = np.random.default_rng(seed)
    z_mean = rng.normal(0.0, 1.5, (n, units)).astype(np.float32)
    z_log_var = rng.uniform(-3.0, 1.5, (n, units)).astype(np.float32)
    eps = rng.normal(0.0, 1.0, (n, units)).astype(np.float32)
    return z_mean, z_log_var, eps


def _check_reparameterize(reparameterize) -> str:
    fn = require_function(reparameterize, "reparameterize")
    z_mean, z_log_var, eps = _reparameterisation_inputs(0)
    shown = "reparameterize(z_mean, z_log_var, eps)"
    result = call_learner(fn, z_mean.copy(), z_log_var.copy(), eps.copy(), name=shown)
    found = require_array(result, f"The result of `{shown}`", shape=z_mean.shape, finite=False)
    found = found.astype(np.float64)
    mean, log_var, noise = (a.astype(np.float64) for a in (z_mean, z_log_var, eps))
    if not np.all(np.isfinite(found)):
        if np.all(np.isnan(found) == (log_var < 0)):
            raise Incorrect("Your z is NaN exactly where z_log_var is negative: you took the "
                            "square root of the log-variance. The log-variance can be negative; "
                            "the standard deviation is exp(z_log_var / 2).")
        raise Incorrect(f"The result of `{shown}` contains NaN or infinite values.")
    expected = mean + np.exp(0.5 * log_var) * noise
    if not np.allclose(found, expected, rtol=1e-4, atol=1e-5):
        again = np.asarray(call_learner(fn, z_mean, z_log_var, eps, name=shown), dtype=np.float64)
        mistakes = [
            (mean, "That is z_mean itself: no noise, no sample. Without the noise the model is a "
             "plain autoencoder with a KL penalty; the sample is z_mean + sigma * eps."),
            (mean + np.exp(log_var) * noise, "You multiplied eps by exp(z_log_var), which is the "
             "*variance*. The standard deviation is its square root: exp(z_log_var / 2)."),
            (mean + log_var * noise, "You used z_log_var as the standard deviation. It is the "
             "logarithm of the variance: sigma = exp(z_log_var / 2)."),
            (mean + np.exp(0.5 * log_var), "You added "
             "sigma but forgot to multiply it by the noise eps."),
            (np.exp(0.5 * log_var) * noise, "The mean is missing: z = z_mean + sigma * eps."),
            (mean - np.exp(0.5 * log_var) * noise, "The noise enters with a minus sign: "
             "z = z_mean + sigma * eps (with the eps you were given)."),
        ]
        if not np.allclose(again, found):
            raise Incorrect("Called twice with the same eps, your function gave two different "
                            "results: it draws its own noise. Use the `eps` it is given (the "
                            "check needs to know the noise to compare).")
        _explain(found, mistakes, prefix=_first_difference(found, expected),
                 otherwise="Compute z_mean + exp(z_log_var / 2) * eps.")
    # Float64 inputs (other values, other noise) must work too.
    mean64, log_var64, eps64 = (a.astype(np.float64) for a in _reparameterisation_inputs(1, 5, 3))
    result = call_learner(fn, mean64, log_var64, eps64, name=shown)
    found64 = require_array(result, f"With float64 inputs, the result of `{shown}`",
                            shape=mean64.shape).astype(np.float64)
    expected64 = mean64 + np.exp(0.5 * log_var64) * eps64
    if not np.allclose(found64, expected64, rtol=1e-4, atol=1e-5):
        raise Incorrect(f"With float64 inputs of shape (5, 3): "
                        f"{_first_difference(found64, expected64)} Your function works on the "
                        "first inputs only: does it rely on a fixed shape or dtype?")
    # Gradients must reach z_mean and z_log_var: that is the point of the trick.
    import tensorflow as tf

    mean_t, log_var_t = tf.constant(z_mean), tf.constant(z_log_var)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([mean_t, log_var_t])
        z = call_learner(fn, mean_t, log_var_t, tf.constant(eps), name=shown)
        try:
            total = tf.reduce_sum(tf.convert_to_tensor(z, dtype=tf.float32))
        except (TypeError, ValueError) as err:
            raise Incorrect(f"Called with TensorFlow tensors, your function returned "
                            f"{describe(z)}, which is not a tensor of numbers.") from err
    grads = tape.gradient(total, [mean_t, log_var_t])
    if any(g is None for g in grads):
        missing = " and ".join(name for name, g in zip(("z_mean", "z_log_var"), grads, strict=True)
                               if g is None)
        raise Incorrect(f"Your values are right, but no gradient reaches {missing}: the function "
                        "leaves TensorFlow (NumPy functions such as np.exp or np.asarray turn "
                        "tensors into plain arrays) or stops the gradient. Use keras.ops.exp, "
                        "which works on both arrays and tensors.")
    expected_grad = 0.5 * np.exp(0.5 * log_var) * noise
    if not np.allclose(grads[1].numpy(), expected_grad, rtol=1e-3, atol=1e-5):
        raise Incorrect("The values are right, but the gradient with respect to z_log_var is "
                        "not: did you stop the gradient somewhere?")
    return ("z = z_mean + exp(z_log_var / 2) * eps, and gradients flow to both z_mean and "
            "z_log_var.")


# -- count_active_units --------------------------------------------------------------------------
_BOUNDARY = 0.015625  # 2**-6: the variance of +-0.125 is exactly this, in float32 and float64


def _activity_case(seed: int, n: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Codes whose units sit at chosen variances (over the images, np.var with ddof=0):

    ~1 (active), ~0.12 (active at a threshold of 0.1, inactive at 0.5), exactly 2**-6 (on a
    boundary), just below 2**-6 (above it only with ddof=1), 0.0121, ~0.0036 (std 0.06, variance
    below 0.01) and constant far from 0. Log-variances follow yet another pattern.
    """
    rng = np.random.default_rng(seed)
    signs = np.tile([1.0, -1.0], n // 2)
    below = np.sqrt(_BOUNDARY * (1 - 1 / (2 * n)))
    columns = [
        *(rng.normal(0.0, 1.0, n) for _ in range(4)),
        *(0.35 * (rng.permutation(signs) + rng.normal(0.0, 0.01, n)) for _ in range(2)),  # ~0.12
        0.125 * rng.permutation(signs),  # exactly on 2**-6
        below * rng.permutation(signs),  # just below 2**-6
        0.11 * rng.permutation(signs),  # variance 0.0121: above 0.01, below 2**-6
        *(rng.normal(0.0, 0.06, n) for _ in range(3)),
        2.0 + rng.normal(0.0, 0.001, n), -1.5 + rng.normal(0.0, 0.001, n),
    ]
    order = rng.permutation(len(columns))
    z_mean = np.stack(columns, axis=1)[:, order]
    z_log_var = np.concatenate([rng.normal(-0.1, 0.6, (n, 2)), rng.normal(-4.0, 0.5, (n, 2)),
                                rng.normal(-4.0, 0.02, (n, len(columns) - 4))], axis=1)
    # exact +-0.125 survives any float dtype; the other columns are rounded to it
    return z_mean.astype(dtype), z_log_var.astype(dtype)


def _count(z_mean, threshold, *, ddof=0, axis=0, strict=True) -> int:
    variance = np.var(np.asarray(z_mean, dtype=np.float64), axis=axis, ddof=ddof)
    return int(np.sum(variance > threshold if strict else variance >= threshold))


def _activity_calls():
    """(description, z_mean, z_log_var, threshold or None for the default), inputs varied in
    size, dtype and library."""
    import tensorflow as tf

    a_mean, a_log_var = _activity_case(0, 256, np.float32)
    b_mean, b_log_var = _activity_case(1, 300, np.float64)
    return [
        ("float32 arrays, default threshold", a_mean, a_log_var, None),
        ("float32 arrays", a_mean, a_log_var, 0.1),
        ("float64 arrays", b_mean, b_log_var, 0.5),
        ("TensorFlow tensors", tf.constant(a_mean), tf.constant(a_log_var), _BOUNDARY),
        ("float64 arrays", b_mean, b_log_var, _BOUNDARY),
        ("float64 arrays", b_mean, b_log_var, 0.01),
    ]


def _check_count_active_units(count_active_units) -> str:
    fn = require_function(count_active_units, "count_active_units")
    for what, z_mean, z_log_var, threshold in _activity_calls():
        if threshold is None:
            shown = "count_active_units(z_mean, z_log_var)"
            args, used = (z_mean, z_log_var), 0.01
        else:
            shown = f"count_active_units(z_mean, z_log_var, threshold={threshold:g})"
            args, used = (z_mean, z_log_var, threshold), threshold
        result = call_learner(fn, *args, name=shown)
        if result is None:
            raise NotAttempted(f"`{shown}` returned None: return the number of active units.")
        if np.size(np.asarray(result)) > 1:
            raise Incorrect(f"`{shown}` returned {describe(result)}; it should return a single "
                            "number, the count of active units (sum the True values).")
        found = require_number(result, f"The result of `{shown}`")
        mean = np.asarray(z_mean, dtype=np.float64)
        log_var = np.asarray(z_log_var, dtype=np.float64)
        units = mean.shape[1]
        expected = _count(mean, used)
        if found == expected:
            continue
        prefix = (f"With {what} of shape {mean.shape} and threshold={used:g}: expected "
                  f"{expected} active units, found {found:g}.")
        mistakes = [
            (_count(mean, used, axis=1), "You took the variance over the wrong axis (over the "
             "code units of each image). Take each unit's variance over the images, "
             "`np.var(z_mean, axis=0)`: a unit is active when its mean moves with x."),
            (_count(log_var, used), "You measured z_log_var. Activity (Burda et al. 2016) is "
             "about the posterior *means*: how much E[z_u | x] = z_mean[:, u] varies from image "
             "to image."),
            (_count(np.exp(log_var), used), "You measured the posterior variances "
             "exp(z_log_var). Activity is about the posterior *means*, z_mean."),
            (int(np.sum(np.std(mean, axis=0) > used)), "You compared the standard deviation "
             "with the threshold; the measure compares the *variance*."),
            (int(np.sum(np.abs(mean).mean(axis=0) > used)), "You looked at the size of the "
             "means; a unit with a large but constant mean ignores the image. Use the variance "
             "over the images."),
            (_count(mean, used, strict=False), "A unit whose variance equals the threshold "
             "exactly is not active: the rule is variance > threshold, not >=."),
            (_count(mean, used, ddof=1), "Use the plain variance over the images, np.var with "
             "its default ddof=0 (as course_utils.vae.unit_activity does); with ddof=1 a unit "
             "just below the threshold is counted."),
            (units - _count(mean, used, strict=False), "You counted the inactive units "
             "(variance at or below the threshold)."),
            (expected / units, "That is the fraction of active units; return their number."),
        ]
        if used != 0.01:
            mistakes.insert(0, (_count(mean, 0.01), f"That is the count for threshold 0.01; "
                                f"this call passed threshold={used:g}. Use the `threshold` "
                                "argument instead of a fixed number."))
        else:
            for other in (0.1, 0.05):
                mistakes.append((_count(mean, other), f"That is the count for threshold "
                                 f"{other:g}; without a threshold argument the default must be "
                                 "0.01 (`threshold=0.01` in the signature)."))
        for value, message in mistakes:
            if np.isclose(found, value) and value != expected:
                raise Incorrect(f"{prefix} {message}")
        raise Incorrect(f"{prefix} Count the units u with np.var(z_mean[:, u]) > threshold "
                        "(the variance over the images, ddof=0).")
    return ("Active units counted from the variance of the posterior means over the images, "
            "strictly above the threshold you pass (and 0.01 by default), for NumPy arrays and "
            "TensorFlow tensors.")


# -- temperature ---------------------------------------------------------------------------------
TEMPERATURE_SAMPLES = 300


def frechet(real_images, samples) -> float:
    """Fréchet distance between two image sets in the course's MNIST feature space (lesson 06)."""
    from ..features import mnist_features
    from ..generation import frechet_distance

    return frechet_distance(mnist_features(np.asarray(real_images, dtype=np.float32)),
                            mnist_features(np.asarray(samples, dtype=np.float32)))


@functools.cache
def _temperature_decoder():
    """A Keras decoder that needs no training: the mean image plus codes times 16 principal
    components of bundled digits (scaled by their standard deviations), clipped to [0, 1]."""
    import keras

    x_train, _ = _check_images()
    flat = x_train.reshape(len(x_train), -1).astype(np.float64)
    mean = flat.mean(axis=0)
    _, singular, components = np.linalg.svd(flat - mean, full_matrices=False)
    scale = singular[:16, None] / np.sqrt(len(flat) - 1)
    decoder = keras.Sequential([
        keras.Input(shape=(16,)),
        keras.layers.Dense(784),
        keras.layers.ReLU(max_value=1.0),
        keras.layers.Reshape((28, 28)),
    ], name="pca_decoder")
    decoder.layers[0].set_weights([(scale * components[:16]).astype(np.float32),
                                   mean.astype(np.float32)])
    return decoder


def _decode(decoder, codes) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(decoder(codes)), dtype=np.float64)


class _WideCodes:
    """A plain-function decoder that takes codes of 24 units and reads the last 16."""

    def __init__(self, decoder):
        self.decoder = decoder

    def __call__(self, codes):
        codes = np.asarray(codes, dtype=np.float32)
        if codes.ndim != 2 or codes.shape[1] != 24:
            raise ValueError(f"this decoder takes codes of shape (n, 24); it got {codes.shape}. "
                             "Draw codes with `code_size` units.")
        return _decode(self.decoder, codes[:, 8:])


def _still_images(codes):
    """A decoder that ignores its codes: the same 300 images whatever z is (a tie case)."""
    _, held_out = _check_images()
    return held_out[: len(codes)].astype(np.float64) * 0.5


def _scores(decoder, code_size, real, temperatures, transform) -> list[float]:
    rng = np.random.default_rng(11)
    eps = rng.normal(size=(TEMPERATURE_SAMPLES, code_size))
    return [frechet(real, _decode(decoder, (transform(t) * eps).astype(np.float32)))
            for t in temperatures]


@functools.cache
def _temperature_cases():
    """Three calls: (description, decoder, code_size, real_images, temperatures) with the
    expected choice and what typical wrong rules choose."""
    import tensorflow as tf

    decoder = _temperature_decoder()
    rng = np.random.default_rng(5)
    real_a = _decode(decoder, 0.55 * rng.normal(size=(TEMPERATURE_SAMPLES, 16))).astype(
        np.float32)
    wide = _WideCodes(decoder)
    real_b = wide(1.3 * rng.normal(size=(TEMPERATURE_SAMPLES, 24)))
    _, held_out = _check_images()
    cases = [
        ("a Keras decoder, 16-unit codes", decoder, 16, real_a, [1.0, 0.3, 0.75, 0.55, 1.3]),
        ("a plain-function decoder, 24-unit codes", wide, 24, real_b,
         np.array([0.55, 1.3, 0.3, 0.75], dtype=np.float32)),
        ("a decoder that ignores z (every temperature scores the same)", _still_images, 16,
         tf.constant(held_out[:TEMPERATURE_SAMPLES]), (0.8, 0.4, 1.2)),
    ]
    out = []
    for description, dec, size, real, temps in cases:
        temps_list = [float(t) for t in np.asarray(temps)]
        fd = _scores(dec, size, np.asarray(real), temps_list, lambda t: t)
        best = min(zip(fd, temps_list, strict=True))[1]  # lowest FD, smaller T on a tie
        variants = {
            "highest": temps_list[int(np.argmax(fd))],
            "first tie": temps_list[int(np.argmin(fd))],
            "last tie": temps_list[len(fd) - 1 - int(np.argmin(fd[::-1]))],
            "index": float(temps_list.index(best)),
            "fd": float(min(fd)),
        }
        out.append((description, dec, size, real, temps, best, variants, fd))
    return out


def _check_temperature(choose_temperature) -> str:
    fn = require_function(choose_temperature, "choose_temperature")
    import keras

    cases = _temperature_cases()
    shown = "choose_temperature(decoder, code_size, real_images, temperatures)"
    answers = []
    for _, decoder, size, real, temps, *_ in cases:
        keras.utils.set_random_seed(0)
        answers.append(require_number(call_learner(fn, decoder, size, real, temps, name=shown),
                                      f"The result of `{shown}`"))
    wrong = [i for i, case in enumerate(cases) if not np.isclose(answers[i], case[5], rtol=1e-6)]
    if not wrong:
        return ("Your function picks the temperature with the lowest Fréchet distance to the "
                "real images it is given (the smallest one on a tie), for a Keras decoder and a "
                "plain function alike.")
    always_highest = all(np.isclose(a, c[6]["highest"]) for a, c in zip(answers, cases,
                                                                          strict=True))
    description, decoder, size, real, temps, best, variants, fd = cases[wrong[0]]
    found = answers[wrong[0]]
    temps_list = [float(t) for t in np.asarray(temps)]
    table = ", ".join(f"T={t:g}: {f:.1f}" for t, f in zip(temps_list, fd, strict=True))
    prefix = (f"With {description}, code_size={size}, temperatures {temps_list}: expected "
              f"{best:g}, found {found:g} (the check's Fréchet distances: {table}).")
    for name, transform in (("variance", np.sqrt), ("squared", np.square)):
        variants[name] = temps_list[int(np.argmin(_scores(decoder, size, np.asarray(real),
                                                          temps_list, transform)))]
    tie = bool(np.allclose(fd, fd[0]))
    mistakes = [
        (variants["first tie"], "Several temperatures tie on the lowest Fréchet distance: "
         "return the *smallest* of them (np.argmin returns the first in the list, and the "
         "list need not be sorted)."),
        (variants["last tie"], "Several temperatures tie on the lowest Fréchet distance: "
         "return the smallest of them."),
        (variants["highest"] if always_highest else np.nan, "That temperature has the "
         "*highest* Fréchet distance; lower is better."),
        (variants["variance"], "You scaled the codes by sqrt(T). The temperature is the "
         "standard deviation of the codes: z = T * eps with eps ~ N(0, I)."),
        (variants["squared"], "You scaled the codes by T**2. The temperature is the "
         "standard deviation of the codes: z = T * eps."),
        (variants["index"], "That is the position of the best temperature in the list; "
         "return the temperature itself."),
        (variants["fd"], "That is the lowest Fréchet distance; return the temperature "
         "that reached it."),
    ]
    for value, message in mistakes:
        if np.isclose(found, value, rtol=1e-6) and not np.isclose(value, best):
            raise Incorrect(f"{prefix} {message}")
    if not any(np.isclose(found, t, rtol=1e-6) for t in temps_list):
        raise Incorrect(f"{prefix} {found:g} is not one of the temperatures you were given "
                        "(a Fréchet distance, or a position in the list?): return the "
                        "temperature itself.")
    if not tie:
        digits = _scores(decoder, size, _check_images()[1][:TEMPERATURE_SAMPLES], temps_list,
                         lambda t: t)
        if np.isclose(found, temps_list[int(np.argmin(digits))], rtol=1e-6):
            raise Incorrect(f"{prefix} Your choice is the temperature that fits real MNIST "
                            "digits best, not the `real_images` passed in: does your function "
                            "score against the notebook's x_val instead of its `real_images` "
                            "argument?")
    if np.isclose(found, variants["highest"]):
        raise Incorrect(f"{prefix} That temperature has the *highest* Fréchet distance here; "
                        "lower is better.")
    raise Incorrect(f"{prefix} Does your function use the `decoder`, `code_size` and "
                    "`real_images` it is given (not the notebook's own model or x_val), "
                    "with codes z = T * eps, eps ~ N(0, I)?")


# -- verdict -------------------------------------------------------------------------------------
def _reference_verdict(a, b, *, ddof=1, spread=max, strict=True, sign=1.0, use_spread=True):
    a = np.asarray(a, dtype=np.float64) * sign
    b = np.asarray(b, dtype=np.float64) * sign
    gap = a.mean() - b.mean()
    limit = spread(a.std(ddof=ddof), b.std(ddof=ddof)) if use_spread else 0.0
    if (abs(gap) <= limit) if strict else (abs(gap) < limit):
        return "tie"
    if gap == 0:
        return "tie"
    return "A" if gap < 0 else "B"


def _verdict_cases():
    import tensorflow as tf

    return [
        # gap 1 against spreads of 4: a tie
        ("lists", [1.0, 5.0, 9.0], [2.0, 6.0, 10.0]),
        # gap 2.5: below the larger sd 4 (a tie), above the smaller sd 2
        ("float64 arrays", np.array([0.0, 4.0, 8.0]), np.array([4.5, 6.5, 8.5])),
        # gap 3.5: below the larger sd 4 and the mean of the sds, above 3.27 (ddof=0)
        ("lists", [0.0, 4.0, 8.0], [3.6, 7.5, 11.4]),
        # B lower by 4, spreads 2 and 1: B wins
        ("lists", [100.0, 102.0, 104.0], [97.0, 98.0, 99.0]),
        # gap 2 equals the larger sd 2 exactly: a tie
        ("float32 arrays", np.array([10, 12, 14], np.float32), np.array([14, 14, 14], np.float32)),
        # gap 0.9 < sd 1 (ddof=1) but > 0.816 (ddof=0): a tie
        ("float64 arrays", np.array([10.0, 11.0, 12.0]), np.array([11.9, 11.9, 11.9])),
        # gap 3 below the larger sd 4, above the smaller 0.5 and the mean of the two: a tie
        ("TensorFlow tensors", tf.constant([0.0, 4.0, 8.0, 4.0, 4.0], tf.float64) * 1.0
         + tf.constant([0.0, 0.0, 0.0, -2.0, 2.0], tf.float64),
         tf.constant([6.5, 7.0, 7.5], tf.float64)),
        # A lower by 5 with 4 seeds against 3: A wins
        ("lists of different lengths", [50.0, 51.0, 49.0, 50.0], [55.0, 54.0, 56.0]),
    ]


_VERDICT_MISTAKES = [
    (dict(sign=-1.0), "You picked the *higher* mean; lower scores (a negative ELBO) are better."),
    (dict(use_spread=False), "A lower mean wins only when the gap is larger than the spread "
     "over seeds; when the gap is at most the larger of the two standard deviations, it is a "
     "'tie'."),
    (dict(strict=False), "A gap exactly equal to the larger standard deviation is a 'tie': a "
     "winner needs a gap *larger* than the spread (> , not >=)."),
    (dict(ddof=0), "Use the sample standard deviation over seeds, np.std(..., ddof=1) (np.std's "
     "default, ddof=0, understates the spread of a few seeds)."),
    (dict(spread=min), "Compare the gap with the *larger* of the two standard deviations, not "
     "the smaller."),
    (dict(spread=lambda s, t: (s + t) / 2), "Compare the gap with the *larger* of the two "
     "standard deviations, not their average."),
]


def _check_verdict(verdict) -> str:
    fn = require_function(verdict, "verdict")
    cases = _verdict_cases()
    answers = []
    for _, a, b in cases:
        shown = "verdict(scores_a, scores_b)"
        result = call_learner(fn, a, b, name=shown)
        if result is None:
            raise NotAttempted(f"`{shown}` returned None: return 'A', 'B' or 'tie'.")
        if not isinstance(result, str) or result.strip().lower() not in {"a", "b", "tie"}:
            raise Incorrect(f"`{shown}` returned {describe(result)}; it should return one of "
                            "the strings 'A', 'B' or 'tie'.")
        answers.append("tie" if result.strip().lower() == "tie" else result.strip().upper())
    expected = [_reference_verdict(a, b) for _, a, b in cases]
    if answers == expected:
        return ("'A', 'B' or 'tie' exactly as the course reports seeds: a winner only when the "
                "gap of the means is larger than the larger standard deviation (ddof=1).")
    index = next(i for i, (x, y) in enumerate(zip(answers, expected, strict=True)) if x != y)
    what, a, b = cases[index]
    a_np, b_np = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    prefix = (f"With {what}, scores_a = {np.round(a_np, 3).tolist()} (mean {a_np.mean():.3g}, "
              f"sd {a_np.std(ddof=1):.3g}) and scores_b = {np.round(b_np, 3).tolist()} (mean "
              f"{b_np.mean():.3g}, sd {b_np.std(ddof=1):.3g}): expected {expected[index]!r}, "
              f"found {answers[index]!r}.")
    for options, message in _VERDICT_MISTAKES:
        if answers == [_reference_verdict(x, y, **options) for _, x, y in cases]:
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} The lower mean wins only when the gap is larger than the larger "
                    "of the two standard deviations (ddof=1); otherwise return 'tie'.")


# -- beta ----------------------------------------------------------------------------------------
BETA_CODE = 16
BETA_HIDDEN = (128,)
BETA_EPOCHS, BETA_BATCH, BETA_LEARNING_RATE = 10, 100, 3e-3
TARGET_RATE = 8.0  # held-out KL (nats per image), at most
TARGET_DISTORTION = 205.0  # held-out reconstruction (summed BCE, nats per image), at most


def train_beta_vae(images, beta: float, *, seed: int = 0):
    """The recipe of exercise 5: ``dense_vae(16, hidden=(128,), beta=beta)``, Adam (learning rate
    3e-3), 10 epochs of batches of 100 ``images``. Returns the trained VAE.

    The check trains exactly this way, on its own 600 images, and measures on 300 others.
    """
    import keras

    from ..vae import dense_vae

    keras.utils.set_random_seed(seed)
    vae = dense_vae(BETA_CODE, hidden=BETA_HIDDEN, beta=beta, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(BETA_LEARNING_RATE), steps_per_execution=6)
    vae.fit(np.asarray(images, dtype=np.float32), epochs=BETA_EPOCHS, batch_size=BETA_BATCH,
            verbose=0, shuffle=True)
    return vae


def rate_distortion(vae, images) -> tuple[float, float]:
    """(rate, distortion) of a VAE on ``images``: mean KL and mean summed BCE per image, nats."""
    result = vae.evaluate(np.asarray(images, dtype=np.float32), batch_size=500, verbose=0,
                          return_dict=True)
    return float(result["kl"]), float(result["reconstruction"])


def _check_images() -> tuple[np.ndarray, np.ndarray]:
    """600 training and 300 held-out images from the bundled MNIST subset, always the same."""
    return bundled_image_split(7, 600, 300)


@functools.cache
def _beta_result(beta: float) -> tuple[float, float]:
    x_train, x_held_out = _check_images()
    return rate_distortion(train_beta_vae(x_train, beta), x_held_out)


def _check_beta(beta) -> str:
    found = require_number(beta, "BETA")
    if found < 0:
        raise Incorrect(f"BETA is {found:g}: the weight of the KL term cannot be negative.")
    if found > 100:
        raise Incorrect(f"BETA is {found:g}: far too large (useful values lie between about 0.1 "
                        "and 20). Did you store a KL or a reconstruction instead of beta?")
    rate, distortion = _beta_result(found)
    rate_text, rate_target = distinct_numbers(rate, TARGET_RATE)
    dist_text, dist_target = distinct_numbers(distortion, TARGET_DISTORTION)
    measured = (f"With beta={found:g} the check's VAE reached, on held-out images, a rate (KL) of "
                f"{rate_text} nats and a distortion (reconstruction) of {dist_text} nats.")
    if rate > TARGET_RATE:
        raise Incorrect(f"{measured} The rate must be at most {rate_target}: the code carries "
                        "too much information. A larger beta makes the KL term cost more.")
    if distortion > TARGET_DISTORTION:
        raise Incorrect(f"{measured} The distortion must be at most {dist_target}: beta is so "
                        "large that the code carries too little. Take a smaller beta.")
    return f"{measured} Both targets met (rate <= {rate_target}, distortion <= {dist_target})."


# -- exercises -----------------------------------------------------------------------------------
reparameterize = Exercise(
    lesson=LESSON,
    name="reparameterize",
    title="the reparameterisation trick",
    checker=_check_reparameterize,
    hints=[
        "The sample is the mean plus the standard deviation times the noise you are given.",
        "z_log_var is log(sigma**2), so sigma = exp(z_log_var / 2), not exp(z_log_var).",
        "return z_mean + keras.ops.exp(0.5 * z_log_var) * eps",
    ],
)

count_active_units = Exercise(
    lesson=LESSON,
    name="count_active_units",
    title="active units from the posterior means",
    checker=_check_count_active_units,
    hints=[
        "A unit is active when its posterior mean changes with the image: look at z_mean only.",
        "np.var(z_mean, axis=0) gives one variance per unit (over the images); a unit counts "
        "when that variance is strictly above `threshold`.",
        "return int(np.sum(np.var(np.asarray(z_mean), axis=0) > threshold))",
    ],
)

temperature = Exercise(
    lesson=LESSON,
    name="temperature",
    title="a sampling temperature chosen on validation images",
    checker=_check_temperature,
    hints=[
        "For each T: draw eps of shape (len(real_images), code_size) from N(0, 1), decode "
        "T * eps, and score the images with checks.frechet(real_images, samples).",
        "Keep (Fréchet distance, T) pairs; min() of the pairs gives the lowest distance, and on "
        "a tie the smaller T. Return T, not the distance or its position.",
        "eps = np.random.default_rng(0).normal(size=(len(real_images), code_size))\n"
        "scores = [(checks.frechet(real_images, ops.convert_to_numpy(decoder(float(t) * eps))), "
        "float(t)) for t in temperatures]\nreturn min(scores)[1]",
    ],
)

verdict = Exercise(
    lesson=LESSON,
    name="verdict",
    title="a winner or a tie, from scores over seeds",
    checker=_check_verdict,
    hints=[
        "Compute each setting's mean and its standard deviation over seeds with ddof=1.",
        "The gap is |mean_a - mean_b|. If it is at most the larger standard deviation, "
        "return 'tie'; otherwise the lower mean wins.",
        "a, b = np.asarray(scores_a, float), np.asarray(scores_b, float)\n"
        "if abs(a.mean() - b.mean()) <= max(a.std(ddof=1), b.std(ddof=1)): return 'tie'\n"
        "return 'A' if a.mean() < b.mean() else 'B'",
    ],
)

beta = Exercise(
    lesson=LESSON,
    name="beta",
    title="a beta chosen for a rate and a distortion target",
    checker=_check_beta,
    hints=[
        "For each beta in BETAS: vae = checks.train_beta_vae(x_small, beta), then "
        "checks.rate_distortion(vae, x_val) gives (rate, distortion) on validation images.",
        "The rate falls and the distortion rises as beta grows: keep the betas that meet both "
        "targets on validation images.",
        "The check measures on other images, so its numbers differ from yours by a few nats. "
        "Among the betas that meet both targets, take the one with the largest margin to the "
        "nearer target (relative margins: 1 - rate / TARGET_RATE, 1 - distortion / "
        "TARGET_DISTORTION).",
    ],
)

EXERCISES = (
    reparameterize,
    count_active_units,
    temperature,
    verdict,
    beta,
)
