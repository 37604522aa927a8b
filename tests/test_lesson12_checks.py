"""Lesson 12 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import numpy as np
import pytest
import tensorflow as tf
from scipy.optimize import linear_sum_assignment

from course_utils import sae
from course_utils.checks import Outcome
from course_utils.checks import lesson12 as checks


def topk(pre, k, axis=1, relu=True, key=lambda p: p):
    pre = np.asarray(pre)
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


def topk_tf(pre, k):
    pre = tf.convert_to_tensor(pre)
    kth = tf.math.top_k(pre, k=k).values[:, -1:]
    return tf.nn.relu(tf.where(pre >= kth, pre, tf.zeros_like(pre)))


def unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def recovery(true, decoder, threshold, normalise=True, absolute=False, axis=1, strict=False):
    cos = unit(true) @ unit(decoder).T if normalise else true @ decoder.T
    cos = np.abs(cos) if absolute else cos
    best = cos.max(axis=axis)
    return np.mean(best > threshold) if strict else np.mean(best >= threshold)


def hungarian(true, decoder, threshold):
    cos = unit(true) @ unit(decoder).T
    rows, cols = linear_sum_assignment(cos, maximize=True)
    return np.mean(cos[rows, cols] >= threshold)


def recovery_tf(true, decoder, threshold=0.9):
    a = tf.math.l2_normalize(tf.convert_to_tensor(true, tf.float64), axis=1)
    b = tf.math.l2_normalize(tf.convert_to_tensor(decoder, tf.float64), axis=1)
    return tf.reduce_mean(tf.cast(tf.reduce_max(a @ tf.transpose(b), axis=1) >= threshold,
                                  tf.float64))


def over_seeds(train, true, seeds, threshold=0.9, signed=True, *, ddof=1, fixed_seeds=None,
               fixed_threshold=None, fixed_signed=None, form="pair"):
    used = fixed_seeds if fixed_seeds is not None else seeds
    th = fixed_threshold if fixed_threshold is not None else threshold
    sg = fixed_signed if fixed_signed is not None else signed
    shares = [sae.feature_recovery(true, train(s).directions, th, signed=sg) for s in used]
    if form == "list":
        return shares
    if form == "var":
        return np.mean(shares), np.var(shares, ddof=1)
    return np.mean(shares), np.std(shares, ddof=ddof)


def over_seeds_tf(train, true, seeds, threshold=0.9, signed=True):
    shares = tf.constant([sae.feature_recovery(true, train(s).directions, threshold,
                                               signed=signed) for s in seeds], tf.float32)
    return tf.reduce_mean(shares), tf.math.reduce_std(shares) * np.sqrt(
        len(seeds) / (len(seeds) - 1))


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.topk_activation, topk),
        (checks.topk_activation, lambda pre, k: np.maximum(sae.topk(pre, k), 0)),
        (checks.topk_activation, topk_tf),
        (checks.feature_recovery, recovery),
        (checks.feature_recovery, sae.feature_recovery),
        (checks.feature_recovery, recovery_tf),
        (checks.recovery_over_seeds, over_seeds),
        (checks.recovery_over_seeds, over_seeds_tf),
        (checks.chosen_k, 4),
        (checks.chosen_k, np.int64(4)),
        (checks.k_for_features, 2),
        (checks.k_for_features, np.float64(2.0)),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.topk_activation, lambda p, k: topk(p, k, relu=False), "Negative values"),
        (checks.topk_activation, lambda p, k: topk(p, k - 1), "k - 1"),
        (checks.topk_activation, lambda p, k: topk(p, k + 1), "k \\+ 1"),
        (checks.topk_activation, lambda p, k: topk(p, 5), "whatever k is"),
        (checks.topk_activation, lambda p, k: topk(p, k, axis=0), "\\*column\\*"),
        (checks.topk_activation, lambda p, k: topk(p, k, key=np.abs), "by \\|value\\|"),
        (checks.topk_activation, lambda p, k: np.sort(p, axis=1)[:, -k:], "only the k values"),
        (checks.topk_activation, lambda p, k: None, "returned None"),
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
        (checks.feature_recovery, lambda t, d, th=0.9: recovery(t, d, 0.9), "0.9 whatever"),
        (checks.feature_recovery, lambda t, d, th: recovery(t, d, th, strict=True),
         "\\*equal\\* to it"),
        (checks.feature_recovery, lambda t, d, th: "0.5", "single number"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, ddof=0), "ddof=0"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, form="var"),
         "variance"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, form="list"),
         "one per seed"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, fixed_seeds=(0, 1, 2)),
         "not a fixed range"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, fixed_threshold=0.9),
         "threshold of 0.9"),
        (checks.recovery_over_seeds, lambda *a, **k: over_seeds(*a, **k, fixed_signed=True),
         "although signed=False"),
        (checks.recovery_over_seeds, lambda train, true, seeds, threshold=0.9, signed=True:
         [sae.feature_recovery(true, train(s).w_dec) for s in seeds], "AttributeError"),
        (checks.chosen_k, 2, "above the target"),
        (checks.chosen_k, 6, "\\*smallest\\*"),
        (checks.chosen_k, 8, "\\*smallest\\*"),
        (checks.chosen_k, 0.121, "looks like an FVU"),
        (checks.chosen_k, 3, "one of the candidates"),
        (checks.k_for_features, 1, "meets the recovery target too"),
        (checks.k_for_features, 4, "below the recovery target"),
        (checks.k_for_features, 6, "below the recovery target"),
        (checks.k_for_features, 0.62, "looks like a share"),
        (checks.k_for_features, 5, "one of the candidates"),
        (checks.k_for_features, "2", "single number"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is not Outcome.CORRECT, feedback
    assert re.search(words, feedback.message), feedback.message


@pytest.mark.parametrize("exercise", [checks.topk_activation, checks.feature_recovery,
                                      checks.recovery_over_seeds, checks.chosen_k,
                                      checks.k_for_features])
def test_untouched_stubs_are_not_attempted(exercise):
    stub = None if exercise in (checks.chosen_k, checks.k_for_features) else (
        lambda *args, **kwargs: None)
    assert exercise.evaluate(stub).outcome is Outcome.NOT_ATTEMPTED
