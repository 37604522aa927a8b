"""Lesson 10 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import numpy as np
import pytest
import tensorflow as tf
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score

from course_utils import attribution
from course_utils.attribution import completeness_error
from course_utils.checks import Outcome
from course_utils.checks import lesson10 as checks
from course_utils.features import classify


# -- integrated gradients -------------------------------------------------------------------------
def _path_grads(f, x, baseline, alphas, dtype=tf.float32):
    x = tf.constant(np.asarray(x), dtype)
    b = tf.constant(np.asarray(baseline), dtype)
    points = b[None] + tf.constant(np.asarray(alphas), dtype)[:, None, None] * (x - b)[None]
    with tf.GradientTape() as tape:
        tape.watch(points)
        total = tf.reduce_sum(f(points))
    return tape.gradient(total, points).numpy()


def ig(f, x, baseline, steps):
    alphas = (np.arange(steps) + 0.5) / steps
    return (x - baseline) * _path_grads(f, x, baseline, alphas).mean(axis=0)


def ig_float64(f, x, baseline, steps):
    """Path points in float64 (NumPy inputs kept at their precision), a tf.Tensor returned."""
    alphas = (np.arange(steps) + 0.5) / steps
    grads = _path_grads(f, x, baseline, alphas, tf.float64)
    return tf.constant((np.asarray(x) - np.asarray(baseline)) * grads.mean(axis=0))


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


def ig_fixed_steps(f, x, baseline, steps):
    return ig(f, x, baseline, 256)


def ig_black(f, x, baseline, steps):
    return ig(f, x, np.zeros_like(x), steps)


# -- ig_steps ------------------------------------------------------------------------------------
def _errors(f, images, baseline, n):
    return [completeness_error(f, x, attribution.integrated_gradients(f, x, baseline, steps=n),
                               baseline) for x in images]


def smallest_steps(f, images, baseline, step_options, tolerance):
    for n in sorted(step_options):
        if max(_errors(f, images, baseline, n)) <= tolerance:
            return n
    return None


def smallest_steps_int64(f, images, baseline, step_options, tolerance):
    return np.int64(smallest_steps(f, images, baseline, step_options, tolerance))


def steps_mean(f, images, baseline, step_options, tolerance):
    return next(n for n in step_options if np.mean(_errors(f, images, baseline, n)) <= tolerance)


def steps_first_image(f, images, baseline, step_options, tolerance):
    return smallest_steps(f, images[:1], baseline, step_options, tolerance)


def steps_largest(f, images, baseline, step_options, tolerance):
    return max(n for n in step_options if max(_errors(f, images, baseline, n)) <= tolerance)


def steps_black(f, images, baseline, step_options, tolerance):
    return smallest_steps(f, images, np.zeros_like(baseline), step_options, tolerance)


def steps_fixed_tolerance(f, images, baseline, step_options, tolerance):
    return smallest_steps(f, images, baseline, step_options, 0.01)


def steps_fixed_options(f, images, baseline, step_options, tolerance):
    return smallest_steps(f, images, baseline, (2, 4, 8, 16, 32, 64), tolerance)


def steps_absolute(f, images, baseline, step_options, tolerance):
    for n in step_options:
        gaps = []
        for x in images:
            attributions = attribution.integrated_gradients(f, x, baseline, steps=n)
            values = f(np.stack([x, baseline]).astype(np.float32)).numpy()
            gaps.append(abs(attributions.sum() - (values[0] - values[1])))
        if max(gaps) <= tolerance:
            return n
    return None


def steps_as_float(f, images, baseline, step_options, tolerance):
    return float(smallest_steps(f, images, baseline, step_options, tolerance))


def steps_error_value(f, images, baseline, step_options, tolerance):
    n = smallest_steps(f, images, baseline, step_options, tolerance)
    return max(_errors(f, images, baseline, n))


def steps_forgot_return(f, images, baseline, step_options, tolerance):
    smallest_steps(f, images, baseline, step_options, tolerance)


def steps_stub(f, images, baseline, step_options, tolerance):
    # YOUR CODE HERE
    return None


# -- unit_r2 -------------------------------------------------------------------------------------
def unit_r2(ct, vt, cs, vs):
    return np.array([r2_score(vs, LinearRegression().fit(ct[:, [u]], vt).predict(cs[:, [u]]))
                     for u in range(ct.shape[1])])


def unit_r2_tf(ct, vt, cs, vs):
    return tf.constant(unit_r2(ct, vt, cs, vs), tf.float32)


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


def unit_r2_five_units(ct, vt, cs, vs):
    return np.array([r2_score(vs, LinearRegression().fit(ct[:, [u]], vt).predict(cs[:, [u]]))
                     for u in range(5)])


# -- alpha ---------------------------------------------------------------------------------------
def _correct_alpha() -> float:
    model = checks.edit_model()
    x_train, _ = checks.edit_images()
    direction = checks.thickness_direction(model, x_train)
    alphas = np.round(np.arange(0.1, 1.55, 0.05), 2)
    changes = {a: checks.ink_change(model, x_train, direction, a) for a in alphas}
    return float(min(alphas, key=lambda a: abs(changes[a] - checks.TARGET_INK_CHANGE)))


# -- safe_alpha ----------------------------------------------------------------------------------
def _shares(model, images, direction, alphas, reference=None):
    codes = model.encode(images)
    before = classify(model.decode(codes)) if reference is None else reference
    return [np.mean(classify(model.decode(codes + a * direction)) == before) for a in alphas]


def safe_alpha(model, images, direction, alphas, share):
    shares = _shares(model, images, direction, alphas)
    return max(a for a, s in zip(alphas, shares, strict=True) if s >= share)


def safe_alpha_strict(model, images, direction, alphas, share):
    shares = _shares(model, images, direction, alphas)
    return max(a for a, s in zip(alphas, shares, strict=True) if s > share)


def safe_alpha_smallest(model, images, direction, alphas, share):
    shares = _shares(model, images, direction, alphas)
    return min(a for a, s in zip(alphas, shares, strict=True) if s >= share)


def safe_alpha_real(model, images, direction, alphas, share):
    shares = _shares(model, images, direction, alphas, reference=classify(images))
    passing = [a for a, s in zip(alphas, shares, strict=True) if s >= share]
    return max(passing) if passing else None


def safe_alpha_fixed_share(model, images, direction, alphas, share):
    return safe_alpha(model, images, direction, alphas, 0.9)


def safe_alpha_own_model(model, images, direction, alphas, share):
    own = checks.edit_model()
    return safe_alpha(own, images, checks.thickness_direction(own, checks.edit_images()[0]),
                      alphas, share)


def safe_alpha_share_value(model, images, direction, alphas, share):
    a = safe_alpha(model, images, direction, alphas, share)
    return _shares(model, images, direction, [a])[0]


def safe_alpha_stub(model, images, direction, alphas, share):
    # YOUR CODE HERE
    return None


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.integrated_gradients, ig),
        (checks.integrated_gradients, ig_float64),  # float64 path points, a tf.Tensor result
        (checks.integrated_gradients, ig_trapezoid),  # another accurate rule passes too
        (checks.integrated_gradients, lambda f, x, b, s: attribution.integrated_gradients(
            f, x, b, steps=s)),
        (checks.ig_steps, smallest_steps),
        (checks.ig_steps, smallest_steps_int64),
        (checks.unit_r2, unit_r2),
        (checks.unit_r2, unit_r2_tf),
        (checks.safe_alpha, safe_alpha),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_an_alpha_chosen_on_other_images_meets_the_target():
    feedback = checks.alpha.evaluate(_correct_alpha())
    assert feedback.outcome is Outcome.CORRECT, feedback
    assert checks.alpha.evaluate(np.float32(_correct_alpha())).outcome is Outcome.CORRECT


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        # integrated_gradients
        (checks.integrated_gradients, ig_no_factor, "\\(x - baseline\\) is missing"),
        (checks.integrated_gradients, ig_times_x, "instead of \\(x - baseline\\)"),
        (checks.integrated_gradients, ig_at_x, "gradient at x only"),
        (checks.integrated_gradients, ig_linspace, "off-by-one"),
        (checks.integrated_gradients, ig_left, "left Riemann"),
        (checks.integrated_gradients, lambda f, x, b, s: -ig(f, x, b, s), "sign is flipped"),
        (checks.integrated_gradients, ig_fixed_steps, "use its `steps` argument"),
        (checks.integrated_gradients, ig_black, "`baseline` argument is ignored"),
        (checks.integrated_gradients, lambda f, x, b, s: ig(f, x, b, s)[0], "shape"),
        # ig_steps
        (checks.ig_steps, steps_mean, "\\*mean\\* error"),
        (checks.ig_steps, steps_first_image, "Only the first image"),
        (checks.ig_steps, steps_largest, "\\*largest\\* step count"),
        (checks.ig_steps, steps_black, "black baseline"),
        (checks.ig_steps, steps_absolute, "absolute gap"),
        (checks.ig_steps, steps_fixed_tolerance, "use the argument"),
        (checks.ig_steps, steps_fixed_options, "loop over `step_options`"),
        (checks.ig_steps, steps_as_float, "whole number"),
        (checks.ig_steps, steps_error_value, "whole number"),
        (checks.ig_steps, steps_forgot_return, "forget `return`"),
        (checks.ig_steps, "32", "should be the function itself"),
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
        (checks.alpha, np.array([0.6, 0.7]), "single number"),
        # safe_alpha
        (checks.safe_alpha, safe_alpha_strict, ">= share, not > share"),
        (checks.safe_alpha, safe_alpha_smallest, "\\*smallest\\* alpha"),
        (checks.safe_alpha, safe_alpha_real, "\\*real\\* images"),
        (checks.safe_alpha, safe_alpha_fixed_share, "whatever `share` is"),
        (checks.safe_alpha, safe_alpha_own_model, "not the `model`, `images` and `direction`"),
        (checks.safe_alpha, safe_alpha_share_value, "not one of the alphas"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message


def test_a_function_written_for_five_units_is_caught_on_the_three_unit_code():
    feedback = checks.unit_r2.evaluate(unit_r2_five_units)
    assert feedback.outcome is Outcome.RAISED, feedback
    assert "IndexError" in feedback.message or "index" in feedback.message, feedback.message


def test_stubs_are_not_attempted():
    for exercise in checks.EXERCISES:
        assert exercise.evaluate(None).outcome is Outcome.NOT_ATTEMPTED
    assert checks.ig_steps.evaluate(steps_stub).outcome is Outcome.NOT_ATTEMPTED
    assert checks.safe_alpha.evaluate(safe_alpha_stub).outcome is Outcome.NOT_ATTEMPTED
