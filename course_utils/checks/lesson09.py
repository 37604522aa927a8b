"""Checks for lesson 09, "Stability"."""

from __future__ import annotations

import functools

import numpy as np

from ..stability import first_divergence
from .common import bundled_image_split, explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    LearnerCodeError,
    NotAttempted,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_function,
    require_number,
)

LESSON = "09"


def _first_difference(found: np.ndarray, expected: np.ndarray) -> str:
    gap = np.abs(found - expected)
    index = int(np.argmax(gap))
    return f"For metric {index} expected {expected[index]:.5g}, found {found[index]:.5g}."


# -- coefficient_of_variation --------------------------------------------------------------------
def _cv_inputs(seed: int, seeds: int = 5):
    """Final metrics of ``seeds`` runs (rows) for 3 metrics (columns): an MSE-like positive
    metric, a share, and a metric with a negative mean (a log-likelihood)."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.normal(0.03, 0.002, seeds), rng.uniform(0.2, 0.9, seeds),
                     rng.normal(-120.0, 4.0, seeds)], axis=1)


def _check_coefficient_of_variation(coefficient_of_variation) -> str:
    fn = require_function(coefficient_of_variation, "coefficient_of_variation")
    for seed, seeds in ((0, 5), (1, 4)):
        values = _cv_inputs(seed, seeds)
        shown = f"coefficient_of_variation(values) with values of shape {values.shape}"
        result = require_array(call_learner(fn, values.copy(), name=shown),
                               f"The result of `{shown}`")
        if result.size == 1:
            raise Incorrect(f"`{shown}` gave one number; the check expects one coefficient per "
                            f"metric (column), shape ({values.shape[1]},). Reduce over the seeds "
                            "(axis=0) only.")
        if result.shape == (seeds,):
            raise Incorrect(f"`{shown}` gave {seeds} numbers, one per seed (row): you reduced "
                            "over the wrong axis. The seeds are the rows: use axis=0, one "
                            "coefficient per metric.")
        found = require_array(result, f"The result of `{shown}`",
                              shape=(values.shape[1],)).astype(np.float64)
        mean, std = values.mean(axis=0), values.std(axis=0, ddof=1)
        expected = std / np.abs(mean)
        if np.allclose(found, expected, rtol=1e-6, atol=1e-12):
            continue
        prefix = _first_difference(found, expected)
        mistakes = [
            (values.std(axis=0) / np.abs(mean), "That is the standard deviation with ddof=0 "
             "(np.std's default). The seeds are a sample: use the sample standard deviation, "
             "np.std(values, axis=0, ddof=1)."),
            (std / mean, "The coefficient for the metric with a negative mean is negative: "
             "divide by the *absolute* mean, |mean|, so that the spread is positive."),
            (values.std(axis=0) / mean, "Two things: np.std without ddof=1, and no absolute "
             "value of the mean (negative coefficient for a negative mean)."),
            (std / np.abs(values).max(axis=0), "You divided by the largest value; the "
             "coefficient of variation divides by the (absolute) mean."),
            (values.var(axis=0, ddof=1) / np.abs(mean), "You divided the *variance*; the "
             "coefficient of variation uses the standard deviation, its square root."),
            (std / np.abs(values).mean(axis=0), "You divided by the mean of the absolute values; "
             "use the absolute value of the mean."),
            (np.ptp(values, axis=0) / np.abs(mean), "That is the range (max - min) over the "
             "mean; the coefficient of variation uses the standard deviation."),
            (std, "That is the standard deviation alone: divide it by |mean| to make it relative "
             "(and unit-free)."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-6, atol=1e-12, prefix=prefix,
                         otherwise="Compute np.std(values, axis=0, ddof=1) / "
                                   "np.abs(np.mean(values, axis=0)).")
    return ("Sample standard deviation over the seeds divided by |mean|, one per metric: unit-free "
            "and positive even for a negative metric.")


# -- global_grad_norm ----------------------------------------------------------------------------
def _gradients(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = [(6, 4), (4,), (4, 6), (6,)]
    scales = [0.5, 3.0, 0.1, 1.0]  # one small bias with large gradients: max != sum != global
    return [rng.normal(0.0, s, shape).astype(np.float32) for shape, s in zip(shapes, scales,
                                                                              strict=True)]


def _check_global_grad_norm(global_grad_norm) -> str:
    fn = require_function(global_grad_norm, "global_grad_norm")
    grads = _gradients(0)
    shown = "global_grad_norm(grads) with 4 gradient arrays"
    found = require_number(call_learner(fn, [g.copy() for g in grads], name=shown),
                           f"The result of `{shown}`")
    g64 = [g.astype(np.float64) for g in grads]
    norms = np.array([np.linalg.norm(g) for g in g64])
    expected = float(np.sqrt(np.sum(norms**2)))
    if not np.isclose(found, expected, rtol=1e-5):
        got, want = distinct_numbers(found, expected)
        mistakes = [
            (norms.sum(), "That is the sum of the per-tensor norms. The global norm treats all "
             "gradients as one vector: the square root of the *sum of squares* of every entry "
             "(equivalently, sqrt of the sum of the squared per-tensor norms)."),
            (norms.max(), "That is the largest per-tensor norm; the global norm combines every "
             "tensor: sqrt(sum of the squared norms)."),
            (norms.mean(), "That is the mean of the per-tensor norms; the global norm is "
             "sqrt(sum of the squared norms)."),
            (expected**2, "That is the sum of squares: the square root is missing."),
            (float(np.sqrt(np.mean(np.concatenate([g.ravel() for g in g64]) ** 2))),
             "That is the root-mean-square entry (you averaged the squares); the norm *sums* "
             "them."),
            (float(sum(np.abs(g).sum() for g in g64)), "That is the L1 norm (sum of absolute "
             "values); the global norm is the Euclidean one."),
            (norms[0], "That is the norm of the first array only; combine all of them."),
            (norms[-1], "That is the norm of the last array only: a loop that overwrites its "
             "result instead of adding to it?"),
            (max(float(np.abs(g).max()) for g in g64), "That is the largest single entry; the "
             "global norm is sqrt(sum of squares of every entry)."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-5, prefix=f"Expected {want}, found {got}.",
                         otherwise="Compute sqrt(sum over arrays of sum(g**2)).")
    with_none = [grads[0], None, grads[2]]
    shown = "global_grad_norm([g1, None, g3])"
    try:
        value = call_learner(fn, with_none, name=shown)
    except LearnerCodeError as err:
        raise Incorrect(f"Your norm is right, but `{shown}` raised {err.summary}. A weight "
                        "that does not affect the loss gets the gradient None: skip None "
                        "entries.") from err
    if value is None:
        raise Incorrect(f"Your norm is right, but `{shown}` returned None. Skip the None "
                        "entries (weights without a gradient) and return the norm of the rest.")
    found = require_number(value, f"The result of `{shown}`")
    expected = float(np.sqrt(norms[0] ** 2 + norms[2] ** 2))
    if not np.isclose(found, expected, rtol=1e-5):
        got, want = distinct_numbers(found, expected)
        raise Incorrect(f"With a None among the gradients: expected {want}, found {got}. Skip "
                        "the None entries and keep all the others.")
    return ("sqrt of the sum of squares over every entry of every gradient, None entries "
            "skipped: the number global_clipnorm compares with its threshold.")


# -- first_divergence_step -----------------------------------------------------------------------
_DIVERGENCE_CASES = [
    # (losses, factor); the expected answer is course_utils.stability.first_divergence's
    ([1.0, 0.8, 0.7, 0.9, 12.0, 30.0, np.nan], 10.0),
    ([2.0, 1.5, 0.6, np.nan, 0.5, 0.4, 50.0], 10.0),   # NaN first, a large loss later
    ([1.0, 2.0, 4.0, 10.0, 5.0, 3.0], 10.0),            # exactly 10 x the first: not above
    ([0.5, 0.4, 0.2, 1.9, 0.3, 0.2], 3.0),              # factor 3: 1.9 > 1.5
    ([1.0, 0.5, np.inf, 0.3], 10.0),                    # inf
    ([0.9, 0.5, 0.4, 0.3], 10.0),                       # never: None
    ([4.0, 0.1, 0.8, 1.5, 45.0], 10.0),                 # above 10 x the lowest loss: not yet
    ([1.0, 0.05, 0.6, 0.4], 10.0),                      # above 10 x the previous loss: not yet
]


def _wrong_divergences(losses: np.ndarray, factor: float) -> list[tuple[object, str]]:
    def first(mask):
        hits = np.flatnonzero(mask)
        return int(hits[0]) if hits.size else None

    with np.errstate(invalid="ignore"):
        above = losses > factor * losses[0]
        previous = np.concatenate([[False], losses[1:] > factor * losses[:-1]])
        running_min = np.minimum.accumulate(np.where(np.isnan(losses), np.inf, losses))
        above_min = losses > factor * running_min
        at_least = losses >= factor * losses[0]
    bad = ~np.isfinite(losses)
    right = first(bad | above)
    plus_one = None if right is None else right + 1
    return [
        (first(np.isnan(losses)), "You only looked for NaN: an infinite loss counts as "
         "diverged too (use ~np.isfinite), and so does a loss above factor x the first loss."),
        (first(above), "You missed a NaN: NaN > anything is False, so a threshold alone never "
         "catches it. Test np.isfinite too."),
        (first(bad), "You only looked for NaN/inf; a loss above factor x the first loss also "
         "counts as diverged."),
        (plus_one, "That is one more than the index: you counted steps from 1 (or returned the "
         "step after). Return the index into `losses`, counting from 0."),
        (first(bad | at_least), "A loss exactly factor x the first loss is not *above* it: use "
         ">, not >=."),
        (first(bad | previous), "You compared each loss with the one before it; compare with the "
         "*first* loss, losses[0]."),
        (first(bad | above_min), "You compared with the lowest loss so far; compare with the "
         "*first* loss, losses[0]."),
    ]


def _check_first_divergence_step(first_divergence_step) -> str:
    fn = require_function(first_divergence_step, "first_divergence_step")
    for index, (losses, factor) in enumerate(_DIVERGENCE_CASES):
        values = np.array(losses, dtype=np.float64)
        expected = first_divergence(values, factor)
        shown = f"first_divergence_step({_loss_text(losses)}, factor={factor:g})"
        found = call_learner(fn, values.copy(), factor, name=shown)
        if expected is None:
            if found is None:
                continue
            if _is_int(found):
                for value, message in _wrong_divergences(values, factor):
                    if value is not None and value == int(found):
                        raise Incorrect(f"`{shown}` returned {int(found)}; expected None (no "
                                        f"divergence). {message}")
            shown_found = int(found) if _is_int(found) else describe(found)
            raise Incorrect(f"`{shown}` returned {shown_found}; this curve never diverges, so "
                            "the answer is None (not -1, not the length of the curve).")
        if found is None:
            if index == 0:  # the first curve diverges: None there is the untouched stub
                raise NotAttempted("first_divergence_step returned None.")
            for value, message in _wrong_divergences(values, factor):
                if value is None:
                    raise Incorrect(f"`{shown}` returned None; expected {expected}. {message}")
            raise Incorrect(f"`{shown}` returned None, but the loss at index {expected} "
                            "diverged.")
        if not _is_int(found):
            raise Incorrect(f"`{shown}` should return an index (a whole number) or None; found "
                            f"{describe(found)}.")
        found = int(found)
        if found == expected:
            continue
        for value, message in _wrong_divergences(values, factor):
            if value == found:
                raise Incorrect(f"`{shown}`: expected {expected}, found {found}. {message}")
        raise Incorrect(f"`{shown}`: expected {expected}, found {found}. The first index whose "
                        "loss is NaN/inf or above factor x losses[0].")
    return ("The first index with a non-finite loss or a loss above factor x the first one; None "
            "when the run never diverges.")


def _loss_text(losses) -> str:
    return "[" + ", ".join(f"{v:g}" for v in losses) + "]"


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, float | np.floating) and float(value).is_integer()


# -- same_weights_bitwise ------------------------------------------------------------------------
def _weight_pair_cases():
    rng = np.random.default_rng(0)
    a = [rng.normal(0, 0.1, (6, 4)).astype(np.float32), np.zeros(4, np.float32),
         rng.normal(0, 0.1, (4, 6)).astype(np.float32)]
    copy = [w.copy() for w in a]

    last_bit = [w.copy() for w in a]
    last_bit[2][1, 3] = np.nextafter(last_bit[2][1, 3], np.float32(1.0))

    extra = [w.copy() for w in a] + [np.ones(6, np.float32)]

    swapped = [w.copy() for w in a]
    swapped[0] = swapped[0][::-1].copy()  # same values, other places: same sums

    with_nan = [w.copy() for w in a]
    with_nan[1][2] = np.nan
    with_nan_too = [w.copy() for w in with_nan]

    negative_zero = [w.copy() for w in a]
    negative_zero[1][0] = np.float32(-0.0)

    reshaped = [w.copy() for w in a]
    reshaped[0] = reshaped[0].reshape(4, 6)

    return [
        # (a, b, expected, what the case is, the mistake that gets it wrong)
        (a, copy, True, "two copies of the same weights", "Two copies of the same weights "
         "must count as the same."),
        (a, swapped, False, "the same values in other places", "The sums (or means, or sorted "
         "values) are equal, but the weights are not: compare element by element."),
        (a, extra, False, "the second set has one array more", "zip stops at the shorter "
         "list, so the extra array is never compared: check the number of arrays first."),
        (a, last_bit, False, "one value changed in its last bit", "np.allclose (or any "
         "tolerance) calls these the same; bit for bit they differ. Compare exactly."),
        (with_nan, with_nan_too, True, "identical weights that hold the same NaN",
         "NaN == NaN is False, so np.array_equal says these differ, but their bits are "
         "identical. Compare the bytes (a.tobytes() == b.tobytes()) or use "
         "np.array_equal(..., equal_nan=True) together with the sign check."),
        (a, negative_zero, False, "a 0.0 that became -0.0", "0.0 == -0.0 is True, but the bits "
         "differ (the sign bit): compare the bytes, a.tobytes() == b.tobytes()."),
        (a, reshaped, False, "an array with the same bytes but another shape", "The bytes are "
         "the same but the shapes differ: compare the shapes (and dtypes) too."),
    ]


def _check_same_weights_bitwise(same_weights_bitwise) -> str:
    fn = require_function(same_weights_bitwise, "same_weights_bitwise")
    for a, b, expected, what, mistake in _weight_pair_cases():
        shown = f"same_weights_bitwise(a, b) with {what}"
        found = call_learner(fn, [w.copy() for w in a], [w.copy() for w in b], name=shown)
        if found is None:
            raise NotAttempted("same_weights_bitwise returned None: return True or False.")
        if not isinstance(found, bool | np.bool_):
            raise Incorrect(f"`{shown}` should return True or False; found {describe(found)}.")
        if bool(found) != expected:
            raise Incorrect(f"`{shown}` returned {bool(found)}; expected {expected}. {mistake}")
    return ("Same number of arrays, same shapes and dtypes, identical bytes: the test two "
            "reproducible runs must pass.")


# -- learning_rate -------------------------------------------------------------------------------
LEARNING_RATES = (0.25, 0.5, 1.0, 2.0, 4.0)
TARGET_MSE = 0.07  # mean validation MSE over the held-out seeds, at most
CHECK_SEEDS = (10, 11, 12, 13, 14)


def linear_ae_run(x_train, x_val, learning_rate: float, seed: int, *, epochs: int = 3,
                  batch_size: int = 64, code_size: int = 8):
    """The recipe of exercise 4, in NumPy (no tracing, a few milliseconds a run).

    A linear autoencoder 784-``code_size``-784 (Glorot-uniform weights, zero biases, drawn from
    ``np.random.default_rng(seed)``, which also shuffles the batches), trained with SGD and
    momentum 0.9 on the MSE for ``epochs`` epochs. Returns ``(losses, val_mse)``: the training
    loss of every step (the run stops at the first divergent step, see
    ``course_utils.stability.first_divergence``) and the MSE on ``x_val`` (NaN if it diverged).
    """
    rng = np.random.default_rng(seed)
    x_train = np.asarray(x_train, dtype=np.float64).reshape(len(x_train), -1)
    x_val = np.asarray(x_val, dtype=np.float64).reshape(len(x_val), -1)
    size = x_train.shape[1]
    limit = np.sqrt(6.0 / (size + code_size))
    params = [rng.uniform(-limit, limit, (size, code_size)), np.zeros(code_size),
              rng.uniform(-limit, limit, (code_size, size)), np.zeros(size)]
    velocities = [np.zeros_like(p) for p in params]
    losses: list[float] = []
    for _ in range(epochs):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), batch_size):
            x = x_train[order[start:start + batch_size]]
            w_enc, b_enc, w_dec, b_dec = params
            code = x @ w_enc + b_enc
            with np.errstate(over="ignore", invalid="ignore"):
                error = code @ w_dec + b_dec - x
                losses.append(float(np.mean(error**2)))
            if first_divergence(losses) is not None:
                return np.array(losses), float("nan")
            g_out = 2.0 * error / error.size
            g_code = g_out @ w_dec.T
            grads = [x.T @ g_code, g_code.sum(axis=0), code.T @ g_out, g_out.sum(axis=0)]
            for i, grad in enumerate(grads):
                velocities[i] = 0.9 * velocities[i] - learning_rate * grad
                params[i] = params[i] + velocities[i]
    w_enc, b_enc, w_dec, b_dec = params
    return np.array(losses), float(np.mean(((x_val @ w_enc + b_enc) @ w_dec + b_dec - x_val) ** 2))


@functools.cache
def _held_out_result(learning_rate: float) -> tuple[int, float]:
    x_train, x_val = bundled_image_split(9, 600, 300)
    runs = [linear_ae_run(x_train, x_val, learning_rate, seed) for seed in CHECK_SEEDS]
    failed = sum(first_divergence(losses) is not None for losses, _ in runs)
    finite = [mse for _, mse in runs if np.isfinite(mse)]
    return failed, float(np.mean(finite)) if finite else float("nan")


def _check_learning_rate(learning_rate) -> str:
    found = require_number(learning_rate, "LEARNING_RATE")
    if found <= 0:
        raise Incorrect(f"LEARNING_RATE is {found:g}; a learning rate must be positive.")
    if not any(np.isclose(found, rate) for rate in LEARNING_RATES):
        grid = ", ".join(f"{rate:g}" for rate in LEARNING_RATES)
        raise Incorrect(f"LEARNING_RATE is {found:g}, which is not one of the grid's rates "
                        f"({grid}). Choose one of them, from your measurements (did you store a "
                        "loss, an MSE or a count instead?).")
    failed, mse = _held_out_result(found)
    seeds = len(CHECK_SEEDS)
    if failed:
        raise Incorrect(f"At learning rate {found:g}, {failed} of the check's {seeds} runs "
                        "(other seeds, other images) diverged. A rate at which some of your "
                        "seeds diverge is at the edge, and even one that survived your seeds "
                        "can fail on others: take the best rate among those at which *none* of "
                        "your runs diverged.")
    got, want = distinct_numbers(mse, TARGET_MSE)
    if mse > TARGET_MSE:
        raise Incorrect(f"At learning rate {found:g} no run diverged, but the mean validation "
                        f"MSE of the check's runs is {got}, above the target {want}: too "
                        "cautious, training has not got far in 3 epochs. A larger rate that "
                        "still never diverged does better.")
    return (f"At learning rate {found:g} none of the check's {seeds} runs diverged (other seeds, "
            f"other images) and their mean validation MSE is {got} (target <= {want}).")


# -- exercises -----------------------------------------------------------------------------------
coefficient_of_variation = Exercise(
    lesson=LESSON,
    name="coefficient_of_variation",
    title="the spread over seeds, relative to the mean",
    checker=_check_coefficient_of_variation,
    hints=[
        "The rows are seeds, the columns metrics: reduce over axis 0, one number per metric.",
        "Use the sample standard deviation (ddof=1) and divide by the absolute value of the "
        "mean, so that a metric with a negative mean gets a positive spread.",
        "return np.std(values, axis=0, ddof=1) / np.abs(np.mean(values, axis=0))",
    ],
)

global_grad_norm = Exercise(
    lesson=LESSON,
    name="global_grad_norm",
    title="the global norm of a list of gradients",
    checker=_check_global_grad_norm,
    hints=[
        "Think of all the gradients as one long vector and take its Euclidean length.",
        "Add up np.sum(g ** 2) over the arrays that are not None, then take the square root "
        "once, at the end.",
        "return float(np.sqrt(sum(np.sum(np.square(g)) for g in grads if g is not None)))",
    ],
)

first_divergence_step = Exercise(
    lesson=LESSON,
    name="first_divergence_step",
    title="the first step at which a loss curve diverges",
    checker=_check_first_divergence_step,
    hints=[
        "Two conditions, either is enough: the loss is not finite (NaN or inf), or it is above "
        "factor x losses[0]. NaN > x is always False, so test np.isfinite explicitly.",
        "Build a boolean mask over the curve, then np.flatnonzero(mask) gives the indices "
        "(counting from 0); return the first, or None when the mask is empty.",
        "bad = ~np.isfinite(losses) | (losses > factor * losses[0]); hits = np.flatnonzero(bad); "
        "return int(hits[0]) if hits.size else None",
    ],
)

learning_rate = Exercise(
    lesson=LESSON,
    name="learning_rate",
    title="a learning rate chosen for a stability target on unseen seeds",
    checker=_check_learning_rate,
    hints=[
        "For every rate in checks.LEARNING_RATES and every seed in SEEDS: "
        "checks.linear_ae_run(x_small, x_check, rate, seed) gives the step losses and the "
        "validation MSE.",
        "Drop every rate at which at least one of your runs diverged: a rate at the edge "
        "fails on some seeds, and the check uses other ones.",
        "Among the rates with no divergence at all, take the one with the lowest mean "
        "validation MSE.",
    ],
)

same_weights_bitwise = Exercise(
    lesson=LESSON,
    name="same_weights_bitwise",
    title="two sets of weights compared bit by bit",
    checker=_check_same_weights_bitwise,
    hints=[
        "First the number of arrays, then for each pair the shape and the dtype, then the "
        "values, without any tolerance.",
        "a.tobytes() == b.tobytes() compares the bits exactly: it tells -0.0 from 0.0 and "
        "treats two identical NaNs as equal.",
        "return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype and "
        "x.tobytes() == y.tobytes() for x, y in zip(a, b, strict=True))",
    ],
)

EXERCISES = (
    coefficient_of_variation,
    global_grad_norm,
    first_divergence_step,
    learning_rate,
    same_weights_bitwise,
)
