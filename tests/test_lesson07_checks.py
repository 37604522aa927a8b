"""Lesson 07 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import keras
import numpy as np
import pytest
from keras import ops

from course_utils import vae
from course_utils.checks import Outcome
from course_utils.checks import lesson07 as checks

# Measured with the check's recipe: meets both targets / misses the distortion target.
BETA_REFERENCE, BETA_TOO_LARGE = 2.0, 4.0


def reparam(z_mean, z_log_var, eps):
    return z_mean + ops.exp(0.5 * z_log_var) * eps


def kl(z_mean, z_log_var):
    return -0.5 * ops.sum(1 + z_log_var - z_mean**2 - ops.exp(z_log_var), axis=-1)


def bce_sum(images, reconstructions):
    return ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2))


def elbo(images, reconstructions, z_mean, z_log_var, beta):
    return bce_sum(images, reconstructions) + beta * kl(z_mean, z_log_var)


def active(z_mean, z_log_var, threshold=0.01):
    return int(np.sum(np.var(z_mean, axis=0) > threshold))


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.reparameterize, reparam),
        (checks.kl_divergence, kl),
        (checks.kl_divergence, vae.kl_divergence),  # the shared implementation agrees
        (checks.kl_divergence, lambda m, lv: np.sum(vae.kl_per_unit(m, lv), axis=1)),
        (checks.elbo_loss, elbo),
        (checks.elbo_loss, lambda x, r, m, lv, b: vae.reconstruction_loss(x, r)
         + b * vae.kl_divergence(m, lv)),
        (checks.count_active_units, active),
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
        # kl_divergence
        (checks.kl_divergence, lambda m, lv: -kl(m, lv), "sign is wrong"),
        (checks.kl_divergence,
         lambda m, lv: 0.5 * ops.sum(lv + m**2 - 1 - ops.log(lv), axis=-1), "as the variance"),
        (checks.kl_divergence, lambda m, lv: kl(m, lv) / 3, "mean over the code units"),
        (checks.kl_divergence, lambda m, lv: 2 * kl(m, lv), "1/2 is missing"),
        (checks.kl_divergence, lambda m, lv: ops.mean(kl(m, lv)), "single number"),
        (checks.kl_divergence, lambda m, lv: vae.kl_per_unit(m, lv), "one KL per image \\*and\\*"),
        # elbo_loss
        (checks.elbo_loss,
         lambda x, r, m, lv, b: ops.mean(ops.binary_crossentropy(x, r), axis=(1, 2))
         + b * kl(m, lv), "\\*mean\\* BCE per pixel"),
        (checks.elbo_loss, lambda x, r, m, lv, b: bce_sum(x, r) + kl(m, lv), "beta is ignored"),
        (checks.elbo_loss, lambda x, r, m, lv, b: b * bce_sum(x, r) + kl(m, lv),
         "beta multiplies the reconstruction"),
        (checks.elbo_loss, lambda x, r, m, lv, b: bce_sum(x, r) - b * kl(m, lv), "subtracted"),
        (checks.elbo_loss,
         lambda x, r, m, lv, b: ops.sum((x - r) ** 2, axis=(1, 2)) + b * kl(m, lv),
         "summed squared error"),
        (checks.elbo_loss, lambda x, r, m, lv, b: ops.mean(elbo(x, r, m, lv, b)), "one number"),
        # count_active_units
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=1) > t)),
         "wrong axis"),
        (checks.count_active_units, lambda m, lv, t=0.01: active(lv, m, t), "measured z_log_var"),
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.std(m, axis=0) > t)),
         "standard deviation"),
        (checks.count_active_units,
         lambda m, lv, t=0.01: int(np.sum(np.abs(m).mean(axis=0) > t)), "size of the means"),
        (checks.count_active_units, lambda m, lv, t=0.01: int(np.sum(np.var(m, axis=0) < t)),
         "counted the inactive"),
        (checks.count_active_units, lambda m, lv, t=0.01: np.var(m, axis=0) > t, "single number"),
        # beta: cheap wrong answers (no training)
        (checks.beta, -1.0, "cannot be negative"),
        (checks.beta, 500.0, "far too large"),
        (checks.beta, "1.0", "single number"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message


def test_the_gradient_check_names_a_stopped_gradient():
    def stopped(m, lv, e):
        import tensorflow as tf

        return m + tf.stop_gradient(ops.exp(0.5 * lv)) * e

    feedback = checks.reparameterize.evaluate(stopped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "no gradient reaches z_log_var" in feedback.message, feedback.message


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
