"""Lesson 08 checks: reference answers pass, typical mistakes get specific feedback."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from course_utils.checks import Outcome
from course_utils.checks import lesson08 as checks
from course_utils.toy_data import high_quality_share, modes_covered, ring_centres


# -- gan_losses ------------------------------------------------------------------------------
def losses(real, fake):
    d = ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))
    return d, ops.mean(ops.softplus(-fake))


def losses_numpy(real, fake):
    return (np.logaddexp(0, -real).mean() + np.logaddexp(0, fake).mean(),
            np.logaddexp(0, -fake).mean())


def saturating(real, fake):
    return losses(real, fake)[0], -ops.mean(ops.softplus(fake))


def swapped(real, fake):
    return ops.mean(ops.softplus(real)) + ops.mean(ops.softplus(-fake)), ops.mean(
        ops.softplus(fake))


def probabilities_as_logits(real, fake):
    return losses(ops.sigmoid(real), ops.sigmoid(fake))


def concatenated(real, fake):
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    logits = ops.concatenate([real, fake])
    labels = ops.concatenate([ops.ones_like(real), ops.zeros_like(fake)])
    return bce(labels, logits), bce(ops.ones_like(fake), fake)


def log_of_sigmoid(real, fake):
    real, fake = np.asarray(real), np.asarray(fake)
    with np.errstate(divide="ignore", over="ignore"):
        return (-np.mean(np.log(1 / (1 + np.exp(-real)))) - np.mean(np.log(1 - 1 / (1 + np.exp(
            -fake)))), -np.mean(np.log(1 / (1 + np.exp(-fake)))))


# -- generator_step --------------------------------------------------------------------------
def step(sign=1.0, loss="non_saturating", update="generator"):
    def generator_step(generator, discriminator, optimizer, noise):
        with tf.GradientTape() as tape:
            score = discriminator(generator(noise, training=True), training=True)
            if loss == "non_saturating":
                value = ops.mean(ops.softplus(-score))
            else:
                value = -ops.mean(ops.softplus(score))
            objective = sign * value
        weights = {"generator": generator.trainable_weights,
                   "both": generator.trainable_weights + discriminator.trainable_weights,
                   "nothing": generator.trainable_weights}[update]
        grads = tape.gradient(objective, weights)
        if update != "nothing":
            optimizer.apply_gradients(zip(grads, weights, strict=True))
        return value

    return generator_step


def fresh_noise_step(generator, discriminator, optimizer, noise):
    return step()(generator, discriminator, optimizer,
                  np.random.default_rng(99).normal(size=noise.shape).astype("float32"))


# -- ring_scores -----------------------------------------------------------------------------
def scores(samples, std, modes=8, radius=2.0):
    centres = ring_centres(modes, radius)
    return modes_covered(samples, centres, std), high_quality_share(samples, centres, std)


def ring_variant(angles=None, sigmas=3, min_count=None, use_distance=True, percent=False):
    def ring_scores(samples, std, modes=8, radius=2.0):
        a = (np.linspace(0, 2 * np.pi, 8, endpoint=False) if angles is None else angles)
        centres = radius * np.stack([np.cos(a), np.sin(a)], axis=1)
        d = np.linalg.norm(samples[:, None] - centres[None], axis=-1)
        nearest, good = d.argmin(1), d.min(1) <= sigmas * std
        need = max(1, math.ceil(0.2 * len(samples) / 8)) if min_count is None else min_count
        counts = np.bincount(nearest[good] if use_distance else nearest, minlength=8)
        share = good.mean() * (100 if percent else 1)
        return int((counts >= need).sum()), float(share)

    return ring_scores


# -- gradient_penalty ------------------------------------------------------------------------
def penalty(kind="right"):
    def gradient_penalty(critic, real, fake, rng):
        n = len(real)
        eps = rng.uniform() if kind == "one epsilon" else rng.uniform(size=(n, 1))
        mixed = tf.convert_to_tensor((real + eps * (fake - real)).astype("float32"))
        if kind == "at real":
            mixed = tf.convert_to_tensor(real)
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = critic(mixed)
        grads = tape.gradient(score, mixed)
        norms = tf.sqrt(tf.reduce_sum(grads**2, axis=1))
        if kind == "norm":
            return tf.reduce_mean(norms)
        if kind == "sum":
            return tf.reduce_sum((norms - 1.0) ** 2)
        return tf.reduce_mean((norms - 1.0) ** 2)

    return gradient_penalty


# -- winners ---------------------------------------------------------------------------------
def winners_variant(direction=True, skip_nan=True, ties=True, ddof=0):
    def winners(results, lower_is_better):
        answer = {}
        for column, lower in lower_is_better.items():
            stats = []
            for model, columns in results.items():
                values = np.asarray(columns[column], dtype=float)
                if skip_nan and not np.isfinite(values).all():
                    continue
                stats.append((model, values.mean(), values.std(ddof=ddof)))
            sign = 1 if (lower and direction) else -1
            if skip_nan:
                stats.sort(key=lambda s: sign * s[1])
            else:
                order = np.argsort([sign * s[1] if not np.isnan(s[1]) else -np.inf
                                    for s in stats])
                stats = [stats[i] for i in order]
            best = stats[0]
            if ties and len(stats) > 1 and abs(best[1] - stats[1][1]) <= max(best[2],
                                                                             stats[1][2]):
                answer[column] = "tie"
            else:
                answer[column] = best[0]
        return answer

    return winners


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.gan_losses, losses),
        (checks.gan_losses, losses_numpy),
        (checks.generator_step, step()),
        (checks.ring_scores, scores),
        (checks.ring_scores, ring_variant()),
        (checks.gradient_penalty, penalty()),
        (checks.winners, winners_variant()),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.gan_losses, saturating, "saturating minimax"),
        (checks.gan_losses, swapped, "labels are swapped"),
        (checks.gan_losses, probabilities_as_logits, "treated as logits"),
        (checks.gan_losses, concatenated, "half the answer"),
        (checks.gan_losses, log_of_sigmoid, "underflows"),
        (checks.gan_losses, lambda r, f: losses(r, f)[0], "pair"),
        (checks.generator_step, step(update="both"), "also changed the discriminator"),
        (checks.generator_step, step(sign=-1.0), "wrong sign"),
        (checks.generator_step, step(update="nothing"), "nothing was updated"),
        (checks.generator_step, step(loss="saturating"), "saturating loss"),
        (checks.generator_step, fresh_noise_step, "Use the `noise`"),
        (checks.ring_scores, ring_variant(angles=np.linspace(0, 2 * np.pi, 8)), "7 distinct"),
        (checks.ring_scores, ring_variant(sigmas=1), "within 1 std"),
        (checks.ring_scores, ring_variant(min_count=1), "as soon as one sample"),
        (checks.ring_scores, ring_variant(use_distance=False), "however far"),
        (checks.ring_scores, ring_variant(percent=True), "percentage"),
        (checks.gradient_penalty, penalty("norm"), "norm itself"),
        (checks.gradient_penalty, penalty("one epsilon"), "one epsilon for the whole batch"),
        (checks.gradient_penalty, penalty("at real"), "at the real points"),
        (checks.gradient_penalty, penalty("sum"), "sum over the batch"),
        (checks.winners, winners_variant(direction=False), "Lower is better"),
        (checks.winners, winners_variant(skip_nan=False), "NaN"),
        (checks.winners, winners_variant(ties=False), "'tie'"),
        (checks.winners, winners_variant(ddof=1), "ddof=0"),
        (checks.winners, lambda results, lower: list(results), "should return a dict"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert words in feedback.message, feedback.message
