"""Lesson 10 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import numpy as np
import pytest
import tensorflow as tf
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from course_utils import attribution, image_attributes
from course_utils.checks import Outcome
from course_utils.checks import lesson10 as checks


# -- slerp ---------------------------------------------------------------------------------------
def _angle(a, b):
    return np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))


def slerp(a, b, t):
    omega = _angle(a, b)
    t = np.asarray(t)[:, None]
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def lerp(a, b, t):
    t = np.asarray(t)[:, None]
    return (1 - t) * a + t * b


def slerp_no_sin(a, b, t):
    omega = _angle(a, b)
    t = np.asarray(t)[:, None]
    return np.sin((1 - t) * omega) * a + np.sin(t * omega) * b


def slerp_raw_angle(a, b, t):
    omega = np.arccos(np.clip(a @ b, -1, 1))
    t = np.asarray(t)[:, None]
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def slerp_swapped(a, b, t):
    return slerp(b, a, t)


# -- integrated gradients -------------------------------------------------------------------------
def _path_grads(f, x, baseline, alphas):
    x = tf.constant(np.asarray(x, np.float32))
    b = tf.constant(np.asarray(baseline, np.float32))
    points = b[None] + tf.constant(np.asarray(alphas, np.float32))[:, None, None] * (x - b)[None]
    with tf.GradientTape() as tape:
        tape.watch(points)
        total = tf.reduce_sum(f(points))
    return tape.gradient(total, points).numpy()


def ig(f, x, baseline, steps):
    alphas = (np.arange(steps) + 0.5) / steps
    return (x - baseline) * _path_grads(f, x, baseline, alphas).mean(axis=0)


def ig_trapezoid(f, x, baseline, steps):
    grads = _path_grads(f, x, baseline, np.linspace(0, 1, steps + 1))
    return (x - baseline) * (grads[:-1] + grads[1:]).mean(axis=0) / 2


def ig_no_factor(f, x, baseline, steps):
    return _path_grads(f, x, baseline, (np.arange(steps) + 0.5) / steps).mean(axis=0)


def ig_times_x(f, x, baseline, steps):
    return x * _path_grads(f, x, baseline, (np.arange(steps) + 0.5) / steps).mean(axis=0)


def ig_linspace(f, x, baseline, steps):
    return (x - baseline) * _path_grads(f, x, baseline, np.linspace(0, 1, steps)).mean(axis=0)


def ig_left(f, x, baseline, steps):
    return (x - baseline) * _path_grads(f, x, baseline, np.arange(steps) / steps).mean(axis=0)


def ig_at_x(f, x, baseline, steps):
    return (x - baseline) * _path_grads(f, x, baseline, [1.0])[0]


# -- slant ---------------------------------------------------------------------------------------
def _moments(images, centred=True):
    images = np.asarray(images, np.float64)
    mass = images.sum(axis=(1, 2))
    rows = np.arange(28.0)[None, :, None]
    cols = np.arange(28.0)[None, None, :]
    y_bar = (images * rows).sum(axis=(1, 2)) / mass if centred else 0 * mass
    x_bar = (images * cols).sum(axis=(1, 2)) / mass if centred else 0 * mass
    dy, dx = rows - y_bar[:, None, None], cols - x_bar[:, None, None]
    return [(images * p).sum(axis=(1, 2)) / mass for p in (dx * dy, dx * dx, dy * dy)]


def slant(images):
    mu11, _, mu02 = _moments(images)
    return -mu11 / mu02


# -- unit_r2 -------------------------------------------------------------------------------------
def unit_r2(ct, vt, cs, vs):
    return np.array([r2_score(vs, LinearRegression().fit(ct[:, [u]], vt).predict(cs[:, [u]]))
                     for u in range(ct.shape[1])])


def unit_r2_train(ct, vt, cs, vs):
    return unit_r2(ct, vt, ct, vt)


def unit_r2_refit(ct, vt, cs, vs):
    return unit_r2(cs, vs, cs, vs)


def unit_r2_corr(ct, vt, cs, vs):
    return np.array([np.corrcoef(cs[:, u], vs)[0, 1] for u in range(cs.shape[1])])


def unit_r2_swapped(ct, vt, cs, vs):
    return np.array([r2_score(LinearRegression().fit(ct[:, [u]], vt).predict(cs[:, [u]]), vs)
                     for u in range(ct.shape[1])])


def unit_r2_all(ct, vt, cs, vs):
    return r2_score(vs, LinearRegression().fit(ct, vt).predict(cs))


def _correct_alpha() -> float:
    model = checks.edit_model()
    x_train, _ = checks.edit_images()
    direction = checks.thickness_direction(model, x_train)
    alphas = np.round(np.arange(0.1, 1.55, 0.05), 2)
    changes = {a: checks.ink_change(model, x_train, direction, a) for a in alphas}
    return float(min(alphas, key=lambda a: abs(changes[a] - checks.TARGET_INK_CHANGE)))


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.slerp, slerp),
        (checks.slerp, attribution.slerp),  # the shared implementation agrees
        (checks.integrated_gradients, ig),
        (checks.integrated_gradients, ig_trapezoid),  # another accurate rule passes too
        (checks.integrated_gradients, lambda f, x, b, s: attribution.integrated_gradients(
            f, x, b, steps=s)),
        (checks.slant, slant),
        (checks.slant, image_attributes.slant),
        (checks.unit_r2, unit_r2),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_an_alpha_chosen_on_other_images_meets_the_target():
    feedback = checks.alpha.evaluate(_correct_alpha())
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        # slerp
        (checks.slerp, lerp, "straight line"),
        (checks.slerp, slerp_no_sin, "division by sin\\(w\\) is missing"),
        (checks.slerp, slerp_raw_angle, "normalise first"),
        (checks.slerp, slerp_swapped, "swapped"),
        (checks.slerp, lambda a, b, t: slerp(a, b, t)[:, 0], "shape"),
        # integrated_gradients
        (checks.integrated_gradients, ig_no_factor, "\\(x - baseline\\) is missing"),
        (checks.integrated_gradients, ig_times_x, "instead of \\(x - baseline\\)"),
        (checks.integrated_gradients, ig_at_x, "gradient at x only"),
        (checks.integrated_gradients, ig_linspace, "off-by-one"),
        (checks.integrated_gradients, ig_left, "left Riemann"),
        (checks.integrated_gradients, lambda f, x, b, s: -ig(f, x, b, s), "sign is flipped"),
        # slant
        (checks.slant, lambda im: -slant(im), "sign is flipped"),
        (checks.slant, lambda im: -_moments(im)[0] / _moments(im)[1], "wrong axis"),
        (checks.slant, lambda im: -_moments(im, False)[0] / _moments(im, False)[2],
         "not centred"),
        (checks.slant, lambda im: -_moments(im)[0], "divide it by mu02"),
        (checks.slant, lambda im: slant(im).mean(), "shape"),
        # unit_r2
        (checks.unit_r2, unit_r2_train, "\\*training\\* codes"),
        (checks.unit_r2, unit_r2_refit, "fitted the regression on the held-out"),
        (checks.unit_r2, unit_r2_corr, "correlations r"),
        (checks.unit_r2, lambda *a: unit_r2_corr(*a) ** 2, "r² of the held-out"),
        (checks.unit_r2, unit_r2_swapped, "swapped"),
        (checks.unit_r2, unit_r2_all, "one number"),
        # alpha
        (checks.alpha, -0.7, "negative step"),
        (checks.alpha, 2.0, "overshoots"),
        (checks.alpha, 0.1, "larger step"),
        (checks.alpha, 25.0, "far too large"),
        (checks.alpha, "0.7", "single number"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message


def test_stubs_are_not_attempted():
    for exercise in checks.EXERCISES:
        assert exercise.evaluate(None).outcome is Outcome.NOT_ATTEMPTED
