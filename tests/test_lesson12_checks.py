"""Lesson 12 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from course_utils import sae
from course_utils.checks import Outcome
from course_utils.checks import lesson12 as checks


def fvu(x, x_hat):
    return np.sum((x - x_hat) ** 2) / np.sum((x - x.mean(axis=0)) ** 2)


def stats(z, active=lambda z: z > 0, l0_axis=1, dead_axis=0):
    on = active(z)
    return on.sum(axis=l0_axis).mean(), int((~on.any(axis=dead_axis)).sum())


def topk(pre, k, axis=1, relu=True, key=lambda p: p):
    out = np.zeros_like(pre)
    order = np.argsort(-key(pre), axis=axis)
    if axis == 1:
        idx = order[:, :k]
        rows = np.arange(len(pre))[:, None]
        out[rows, idx] = pre[rows, idx]
    else:
        idx = order[:k]
        cols = np.arange(pre.shape[1])[None, :]
        out[idx, cols] = pre[idx, cols]
    return np.maximum(out, 0) if relu else out


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def recovery(true, decoder, threshold, normalise=True, absolute=False, axis=1):
    cos = unit(true) @ unit(decoder).T if normalise else true @ decoder.T
    cos = np.abs(cos) if absolute else cos
    return np.mean(cos.max(axis=axis) >= threshold)


def hungarian(true, decoder, threshold):
    cos = unit(true) @ unit(decoder).T
    rows, cols = linear_sum_assignment(cos, maximize=True)
    return np.mean(cos[rows, cols] >= threshold)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.fvu, fvu),
        (checks.fvu, sae.fvu),
        (checks.sparsity_stats, stats),
        (checks.sparsity_stats, lambda z: (sae.l0(z), sae.dead_latents(z))),
        (checks.topk_activation, topk),
        (checks.topk_activation, lambda pre, k: np.maximum(sae.topk(pre, k), 0)),
        (checks.feature_recovery, recovery),
        (checks.feature_recovery, sae.feature_recovery),
        (checks.chosen_k, 4),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.fvu, lambda x, h: np.sum((x - h) ** 2) / np.sum(x**2), "variance around 0"),
        (checks.fvu, lambda x, h: np.mean(np.sum((x - h) ** 2, 0)
                                          / np.sum((x - x.mean(0)) ** 2, 0)), "\\*total\\*"),
        (checks.fvu, lambda x, h: 1 / fvu(x, h), "upside down"),
        (checks.fvu, lambda x, h: 1 - fvu(x, h), "R\\^2"),
        (checks.fvu, lambda x, h: np.sum((x - h) ** 2) / np.sum((x - x.mean()) ** 2),
         "one overall mean"),
        (checks.fvu, lambda x, h: np.mean((x - h) ** 2), "is the MSE"),
        (checks.sparsity_stats, lambda z: stats(z, active=lambda z: z >= 0), "z >= 0"),
        (checks.sparsity_stats, lambda z: stats(z, l0_axis=0), "axis=0"),
        (checks.sparsity_stats, lambda z: stats(z, dead_axis=1), "inputs on which no latent"),
        (checks.sparsity_stats, lambda z: (stats(z)[0], stats(z)[1] / z.shape[1]), "share of dead"),
        (checks.sparsity_stats, lambda z: stats(z)[0], "two numbers"),
        (checks.topk_activation, lambda p, k: topk(p, k, relu=False), "Negative values"),
        (checks.topk_activation, lambda p, k: topk(p, k - 1), "k - 1"),
        (checks.topk_activation, lambda p, k: topk(p, k + 1), "k \\+ 1"),
        (checks.topk_activation, lambda p, k: topk(p, k, axis=0), "\\*column\\*"),
        (checks.topk_activation, lambda p, k: topk(p, k, key=np.abs), "by \\|value\\|"),
        (checks.topk_activation, lambda p, k: np.sort(p, axis=1)[:, -k:], "only the k values"),
        (checks.feature_recovery, lambda t, d, th: recovery(t, d, th, normalise=False),
         "raw dot products"),
        (checks.feature_recovery, lambda t, d, th: recovery(t, d, th, absolute=True),
         "opposite"),
        (checks.feature_recovery, lambda t, d, th: recovery(t, d, th, axis=0),
         "\\*decoder rows\\*"),
        (checks.feature_recovery, hungarian, "one to one"),
        (checks.feature_recovery, lambda t, d, th: recovery(t, d, th) * len(t),
         "number of matched"),
        (checks.feature_recovery, lambda t, d, th: 100 * recovery(t, d, th), "percentage"),
        (checks.chosen_k, 2, "above the target"),
        (checks.chosen_k, 6, "\\*smallest\\*"),
        (checks.chosen_k, 8, "\\*smallest\\*"),
        (checks.chosen_k, 0.121, "looks like an FVU"),
        (checks.chosen_k, 3, "one of the candidates"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message
