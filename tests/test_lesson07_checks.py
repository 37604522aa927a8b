"""Lesson 07 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from course_utils.checks import Outcome
from course_utils.checks import lesson07 as checks

# Measured with the check's recipe: meets both targets / misses the distortion target.
BETA_REFERENCE, BETA_TOO_LARGE = 2.0, 4.0


def reparam(z_mean, z_log_var, eps):
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def reparam_tf(z_mean, z_log_var, eps):
    return tf.convert_to_tensor(z_mean) + tf.exp(0.5 * tf.convert_to_tensor(z_log_var)) * eps


def active(z_mean, z_log_var, threshold=0.01):
    return int(np.sum(np.var(np.asarray(z_mean), axis=0) > threshold))


def active_tf(z_mean, z_log_var, threshold=0.01):
    return ops.sum(ops.cast(ops.var(ops.convert_to_tensor(z_mean), axis=0) > threshold, "int32"))


def active_float32(z_mean, z_log_var, threshold=0.01):
    variance = np.var(np.asarray(z_mean, dtype=np.float32), axis=0)
    return np.float32(np.sum(variance > np.float32(threshold)))


def _temperature_rule(noise="numpy", transform=lambda t: t, pick="min", dtype="float64",
                      returns="t"):
    def choose(decoder, code_size, real_images, temperatures):
        temps = [float(t) for t in np.asarray(temperatures)]
        if noise == "numpy":
            eps = np.random.default_rng(0).normal(size=(len(real_images), code_size))
        else:
            eps = keras.random.normal((len(real_images), code_size), seed=1)
        eps = ops.cast(eps, dtype)
        scores = [checks.frechet(real_images,
                                 ops.convert_to_numpy(decoder(transform(t) * eps)))
                  for t in temps]
        if pick == "min":
            return min(zip(scores, temps, strict=True))[1]
        if pick == "argmin":
            return temps[int(np.argmin(scores))] if returns == "t" else int(np.argmin(scores))
        if pick == "argmax":
            return temps[int(np.argmax(scores))]
        if pick == "fd":
            return min(scores)
        raise AssertionError(pick)
    return choose


def verdict(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if abs(a.mean() - b.mean()) <= max(a.std(ddof=1), b.std(ddof=1)):
        return "tie"
    return "A" if a.mean() < b.mean() else "B"


def verdict_tf(a, b):
    a = tf.cast(tf.convert_to_tensor(a), tf.float32)
    b = tf.cast(tf.convert_to_tensor(b), tf.float32)

    def sd(x):
        n = tf.cast(tf.size(x), tf.float32)
        return tf.sqrt(tf.reduce_sum((x - tf.reduce_mean(x)) ** 2) / (n - 1))

    gap = float(tf.reduce_mean(a) - tf.reduce_mean(b))
    if abs(gap) <= float(tf.maximum(sd(a), sd(b))):
        return "tie"
    return "a" if gap < 0 else "b"  # lower case is accepted


def _verdict_rule(ddof=1, spread=max, strict=True, higher=False, use_spread=True):
    def rule(a, b):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        gap = a.mean() - b.mean()
        limit = spread(a.std(ddof=ddof), b.std(ddof=ddof)) if use_spread else 0.0
        if (abs(gap) <= limit) if strict else (abs(gap) < limit):
            return "tie"
        return ("A" if gap > 0 else "B") if higher else ("A" if gap < 0 else "B")
    return rule


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.reparameterize, reparam),
        (checks.reparameterize, reparam_tf),
        (checks.count_active_units, active),
        (checks.count_active_units, active_tf),
        (checks.count_active_units, active_float32),
        (checks.temperature, _temperature_rule()),
        (checks.temperature, _temperature_rule(noise="keras", dtype="float32")),
        (checks.verdict, verdict),
        (checks.verdict, verdict_tf),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        # reparameterize
        (checks.reparameterize, lambda m, lv, e: m + ops.exp(lv) * e, "the \\*variance\\*"),
        (checks.reparameterize, lambda m, lv, e: m + lv * e, "z_log_var as the standard"),
        (checks.reparameterize, lambda m, lv, e: m, "z_mean itself: no noise"),
        (checks.reparameterize, lambda m, lv, e: m + ops.sqrt(lv) * e, "square root of the log"),
        (checks.reparameterize, lambda m, lv, e: ops.exp(0.5 * lv) * e, "mean is missing"),
        (checks.reparameterize,
         lambda m, lv, e: m + ops.exp(0.5 * lv) * np.random.normal(size=np.shape(e)),
         "draws its own noise"),
        (checks.reparameterize,
         lambda m, lv, e: np.asarray(m) + np.exp(0.5 * np.asarray(lv)) * np.asarray(e),
         "no gradient reaches z_mean and z_log_var"),
        (checks.reparameterize,
         lambda m, lv, e: (m + ops.exp(0.5 * lv) * e)[:, :4] if np.shape(m)[1] >= 4 else m,
         "float64 inputs"),
        # count_active_units
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=1) > t)),
         "wrong axis"),
        (checks.count_active_units, lambda m, lv, t=0.01: active(lv, m, t), "measured z_log_var"),
        (checks.count_active_units,
         lambda m, lv, t=0.01: active(np.exp(np.asarray(lv)), m, t), "posterior variances"),
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.std(m, axis=0) > t)),
         "standard deviation"),
        (checks.count_active_units,
         lambda m, lv, t=0.01: int(np.sum(np.abs(m).mean(axis=0) > t)), "size of the means"),
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=0) <= t)),
         "counted the inactive"),
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=0) >= t)),
         "not >="),
        (checks.count_active_units,
         lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=0, ddof=1) > t)), "ddof=1"),
        (checks.count_active_units, lambda m, lv, t=0.01: active(m, lv, 0.01),
         "Use the `threshold` argument"),
        (checks.count_active_units, lambda m, lv, t=0.1: active(m, lv, t), "default must be 0.01"),
        (checks.count_active_units, lambda m, lv, t=0.01: np.var(m, axis=0) > t, "single number"),
        (checks.count_active_units,
         lambda m, lv, t=0.01: active(m, lv, t) / np.shape(m)[1], "fraction"),
        # temperature
        (checks.temperature, _temperature_rule(pick="argmax"), "\\*highest\\* Fréchet"),
        (checks.temperature, _temperature_rule(transform=np.sqrt), "scaled the codes by sqrt"),
        (checks.temperature, _temperature_rule(transform=np.square), "by T\\*\\*2"),
        (checks.temperature, _temperature_rule(pick="argmin"), "return the \\*smallest\\*"),
        (checks.temperature, _temperature_rule(pick="argmin", returns="index"), "position"),
        (checks.temperature, _temperature_rule(pick="fd"), "not one of the temperatures"),
        (checks.temperature,
         lambda d, c, r, t: _temperature_rule()(d, c, checks._check_images()[1][:300], t),
         "instead of its `real_images` argument"),
        (checks.temperature,
         lambda d, c, r, t: _temperature_rule()(d, 16, r, t), "your code raised|ValueError"),
        # verdict
        (checks.verdict, _verdict_rule(higher=True), "\\*higher\\* mean"),
        (checks.verdict, _verdict_rule(use_spread=False), "larger than the spread"),
        (checks.verdict, _verdict_rule(strict=False), "exactly equal"),
        (checks.verdict, _verdict_rule(ddof=0), "ddof=1"),
        (checks.verdict, _verdict_rule(spread=min), "not\nthe smaller|not the smaller"),
        (checks.verdict, _verdict_rule(spread=lambda s, t: (s + t) / 2), "not their average"),
        (checks.verdict, lambda a, b: np.mean(a) < np.mean(b), "one of the strings"),
        # beta: cheap wrong answers (no training)
        (checks.beta, -1.0, "cannot be negative"),
        (checks.beta, 500.0, "far too large"),
        (checks.beta, "1.0", "single number"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome in {Outcome.INCORRECT, Outcome.RAISED}, feedback
    assert re.search(words, feedback.message), feedback.message


def test_the_gradient_check_names_a_stopped_gradient():
    def stopped(m, lv, e):
        return m + tf.stop_gradient(ops.exp(0.5 * lv)) * e

    feedback = checks.reparameterize.evaluate(stopped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "no gradient reaches z_log_var" in feedback.message, feedback.message


def test_the_boundary_unit_sits_exactly_on_the_threshold():
    for dtype in (np.float32, np.float64):
        z_mean, _ = checks._activity_case(0, 256, dtype)
        variances = np.var(z_mean, axis=0)
        assert np.sum(variances == checks._BOUNDARY) == 1
        assert np.sum(np.var(z_mean.astype(np.float64), axis=0, ddof=1) > checks._BOUNDARY) == 8


def test_the_recipe_reports_terms_that_add_up():
    x_train, x_held_out = checks._check_images()
    model = checks.train_beta_vae(x_train[:200], 1.0)
    rate, distortion = checks.rate_distortion(model, x_held_out[:100])
    assert isinstance(model, keras.Model) and 0 < rate < distortion
    result = model.evaluate(x_held_out[:100], batch_size=500, verbose=0, return_dict=True)
    assert np.isclose(result["loss"], result["reconstruction"] + result["kl"], rtol=1e-4)


@pytest.mark.parametrize(
    ("beta", "outcome", "words"),
    [
        (BETA_REFERENCE, Outcome.CORRECT, "Both targets met"),
        (1.0, Outcome.INCORRECT, "rate must be at most"),
        (0.0, Outcome.INCORRECT, "rate must be at most"),
        (BETA_TOO_LARGE, Outcome.INCORRECT, "distortion must be at most"),
    ],
)
def test_the_beta_check_trains_and_measures(beta, outcome, words):
    feedback = checks.beta.evaluate(beta)
    assert feedback.outcome is outcome, feedback
    assert words in feedback.message, feedback.message
