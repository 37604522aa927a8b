"""Checks for lesson 09, "Stability"."""

from __future__ import annotations

import functools

import numpy as np

from ..stability import first_divergence
from .common import bundled_image_split, explain_mismatch
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


_CV_RTOL = 1e-4  # float32 arithmetic (NumPy or TF) is right too; every mistake is > 2 % off


def _check_coefficient_of_variation(coefficient_of_variation) -> str:
    fn = require_function(coefficient_of_variation, "coefficient_of_variation")
    for seed, seeds, dtype in ((0, 5, np.float64), (1, 4, np.float32), (2, 6, np.float64)):
        values = _cv_inputs(seed, seeds).astype(dtype)
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
        values = values.astype(np.float64)
        mean, std = values.mean(axis=0), values.std(axis=0, ddof=1)
        expected = std / np.abs(mean)
        if np.allclose(found, expected, rtol=_CV_RTOL, atol=1e-12):
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
        explain_mismatch(found, mistakes, rtol=_CV_RTOL, atol=1e-12, prefix=prefix,
                         otherwise="Compute np.std(values, axis=0, ddof=1) / "
                                   "np.abs(np.mean(values, axis=0)).")
    return ("Sample standard deviation over the seeds divided by |mean|, one per metric: unit-free "
            "and positive even for a negative metric.")


# -- first_divergence_step -----------------------------------------------------------------------
_DIVERGENCE_CASES = [
    # (losses, factor, dtype); the expected answer is course_utils.stability.first_divergence's
    ([1.0, 0.8, 0.7, 0.9, 12.0, 30.0, np.nan], 10.0, np.float64),
    ([2.0, 1.5, 0.6, np.nan, 0.5, 0.4, 50.0], 10.0, np.float64),   # NaN first, a large loss later
    ([1.0, 2.0, 4.0, 10.0, 5.0, 3.0], 10.0, np.float32),            # exactly 10 x the first
    ([0.5, 0.4, 0.2, 1.9, 0.3, 0.2], 3.0, np.float64),              # factor 3: 1.9 > 1.5
    ([1.0, 0.5, np.inf, 0.3], 10.0, np.float64),                    # inf
    ([0.9, 0.5, 0.4, 0.3], 10.0, np.float32),                       # never: None
    ([4.0, 0.1, 0.8, 1.5, 45.0], 10.0, np.float64),                 # 10 x the lowest loss
    ([1.0, 0.05, 0.6, 0.4], 10.0, np.float64),                      # 10 x the previous loss
    ([np.nan, 0.5, 0.4], 10.0, np.float64),                         # index 0 is judged too
    ([np.inf, 3.0, 2.0], 10.0, np.float64),                         # inf at once: inf > 10 x inf?
    ([1.0, 0.05, 0.05, 0.05, 0.05, 0.8, 0.9], 10.0, np.float64),    # later losses set no level
    ([2.0, 1.0, 0.5, 5.0, 5.5, 20.0], 2.5, np.float32),             # exactly 2.5 x, then above
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
        finite = losses[np.isfinite(losses)]
        level = np.median(finite) if finite.size else np.nan
        above_median = losses > factor * level
        above_whole_min = losses > factor * (finite.min() if finite.size else np.nan)
        at_least = losses >= factor * losses[0]
        above_ten = losses > 10.0 * losses[0]
    bad = ~np.isfinite(losses)
    right = first(bad | above)
    plus_one = None if right is None else right + 1
    later = first(bad[1:] | above[1:])
    minus_one = None if right is None or right == 0 else right - 1
    return [
        (first(bad | above_ten), "You used a factor of 10 whatever `factor` was: use the "
         "argument."),
        (first(np.isnan(losses)), "You only looked for NaN: an infinite loss counts as "
         "diverged too (use ~np.isfinite), and so does a loss above factor x the first loss."),
        (None if later is None else later + 1, "Index 0 is judged too: a first loss that is NaN "
         "or infinite means the run diverged at once (did your loop start at 1?)."),
        (first(above), "You missed a NaN: NaN > anything is False, so a threshold alone never "
         "catches it. Test np.isfinite too."),
        (first(bad), "You only looked for NaN/inf; a loss above factor x the first loss also "
         "counts as diverged."),
        (plus_one, "That is one more than the index: you counted steps from 1 (or returned the "
         "step after). Return the index into `losses`, counting from 0."),
        (first(bad | previous), "You compared each loss with the one before it; compare with the "
         "*first* loss, losses[0]."),
        (first(bad | above_min), "You compared with the lowest loss so far; compare with the "
         "*first* loss, losses[0]."),
        (minus_one, "That is one less than the index: you flagged a step because of the loss "
         "*after* it (np.diff, or losses[i + 1], shifts the indices by one). Judge each step by "
         "its own loss."),
        (first(bad | at_least), "A loss exactly factor x the first loss is not *above* it: use "
         ">, not >=."),
        (first(np.isnan(losses) | above), "You caught NaN but not an infinite loss: inf > "
         "factor x inf is False. Use ~np.isfinite(losses), which catches both."),
        (first(bad | above_median), "You compared with the median of the whole curve: that "
         "looks ahead, at losses after the step you judge (an alarm running during training "
         "cannot see them). Compare with the first loss, losses[0]."),
        (first(bad | above_whole_min), "You compared with the lowest loss of the whole curve: "
         "that looks ahead, at losses after the step you judge. Compare with losses[0]."),
    ]


def _check_first_divergence_step(first_divergence_step) -> str:
    fn = require_function(first_divergence_step, "first_divergence_step")
    for index, (losses, factor, dtype) in enumerate(_DIVERGENCE_CASES):
        values = np.array(losses, dtype=dtype)
        expected = first_divergence(values, factor)
        shown = f"first_divergence_step({_loss_text(losses)}, factor={factor:g})"
        found = call_learner(fn, values.copy(), factor, name=shown)
        wrong = _wrong_divergences(values.astype(np.float64), factor)
        if expected is None:
            if found is None:
                continue
            if _is_int(found):
                for value, message in wrong:
                    if value is not None and value == int(found):
                        raise Incorrect(f"`{shown}` returned {int(found)}; expected None (no "
                                        f"divergence). {message}")
            shown_found = int(found) if _is_int(found) else describe(found)
            raise Incorrect(f"`{shown}` returned {shown_found}; this curve never diverges, so "
                            "the answer is None (not -1, not the length of the curve).")
        if found is None:
            if index == 0:  # the first curve diverges: None there is the untouched stub
                raise NotAttempted("first_divergence_step returned None.")
            for value, message in wrong:
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
        for value, message in wrong:
            if value == found:
                raise Incorrect(f"`{shown}`: expected {expected}, found {found}. {message}")
        raise Incorrect(f"`{shown}`: expected {expected}, found {found}. The first index whose "
                        "loss is NaN/inf or above factor x losses[0].")
    return ("The first index with a non-finite loss or a loss above factor x the first one, "
            "judged from earlier steps only; None when the run never diverges.")


def _loss_text(losses) -> str:
    return "[" + ", ".join(f"{v:g}" for v in losses) + "]"


def _is_int(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | np.integer):
        return True
    return isinstance(value, float | np.floating) and float(value).is_integer()


# -- which_diverged_first ------------------------------------------------------------------------
def _blow_up(steps: int, diverge_at: int | None, nan_at: int | None, seed: int,
             start: float = 0.07) -> np.ndarray:
    """A realistic loss log: a noisy fall from ``start``; from ``diverge_at`` on, the loss grows
    past 10 x the first loss; the log ends with a NaN at ``nan_at`` (a StepLog stops there)."""
    rng = np.random.default_rng(seed)
    length = steps if nan_at is None else nan_at + 1
    curve = start * (0.55 + 0.45 * np.exp(-np.arange(length) / 8.0))
    curve *= np.exp(rng.normal(0.0, 0.03, length))
    if diverge_at is not None:
        grow = np.arange(length) - diverge_at
        curve = np.where(grow >= 0, start * 10.5 * 3.0 ** np.maximum(grow, 0), curve)
        if diverge_at >= 1:
            curve[diverge_at - 1] = min(curve[diverge_at - 1] * 4.0, start * 9.0)  # a warning step
    if nan_at is not None:
        curve[nan_at] = np.nan
    return curve


def _divergence_log_cases():
    """(what, logs, factor, dtype): the first case is the one the stub meets."""
    b = _blow_up
    return [
        ("a run that crossed 10 x its first loss early but reached NaN late",
         {"lr 4, seed 0": b(60, 23, 30, 0), "lr 4, seed 1": b(60, 26, 27, 1),
          "lr 2, seed 0": b(60, None, None, 2)}, 10.0, np.float64),
        ("no run that diverged",
         {"seed 3": b(40, None, None, 3), "seed 4": b(40, None, None, 4),
          "seed 5": b(40, None, None, 5)}, 10.0, np.float32),
        ("two runs that diverged at the same step (the tie goes to the one listed first)",
         {"b": b(50, None, None, 6), "c": b(50, 17, 22, 7), "a": b(50, 17, 20, 8)},
         10.0, np.float64),
        ("a run whose very first loss is NaN",
         {"warm": b(30, 12, 15, 9), "cold": b(30, 0, 0, 10), "ok": b(30, None, None, 11)},
         10.0, np.float64),
        ("factor 3: a run that crossed 3 x its first loss early and another that went to NaN",
         {"x": b(50, 30, 33, 12), "y": _three_times(50, 14, 13), "z": b(50, None, None, 14)},
         3.0, np.float32),
        ("one run, exactly factor x its first loss (not above) and later above it",
         {"only": np.array([0.5, 0.4, 0.3, 5.0, 0.3, 5.5, np.nan])}, 10.0, np.float64),
    ]


def _three_times(steps: int, at: int, seed: int) -> np.ndarray:
    """A run that rises to 3.5 x its first loss at ``at`` and settles again (no NaN)."""
    curve = _blow_up(steps, None, None, seed)
    curve[at:at + 4] = curve[0] * np.array([3.5, 3.2, 2.0, 1.2])
    return curve


def _first_run(logs, step_of) -> tuple[str, int] | None:
    best = None
    for name, losses in logs.items():
        step = step_of(np.asarray(losses, dtype=np.float64))
        if step is not None and (best is None or step < best[1]):
            best = (name, step)
    return best


def _divergence_rules(logs, factor):
    def nan_step(losses):
        hits = np.flatnonzero(~np.isfinite(losses))
        return int(hits[0]) if hits.size else None

    def right(losses):
        return first_divergence(losses, factor)

    def last_tie():
        best = None
        for name, losses in logs.items():
            step = right(np.asarray(losses, dtype=np.float64))
            if step is not None and (best is None or step <= best[1]):
                best = (name, step)
        return best

    def truthy_bug():
        steps = {n: right(np.asarray(v, dtype=np.float64)) or np.inf for n, v in logs.items()}
        name = min(steps, key=steps.get)
        return None if steps[name] == np.inf else (name, int(steps[name]))

    answer = _first_run(logs, right)
    shortest = min(logs, key=lambda n: len(logs[n]))
    plus_one = None if answer is None else (answer[0], answer[1] + 1)
    return [
        (_first_run(logs, lambda v: first_divergence(v, 10.0)), "You used a factor of 10 "
         "whatever `factor` was: pass the argument on."),
        (_first_run(logs, nan_step), "That is the run that reached NaN first, whose log is "
         "the shortest (a log stops at its NaN). A run has diverged as soon as its loss is above "
         "factor x its first loss, often many steps before the NaN: apply the rule of exercise 3 "
         "to every log."),
        ((shortest, len(logs[shortest]) - 1), "That is the end of the shortest log, the run that "
         "*stopped* first. A run has diverged as soon as its loss is above factor x its first "
         "loss, often before its log stops: apply the rule of exercise 3 to every log."),
        (plus_one, "Right run, but the step is one too late: return the index into the log, "
         "counting from 0 (as exercise 3 does)."),
        (last_tie(), "Two runs diverged at the same step: the tie goes to the run listed first "
         "in `logs` (a strict < when you compare, not <=)."),
        (truthy_bug(), "A run that diverged at step 0 was skipped: `step or ...` treats index 0 "
         "as 'no divergence'. Test `step is None` instead."),
    ]


def _check_which_diverged_first(which_diverged_first) -> str:
    fn = require_function(which_diverged_first, "which_diverged_first")
    for index, (what, logs, factor, dtype) in enumerate(_divergence_log_cases()):
        logs = {name: np.asarray(v, dtype=dtype) for name, v in logs.items()}
        expected = _first_run(logs, lambda v, factor=factor: first_divergence(v, factor))
        shown = f"which_diverged_first(logs, factor={factor:g}) with {what}"
        found = call_learner(fn, {n: v.copy() for n, v in logs.items()}, factor, name=shown)
        if found is None and expected is not None:
            if index == 0:
                raise NotAttempted("which_diverged_first returned None.")
        if found is not None:
            if (not isinstance(found, tuple | list) or len(found) != 2
                    or not isinstance(found[0], str) or not _is_int(found[1])):
                raise Incorrect(f"`{shown}` should return a pair (name, step), e.g. "
                                f"('lr 4, seed 0', 23), or None; found {describe(found)}.")
            found = (str(found[0]), int(found[1]))
        if found == expected:
            continue
        want = "None (no run diverged)" if expected is None else repr(expected)
        got = "None" if found is None else repr(found)
        head = f"`{shown}`: expected {want}, found {got}."
        for value, message in _divergence_rules(logs, factor):
            if value == found:
                raise Incorrect(f"{head} {message}")
        raise Incorrect(f"{head} For every log find its first divergent step (exercise 3), then "
                        "take the run with the smallest one; None if no run diverged.")
    return ("The run whose loss first went NaN/inf or above factor x its first loss, and that "
            "step: often well before the NaN at which its log stops.")


# -- clip_threshold ------------------------------------------------------------------------------
CLIP_RATE = 16.0  # every run diverges at this rate without clipping
CLIP_GRID = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
CLIP_TARGET_MSE = 0.044  # mean validation MSE over the held-out seeds, at most


def _check_clip_threshold(clip_threshold) -> str:
    found = require_number(clip_threshold, "CLIP_THRESHOLD")
    if found <= 0:
        raise Incorrect(f"CLIP_THRESHOLD is {found:g}; a clipping threshold must be positive.")
    if not any(np.isclose(found, c) for c in CLIP_GRID):
        grid = ", ".join(f"{c:g}" for c in CLIP_GRID)
        raise Incorrect(f"CLIP_THRESHOLD is {found:g}, which is not one of the grid's "
                        f"thresholds ({grid}). Choose one of them from your measurements (a "
                        "percentile of the gradient norms is a good place to look, but the "
                        "decision is which threshold trains without diverging).")
    found = next(c for c in CLIP_GRID if np.isclose(found, c))
    failed, mse = _held_out_result(CLIP_RATE, global_clipnorm=found)
    seeds = len(CHECK_SEEDS)
    if failed:
        raise Incorrect(f"With global_clipnorm={found:g} at learning rate {CLIP_RATE:g}, {failed} "
                        f"of the check's {seeds} runs (other seeds, other images) diverged: the "
                        "threshold lets steps through that are too long. Take a threshold at "
                        "which *none* of your runs diverged, with a margin.")
    got, want = distinct_numbers(mse, CLIP_TARGET_MSE)
    if mse > CLIP_TARGET_MSE:
        raise Incorrect(f"With global_clipnorm={found:g} none of the check's runs diverged, but "
                        f"their mean validation MSE is {got}, above the target {want}. Close to "
                        "the edge the runs that survive train badly: among the thresholds at "
                        "which none of your runs diverged, take the one with the lowest mean "
                        "validation MSE.")
    return (f"With global_clipnorm={found:g} at learning rate {CLIP_RATE:g}, none of the check's "
            f"{seeds} runs diverged (without clipping all do) and their mean validation MSE is "
            f"{got} (target <= {want}).")


# -- learning_rate -------------------------------------------------------------------------------
LEARNING_RATES = (0.25, 0.5, 1.0, 2.0, 4.0)
TARGET_MSE = 0.045  # mean validation MSE over the held-out seeds, at most (mean image: 0.067)
CHECK_SEEDS = (10, 11, 12, 13, 14)


def linear_ae_run(x_train, x_val, learning_rate: float, seed: int, *, epochs: int = 10,
                  batch_size: int = 64, code_size: int = 8, norms: bool = False,
                  global_clipnorm: float | None = None):
    """The recipe of exercises 4 and 5, in NumPy (no tracing, a few milliseconds a run).

    A linear autoencoder 784-``code_size``-784 (Glorot-uniform weights, zero biases, drawn from
    ``np.random.default_rng(seed)``, which also shuffles the batches), trained with SGD and
    momentum 0.9 on the MSE for ``epochs`` epochs. Returns ``(losses, val_mse)``: the training
    loss of every step (the run stops at the first divergent step, see
    ``course_utils.stability.first_divergence``) and the MSE on ``x_val`` (NaN if it diverged).
    With ``norms=True`` also the global gradient norm of every step that updated the weights
    (one fewer than the losses when the run diverged), before any clipping:
    ``(losses, val_mse, grad_norms)``. ``global_clipnorm=c`` rescales the gradients whenever
    their global norm exceeds ``c``, as the Keras optimizer argument of that name does.
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
    grad_norms: list[float] = []

    def result(mse):
        return (np.array(losses), mse, np.array(grad_norms)) if norms else (np.array(losses), mse)

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
                return result(float("nan"))
            g_out = 2.0 * error / error.size
            g_code = g_out @ w_dec.T
            grads = [x.T @ g_code, g_code.sum(axis=0), code.T @ g_out, g_out.sum(axis=0)]
            grad_norms.append(float(np.sqrt(sum(np.sum(g**2) for g in grads))))
            if global_clipnorm is not None and grad_norms[-1] > global_clipnorm:
                grads = [g * (global_clipnorm / grad_norms[-1]) for g in grads]
            for i, grad in enumerate(grads):
                velocities[i] = 0.9 * velocities[i] - learning_rate * grad
                params[i] = params[i] + velocities[i]
    w_enc, b_enc, w_dec, b_dec = params
    return result(float(np.mean(((x_val @ w_enc + b_enc) @ w_dec + b_dec - x_val) ** 2)))


@functools.cache
def _held_out_result(learning_rate: float,
                     global_clipnorm: float | None = None) -> tuple[int, float]:
    """Runs diverged, and the mean validation MSE of the others, on the check's unseen seeds."""
    x_train, x_val = bundled_image_split(9, 600, 300)
    runs = [linear_ae_run(x_train, x_val, learning_rate, seed, global_clipnorm=global_clipnorm)
            for seed in CHECK_SEEDS]
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
                        "cautious, training has not got far in 10 epochs. A larger rate that "
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

which_diverged_first = Exercise(
    lesson=LESSON,
    name="which_diverged_first",
    title="which of several runs diverged first, and when",
    checker=_check_which_diverged_first,
    hints=[
        "A log ends at the run's NaN, but the run diverged earlier: at its first loss above "
        "factor x its first loss (or its first NaN/inf). Find that step for every log.",
        "Call your first_divergence_step(losses, factor) on each log; skip the runs where it "
        "returns None (careful: a step of 0 is a divergence, so test `is None`), and keep the "
        "smallest step, the first run listed on a tie.",
        "steps = {name: first_divergence_step(v, factor) for name, v in logs.items()}; "
        "hit = {n: s for n, s in steps.items() if s is not None}; return None if not hit else "
        "min(hit.items(), key=lambda item: item[1])",
    ],
)

clip_threshold = Exercise(
    lesson=LESSON,
    name="clip_threshold",
    title="a clipping threshold that keeps a too-large learning rate stable on unseen seeds",
    checker=_check_clip_threshold,
    hints=[
        "Look at the gradient norms of healthy runs first (learning rate 2, norms=True): the "
        "typical norm tells you where on the grid a threshold starts to act.",
        "For every threshold of checks.CLIP_GRID and every seed: checks.linear_ae_run(x_small, "
        "x_check, checks.CLIP_RATE, seed, global_clipnorm=threshold). Drop every threshold at "
        "which any of your runs diverged.",
        "Among the thresholds with no divergence at all, take the one with the lowest mean "
        "validation MSE.",
    ],
)

EXERCISES = (
    coefficient_of_variation,
    first_divergence_step,
    which_diverged_first,
    learning_rate,
    clip_threshold,
)
