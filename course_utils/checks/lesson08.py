"""Checks for lesson 08, "GANs vs autoencoders".

Two exercises decide from numbers (which run collapsed, which training budget meets a target),
one ranks models over seeds (a win or a tie), two measure (the ring metrics, the WGAN-GP
gradient penalty). The decision checks call the learner's function on tables it has not seen,
built so that each plausible wrong rule gives a different answer from the right one; the
message names the rule the answers fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .common import explain_mismatch, to_numpy
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
    call_learner,
    describe,
    require_function,
    require_number,
)

LESSON = "08"


def to_numpy_safe(value):
    """A learner's tensor or number as NumPy (values that cannot be converted are returned)."""
    if value is None or isinstance(value, str | bytes | bool):
        return value
    try:
        return to_numpy(value)
    except Exception:  # noqa: BLE001 - strings and other odd objects: require_number says why
        return value


def _pair(value, name: str, what: str) -> tuple:
    """A learner's answer that must be a pair (tuple or list of two items)."""
    if value is None:
        require_number(value, name)  # raises NotAttempted
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise Incorrect(f"{name} should be a pair {what}; found {describe(value)}.")
    return value


def _rule_that_fits(found: Sequence, right: Sequence, variants, same: Callable) -> str | None:
    """The message of the first wrong rule whose answers equal the learner's on every case, or,
    failing that, on the first case the learner got wrong; None if no rule fits."""
    for answers, message in variants:
        if all(same(f, a) for f, a in zip(found, answers, strict=True)):
            return message
    first = next(i for i, (f, r) in enumerate(zip(found, right, strict=True)) if not same(f, r))
    for answers, message in variants:
        if same(found[first], answers[first]) and not same(answers[first], right[first]):
            return message
    return None


# -- diagnose_run ----------------------------------------------------------------------------
DIAGNOSES = ("diverged", "not converged", "mode collapse", "healthy")
LOG_KEYS = ("step", "modes_covered", "high_quality", "d_loss", "g_loss")


def _diagnose(log: dict, modes: int, quality: float, window: int, *, use: int | None = None,
              quality_stat: str = "min", modes_stat: str = "min", strict: bool = False,
              collapse_first: bool = False, losses: Sequence[str] = ("d_loss", "g_loss"),
              nan_only: bool = False) -> str:
    """The rule of the exercise; the keyword options give the typical wrong rules."""
    def bad(values):
        values = np.asarray(values, dtype=np.float64)
        return np.isnan(values) if nan_only else ~np.isfinite(values)

    if any(bad(log[key]).any() for key in losses):
        return "diverged"
    n = len(log["step"]) if use == -1 else (window if use is None else use)
    stats = {"min": np.min, "mean": np.mean, "max": np.max, "last": lambda v: v[-1]}
    share = stats[quality_stat](np.asarray(log["high_quality"], dtype=np.float64)[-n:])
    covered = stats[modes_stat](np.asarray(log["modes_covered"], dtype=np.float64)[-n:])
    good = share > quality if strict else share >= quality
    all_modes = covered >= modes
    if collapse_first and not all_modes:
        return "mode collapse"
    if not good:
        return "not converged"
    return "healthy" if all_modes else "mode collapse"


def _log(modes_covered, high_quality, d_loss=None, g_loss=None, dtype=np.float64) -> dict:
    """A training log logged every 300 steps; the losses default to ordinary values."""
    n = len(modes_covered)
    rng = np.random.default_rng(n * 7 + int(sum(modes_covered)))
    d = rng.normal(1.30, 0.04, n) if d_loss is None else np.asarray(d_loss, dtype=np.float64)
    g = rng.normal(0.75, 0.05, n) if g_loss is None else np.asarray(g_loss, dtype=np.float64)
    return {"step": np.arange(1, n + 1) * 300,
            "modes_covered": np.asarray(modes_covered, dtype=np.int64),
            "high_quality": np.asarray(high_quality, dtype=dtype),
            "d_loss": d.astype(dtype), "g_loss": g.astype(dtype)}


def _diagnosis_cases() -> list[tuple[str, dict, int, float, int]]:
    """(what the log shows, log, modes, quality, window): runs the learner has not seen."""
    inf = float("inf")
    rising = [0.05, 0.2, 0.4, 0.6, 0.75]
    return [
        ("a run that reached all modes", _log(
            [1, 3, 5, 7, 8, 8, 8, 8, 8], rising + [0.84, 0.88, 0.9, 0.89],
            d_loss=[1.38, 1.2, 1.0, 0.8, 0.55, 0.5, 0.45, 0.4, 0.42]), 8, 0.8, 3),
        ("a run that covered every mode mid-training, then lost some", _log(
            [2, 5, 8, 8, 7, 5, 3, 3, 3], rising + [0.93, 0.95, 0.96, 0.96],
            dtype=np.float32), 8, 0.8, 3),
        ("a run whose covered modes come and go", _log(
            [2, 4, 6, 8, 8, 8, 8, 6, 8], rising + [0.9, 0.92, 0.91, 0.93]), 8, 0.8, 3),
        ("a run whose share dipped below the target near the end", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8], rising + [0.9, 0.9, 0.7, 0.9]), 8, 0.75, 3),
        ("a run with the share exactly on the target", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8], rising + [0.8, 0.75, 0.8125, 0.75],
            dtype=np.float32), 8, 0.75, 3),
        ("a run still between the modes", _log(
            [1, 2, 3, 3, 4, 4, 5, 4, 5], [0.02, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6]),
         8, 0.8, 3),
        ("a run whose generator loss became infinite", _log(
            [2, 4, 6, 8, 7, 5, 2, 0, 0], rising + [0.7, 0.3, 0.0, 0.0],
            g_loss=[0.7, 0.9, 1.5, 3.0, 9.0, 40.0, 300.0, inf, inf]), 8, 0.8, 3),
        ("a run whose discriminator loss became infinite", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8], rising + [0.9, 0.9, 0.9, 0.9],
            d_loss=[1.3, 1.2, 1.1, 1.0, 1.0, 0.9, 0.9, 0.95, inf]), 8, 0.8, 3),
        ("a run on a ring of 6 modes", _log(
            [1, 2, 4, 6, 6, 6, 6, 6, 6], rising + [0.88, 0.9, 0.91, 0.9]), 6, 0.8, 3),
        ("a run judged against a quality target of 0.9", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8], rising + [0.85, 0.86, 0.86, 0.87]), 8, 0.9, 3),
        ("a run judged over a window of 5", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8, 8], rising + [0.9, 0.6, 0.9, 0.9, 0.9]), 8, 0.8, 5),
        ("a run judged over a window of 1", _log(
            [2, 4, 6, 8, 8, 8, 8, 8, 8], rising + [0.9, 0.9, 0.6, 0.85]), 8, 0.8, 1),
    ]


def _diagnosis_variants(cases) -> list[tuple[list[str], str]]:
    def answers(**options):
        return [_diagnose(log, m, q, w, **options) for _, log, m, q, w in cases]

    def fixed(modes=None, quality=None, window=None):
        return [_diagnose(log, modes or m, quality or q, window or w)
                for _, log, m, q, w in cases]

    return [
        (answers(use=1), "That is what judging the last log entry alone gives. Judge the last "
         "`window` entries: one good snapshot can be luck (modes that come and go, a share that "
         "dips), so every entry of the window must meet the targets."),
        (answers(use=-1), "That is what judging the whole log gives, the start of training "
         "included, where every run is still poor. Judge the end of training: the last "
         "`window` entries."),
        (answers(use=-1, quality_stat="max", modes_stat="max"), "That is what the best values "
         "over training give. A run that covered every mode mid-training and then lost some "
         "has collapsed: judge the last `window` entries, and take their worst value."),
        (answers(quality_stat="mean"), "That is what the *mean* over the window gives: a dip "
         "hidden by an average. Every entry of the window must meet the targets: take the "
         "minimum."),
        (answers(strict=True), "A share exactly equal to `quality` meets the target: compare "
         "with >=, not >."),
        (answers(collapse_first=True), "Test the quality before the modes: a run whose samples "
         "are not on the ring yet has not converged. 'mode collapse' means good samples from "
         "too few modes."),
        (answers(losses=("d_loss",)), "You only looked at d_loss: a non-finite g_loss means "
         "the run diverged too."),
        (answers(losses=("g_loss",)), "You only looked at g_loss: a non-finite d_loss means "
         "the run diverged too."),
        (answers(nan_only=True), "You only looked for NaN: an infinite loss means the run "
         "diverged too (use `np.isfinite`)."),
        (fixed(modes=8), "Use the `modes` argument: one of the logs comes from a ring of 6 "
         "modes, where 6 covered modes is all of them."),
        (fixed(quality=0.8), "Use the `quality` argument (one log is judged against 0.9, one "
         "against 0.75), not a fixed 0.8."),
        (fixed(window=3), "Use the `window` argument (one log is judged over its last 5 "
         "entries, one over its last entry), not a fixed 3."),
    ]


def _label(value, shown: str, first: bool) -> str:
    if value is None:
        if first:
            raise NotAttempted("diagnose_run returned None: return one of "
                               + ", ".join(repr(d) for d in DIAGNOSES) + ".")
        raise Incorrect(f"`{shown}` returned None; return one of "
                        + ", ".join(repr(d) for d in DIAGNOSES) + ".")
    if not isinstance(value, str | np.str_):
        raise Incorrect(f"`{shown}` should return a text label, one of "
                        + ", ".join(repr(d) for d in DIAGNOSES) + f"; found {describe(value)}.")
    label = " ".join(str(value).strip().lower().replace("_", " ").split())
    if label not in DIAGNOSES:
        raise Incorrect(f"`{shown}` returned {str(value)!r}; the labels are exactly "
                        + ", ".join(repr(d) for d in DIAGNOSES) + ".")
    return label


def _check_diagnose_run(diagnose_run) -> str:
    fn = require_function(diagnose_run, "diagnose_run")
    cases = _diagnosis_cases()
    found, shown_calls = [], []
    for index, (_, log, modes, quality, window) in enumerate(cases):
        shown = f"diagnose_run(log, modes={modes}, quality={quality:g}, window={window})"
        copy = {key: value.copy() for key, value in log.items()}
        value = call_learner(fn, copy, modes, quality, window, name=shown)
        found.append(_label(value, shown, index == 0))
        shown_calls.append(shown)
    right = [_diagnose(log, m, q, w) for _, log, m, q, w in cases]
    if found == right:
        return (f"Right on all {len(cases)} logs: divergence first, then the quality of the "
                "last `window` entries, then their modes.")
    first = next(i for i, (f, r) in enumerate(zip(found, right, strict=True)) if f != r)
    head = (f"For {cases[first][0]}, `{shown_calls[first]}` returned {found[first]!r}; expected "
            f"{right[first]!r}.")
    message = _rule_that_fits(found, right, _diagnosis_variants(cases), lambda a, b: a == b)
    raise Incorrect(f"{head} " + (message or (
        "In this order: 'diverged' if any d_loss or g_loss is NaN or infinite; 'not converged' "
        "if the high-quality share is below `quality` in any of the last `window` entries; "
        "'mode collapse' if fewer than `modes` modes are covered in any of them; otherwise "
        "'healthy'. The losses alone cannot tell a collapsed run from a healthy one.")))


def practice_logs() -> dict[str, dict]:
    """Three training logs for practice (made up for the exercise, shaped like the lesson's
    ring runs: an entry every 300 generator steps, 8 modes)."""
    rng = np.random.default_rng(2026)
    steps = 14
    share_up = np.clip(np.linspace(0.05, 0.95, steps) + rng.normal(0, 0.02, steps), 0, 0.97)
    return {
        "run A": _log([1, 2, 3, 5, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8], np.round(share_up, 3),
                      d_loss=np.round(1.38 - 0.03 * np.arange(steps)
                                      + rng.normal(0, 0.02, steps), 3)),
        "run B": _log([2, 4, 6, 8, 8, 8, 7, 6, 5, 4, 3, 3, 2, 2],
                      np.round(np.minimum(share_up + 0.08, 0.98), 3),
                      d_loss=np.round(1.38 - 0.026 * np.arange(steps)
                                      + rng.normal(0, 0.02, steps), 3),
                      g_loss=np.round(0.74 + rng.normal(0, 0.03, steps), 3)),
        "run C": _log([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6],
                      np.round(np.linspace(0.02, 0.55, steps), 3),
                      d_loss=np.round(np.linspace(1.1, 0.35, steps), 3),
                      g_loss=np.round(np.linspace(1.2, 2.6, steps), 3)),
    }


# -- choose_budget ---------------------------------------------------------------------------
def _choose(table: dict, target: float, *, data: str = "validation", stat: str = "mean+sd",
            ddof: int = 1, strict: bool = False, skip_nan: bool = False, order: str = "smallest",
            direction: bool = True):
    """The rule of the exercise; the keyword options give the typical wrong rules."""
    seconds = np.asarray(table["seconds"], dtype=np.float64)
    fd = np.asarray(table[data], dtype=np.float64)
    scores = []
    for row in fd:
        values = row[np.isfinite(row)] if skip_nan else row
        if not np.all(np.isfinite(values)) or len(values) < 2:
            scores.append(np.nan)
            continue
        mean, sd = values.mean(), values.std(ddof=ddof)
        scores.append({"mean+sd": mean + sd, "mean": mean, "mean-sd": mean - sd,
                       "min": values.min(), "max": values.max()}[stat])
    scores = np.array(scores)
    with np.errstate(invalid="ignore"):
        if not direction:
            meets = scores >= target
        else:
            meets = scores < target if strict else scores <= target
    meets &= np.isfinite(scores)
    if order == "lowest fd":
        finite = np.flatnonzero(np.isfinite(scores))
        return float(seconds[finite[np.argmin(scores[finite])]]) if finite.size else None
    if not meets.any():
        return None
    if order == "listed":
        return float(seconds[np.flatnonzero(meets)[0]])
    if order == "largest":
        return float(seconds[meets].max())
    return float(seconds[meets].min())


def _budget_tables() -> list[tuple[str, dict, float]]:
    """(what the table tests, table, target): FD per budget (rows) and seed (columns)."""
    nan = float("nan")

    def table(seconds, validation, test, dtype=np.float64):
        return {"seconds": np.asarray(seconds, dtype=np.float64),
                "validation": np.asarray(validation, dtype=dtype),
                "test": np.asarray(test, dtype=dtype)}

    return [
        ("a table where one lucky seed, the mean alone and the test images each point to "
         "another budget", table(
             [15, 30, 60, 120, 240],
             [[40, 44, 48], [28, 36, 38], [27, 29, 31], [26, 27, 28], [25, 26, 27]],
             [[41, 45, 47], [31, 35, 39], [26, 28, 30], [26, 27, 29], [25, 26, 26]]), 30.0),
        ("a table with mean + sd exactly on the target", table(
            [10, 20, 40, 80],
            [[50, 60, 70], [28, 30, 32], [27, 28, 29], [26, 26.5, 27]],
            [[52, 58, 69], [30, 31, 34], [28, 29, 30], [26, 27, 27]]), 32.0),
        ("a table where the sample sd (ddof=1) and the population sd (ddof=0) disagree",
         table([20, 40, 80, 160],
               [[30, 31, 33, 34], [21, 23, 25, 27], [22, 23, 23, 24], [21, 22, 22, 23]],
               [[31, 32, 33, 35], [22, 24, 25, 27], [22, 23, 24, 24], [21, 22, 23, 23]],
               dtype=np.float32), 26.4),
        ("a table where one seed diverged (NaN) at a budget", table(
            [30, 60, 120, 240],
            [[40, 42, 44], [25, nan, 26], [27, 28, 29], [24, 25, 26]],
            [[41, 42, 45], [26, nan, 26], [27, 29, 29], [25, 25, 26]]), 30.0),
        ("a table whose budgets are not listed in increasing order", table(
            [240, 60, 120, 30, 480],
            [[14, 15, 16, 15, 15], [24, 26, 27, 25, 23], [17, 18, 19, 18, 18],
             [40, 44, 35, 41, 39], [13, 14, 13, 14, 13]],
            [[15, 15, 16, 16, 15], [25, 26, 28, 25, 24], [18, 18, 20, 19, 18],
             [41, 43, 36, 42, 40], [13, 14, 14, 14, 13]]), 20.0),
        ("a table with one seed far from the others", table(
            [20, 40, 80, 160],
            [[27, 42, 43], [20, 20, 28], [22, 23, 24], [21, 22, 23]],
            [[28, 41, 44], [21, 21, 27], [22, 24, 24], [21, 22, 22]]), 27.5),
        ("a table in which no budget meets the target on every seed", table(
            [15, 30, 60],
            [[70, 80, 90], [52, 58, 61], [39, 47, 56]],
            [[72, 79, 91], [50, 57, 63], [41, 46, 55]]), 40.0),
    ]


def _budget_variants(cases) -> list[tuple[list, str]]:
    def answers(**options):
        return [_choose(t, target, **options) for _, t, target in cases]

    return [
        (answers(data="test"), "That is the choice the *test* FD makes. Decide on the "
         "validation FD; the test FD is only reported for the budget you chose, so that it "
         "stays an honest estimate."),
        (answers(stat="min"), "That is the budget at which the *best seed* meets the target: "
         "one lucky seed is not what the next run will give. Use mean + sd over the seeds."),
        (answers(stat="mean"), "That is what the mean alone gives: about half of the next "
         "runs could miss the target. Add the seed spread: mean + sd (ddof=1)."),
        (answers(ddof=0), "That is what np.std's default (ddof=0, the population sd) gives. "
         "The seeds are a sample: use the sample sd, np.std(..., ddof=1)."),
        (answers(strict=True), "A budget whose mean + sd equals the target meets it ('at most "
         "the target'): compare with <=, not <."),
        (answers(stat="max"), "That is the budget at which the *worst* seed meets the target; "
         "the rule here is mean + sd (ddof=1) at most the target."),
        (answers(stat="mean-sd"), "That is the lower end of the band, mean - sd: the optimistic "
         "side. A lower FD is better, so the pessimistic side, mean + sd, must meet the target."),
        (answers(direction=False), "That is the first budget whose FD is *at least* the target; "
         "a lower Fréchet distance is better, so the budget must bring mean + sd *down to* the "
         "target (<=)."),
        (answers(skip_nan=True), "That is what ignoring the NaN gives (np.nanmean): a seed that "
         "diverged is a run that missed the target, so a budget with a NaN does not qualify."),
        (answers(order="listed"), "That is the first qualifying budget in the order the table "
         "lists them; the budgets are not sorted: take the smallest number of seconds."),
        (answers(order="largest"), "That is the largest qualifying budget; take the smallest: "
         "every second beyond it is training you do not need."),
        (answers(order="lowest fd"), "That is the budget with the lowest FD; the question is the "
         "smallest budget that meets the target."),
        ([_choose(t, 30.0) for _, t, _ in cases], "Use the `target` argument; the tables come "
         "with other targets than 30."),
    ]


def _budget_value(value, shown: str, first: bool) -> float | None:
    """A learner's budget as a number; None is an answer (no budget qualifies), except for the
    first table, where a budget does qualify: there it is the untouched stub."""
    if value is None:
        if first:
            raise NotAttempted("choose_budget returned None for a table where a budget meets "
                               "the target: write the function (None is only for tables where "
                               "no budget does).")
        return None
    return require_number(to_numpy_safe(value), f"The result of `{shown}`")


def _same_budget(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(np.isclose(a, b, rtol=0, atol=1e-9))


def _check_choose_budget(choose_budget) -> str:
    fn = require_function(choose_budget, "choose_budget")
    cases = _budget_tables()
    found, calls = [], []
    for index, (_, table, target) in enumerate(cases):
        seeds = table["validation"].shape[1]
        shown = (f"choose_budget(table, target={target:g}) on a table of "
                 f"{len(table['seconds'])} budgets x {seeds} seeds")
        copy = {key: value.copy() for key, value in table.items()}
        value = call_learner(fn, copy, target, name=shown)
        found.append(_budget_value(value, shown, index == 0))
        calls.append(shown)
    right = [_choose(t, target) for _, t, target in cases]
    if all(_same_budget(f, r) for f, r in zip(found, right, strict=True)):
        return (f"Right on all {len(cases)} tables: the smallest budget whose validation "
                "mean + sd (ddof=1) is at most the target, None when there is none.")
    first = next(i for i, (f, r) in enumerate(zip(found, right, strict=True))
                 if not _same_budget(f, r))
    what, table, _ = cases[first]
    shown_found = "None" if found[first] is None else f"{found[first]:g}"
    shown_right = "None" if right[first] is None else f"{right[first]:g}"
    head = f"On {what}, `{calls[first]}` returned {shown_found}; expected {shown_right}."
    seconds = list(np.asarray(table["seconds"], dtype=np.float64))
    if right[first] is not None and found[first] is not None and _same_budget(
            found[first], seconds.index(right[first])):
        raise Incorrect(f"{head} That is the *position* of the right budget in the table; "
                        "return its number of seconds, `table['seconds'][i]`.")
    message = _rule_that_fits(found, right, _budget_variants(cases), _same_budget)
    raise Incorrect(f"{head} " + (message or (
        "Among the budgets whose validation FDs are all finite and whose mean + sd (ddof=1) "
        "over the seeds is at most `target`, return the smallest number of seconds; None if "
        "there is none.")))


def practice_budget_table() -> dict:
    """A practice table: a GAN's Fréchet distance per training budget (rows) and seed
    (columns), on validation and on test images (invented for the exercise)."""
    return {
        "seconds": np.array([15.0, 30.0, 60.0, 120.0, 180.0]),
        "validation": np.array([[58.0, 66.0, 61.0, 71.0], [29.0, 41.0, 36.0, 47.0],
                                [26.0, 28.0, 33.0, 29.0], [21.0, 24.0, 22.0, 25.0],
                                [19.0, 21.0, 20.0, 22.0]]),
        "test": np.array([[59.0, 64.0, 63.0, 70.0], [31.0, 40.0, 37.0, 45.0],
                          [27.0, 29.0, 32.0, 30.0], [22.0, 23.0, 23.0, 26.0],
                          [20.0, 21.0, 21.0, 22.0]]),
    }


# -- ring_scores -----------------------------------------------------------------------------
def _ring_reference(samples, std, modes, radius, *, linspace: bool = False, sigmas: float = 3,
                    strict: bool = False, need_rule: str = "ceil", more: bool = False,
                    use_distance: bool = True, need_from: str = "n", share_of: str = "all",
                    percent: bool = False) -> tuple[int, float]:
    """The rule of the exercise; the keyword options give the typical wrong rules."""
    samples = np.asarray(samples, dtype=np.float64)
    angles = (np.linspace(0, 2 * np.pi, modes) if linspace
              else 2 * np.pi * np.arange(modes) / modes)
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest, distance = distances.argmin(axis=1), distances.min(axis=1)
    good = distance < sigmas * std if strict else distance <= sigmas * std
    base = len(samples) if need_from == "n" else int(good.sum())
    raw = 0.2 * base / modes
    need = max(1, {"ceil": math.ceil, "round": round, "floor": math.floor}[need_rule](raw))
    counts = np.bincount(nearest[good] if use_distance else nearest, minlength=modes)
    covered = counts > need if more else counts >= need
    share = float(good.mean())
    if share_of == "covered":
        share = float(np.isin(nearest[good], np.flatnonzero(covered)).sum() / len(samples))
    return int(np.sum(covered)), share * (100 if percent else 1)


def _ring_case(modes: int, radius: float, std: float, counts: Sequence[int], *,
               boundary: int, between: int, strays: int, seed: int,
               dtype=np.float32) -> np.ndarray:
    """Samples with ``counts[k]`` points well inside mode k (0.3 to 2.8 std from its centre),
    ``boundary`` points exactly 3 std outside mode 0, ``between`` points half-way between
    modes and ``strays`` points 4-6 std outside a mode (nearest to it, but not high quality)."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    parts = []
    for k, count in enumerate(counts):
        r = rng.uniform(0.3, 2.8, count) * std
        phi = rng.uniform(0, 2 * np.pi, count)
        parts.append(centres[k] + np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1))
    parts.append(np.tile([radius + 3 * std, 0.0], (boundary, 1)))
    mid = 2 * np.pi * (rng.integers(0, modes, between) + 0.5) / modes
    parts.append(radius * np.stack([np.cos(mid), np.sin(mid)], axis=1))
    which = rng.integers(0, modes, strays)
    outward = radius + rng.uniform(4.0, 6.0, strays) * std
    parts.append(np.stack([outward * np.cos(angles[which]), outward * np.sin(angles[which])],
                          axis=1))
    samples = np.concatenate(parts)
    return samples[rng.permutation(len(samples))].astype(dtype)


def _ring_cases() -> list[tuple[str, np.ndarray, float, int, float]]:
    """(what the set holds, samples, std, modes, radius)."""
    return [
        # n = 410: 0.2 n / 8 = 10.25 -> 11 (round and floor: 10). Mode 0: 9 inside + 2 on the
        # boundary = 11 (10 with <); mode 3: exactly 10; mode 6: 5 strays at most.
        ("8 modes (radius 2, std 0.125), points on the 3-std boundary, between the modes and "
         "strays", _ring_case(8, 2.0, 0.125, [9, 40, 45, 10, 50, 60, 8, 48], boundary=2,
                              between=60, strays=84, seed=1), 0.125, 8, 2.0),
        # n = 320: 0.2 n / 6 = 10.67 -> 11 (floor: 10). Mode 2: exactly 11, mode 4: 10.
        ("6 modes (radius 3, std 0.25)", _ring_case(
            6, 3.0, 0.25, [60, 55, 11, 50, 10, 52], boundary=0, between=40, strays=42, seed=2,
            dtype=np.float64), 0.25, 6, 3.0),
        # n = 602: 0.2 n / 12 = 10.03 -> 11 (round and floor: 10); counts of 10 and 11.
        ("12 modes (radius 4, std 0.125)", _ring_case(
            12, 4.0, 0.125, [40, 45, 10, 42, 11, 48, 44, 0, 46, 41, 10, 47], boundary=4,
            between=60, strays=114, seed=3), 0.125, 12, 4.0),
    ]


def _ring_variants(cases) -> list[tuple[list, str]]:
    def answers(**options):
        return [_ring_reference(s, std, m, r, **options) for _, s, std, m, r in cases]

    def fixed(modes=None, radius=None, std=None):
        return [_ring_reference(s, std or sd, modes or m, radius or r)
                for _, s, sd, m, r in cases]

    return [
        (answers(percent=True), "The share should be a fraction between 0 and 1, not a "
         "percentage."),
        (answers(linspace=True), "That is what np.linspace(0, 2*pi, modes) gives: its first and "
         "last angle are the same point, so one mode is missing. Use the angles 2*pi*k/modes "
         "for k = 0..modes-1 (`endpoint=False`)."),
        (answers(strict=True), "A sample exactly 3 std from its nearest centre is high quality "
         "('at most 3 std'): compare with <=, not <."),
        (answers(sigmas=1), "That share counts samples within 1 std of a mode; a high-quality "
         "sample lies within 3 std."),
        (answers(sigmas=2), "That share counts samples within 2 std of a mode; a high-quality "
         "sample lies within 3 std."),
        (answers(need_rule="round"), "The minimum count is rounded *up*: ceil(0.2 * n / modes) "
         "(10.25 needs 11 samples); round() gives 10."),
        (answers(need_rule="floor"), "The minimum count is rounded *up*: ceil(0.2 * n / modes); "
         "int() and // round down."),
        (answers(more=True), "A mode with exactly the minimum count is covered: compare the "
         "counts with >=, not >."),
        (answers(need_from="good"), "The minimum count comes from all n samples, "
         "ceil(0.2 * n / modes), not from the number of high-quality ones."),
        (answers(use_distance=False), "You counted every sample by its nearest mode, however "
         "far away; only high-quality samples (within 3 std) count towards a mode."),
        (answers(need_rule="ceil", share_of="covered"), "The share counts every high-quality "
         "sample, also those at modes that are not covered."),
        (fixed(modes=8), "Use the `modes` argument: the check also uses rings of 6 and 12 "
         "modes."),
        (fixed(radius=2.0), "Use the `radius` argument: the check also uses radii 3 and 4."),
    ]


def _check_ring_scores(ring_scores) -> str:
    fn = require_function(ring_scores, "ring_scores")
    cases = _ring_cases()
    found, calls = [], []
    for _, samples, std, modes, radius in cases:
        shown = f"ring_scores(samples, std={std:g}, modes={modes}, radius={radius:g})"
        answer = _pair(call_learner(fn, samples.copy(), std, modes=modes, radius=radius,
                                    name=shown),
                       f"The result of `{shown}`", "(modes covered, high-quality share)")
        covered = require_number(to_numpy_safe(answer[0]), f"The modes covered by `{shown}`")
        share = require_number(to_numpy_safe(answer[1]), f"The share of `{shown}`")
        found.append((covered, share))
        calls.append(shown)
    right = [_ring_reference(s, std, m, r) for _, s, std, m, r in cases]

    def same(a, b):
        return a[0] == b[0] and bool(np.isclose(a[1], b[1], rtol=0, atol=1e-6))

    if all(same(f, r) for f, r in zip(found, right, strict=True)):
        return ("Both numbers match on rings of 6, 8 and 12 modes, with points on the 3-std "
                "boundary, modes exactly at the minimum count, strays and points between the "
                "modes.")
    first = next(i for i, (f, r) in enumerate(zip(found, right, strict=True)) if not same(f, r))
    what, samples = cases[first][0], cases[first][1]
    head = (f"On {len(samples)} points, {what}: `{calls[first]}` gave {found[first][0]:g} modes "
            f"and a share of {found[first][1]:.4g}; expected {right[first][0]} and "
            f"{right[first][1]:.4f}.")
    message = _rule_that_fits(found, right, _ring_variants(cases), same)
    raise Incorrect(f"{head} " + (message or (
        "High quality: the nearest centre is at most 3 * std away; the share is their "
        "fraction of all samples. A mode is covered when at least "
        "max(1, ceil(0.2 * n / modes)) high-quality samples have it as their nearest "
        "centre.")))


# -- gradient_penalty ------------------------------------------------------------------------
GP_CASES = ((3, 48, np.float32), (4, 33, np.float64))  # (seed, n, dtype of real and fake)


def _quadratic_critic(x, training=None):  # noqa: ARG001 - a critic may be called with training
    import keras

    return 0.5 * keras.ops.sum(x**2, axis=1, keepdims=True)


def _mlp_critic():
    """A small MLP critic 2-16-16-1 with fixed random weights (no dropout or batch norm, so
    calling it with training=True or False gives the same scores)."""
    import keras

    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="tanh"),
                               keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(5)
    critic.set_weights([rng.normal(0.0, 0.7, w.shape).astype(np.float32)
                        for w in critic.get_weights()])
    return critic


def _gradient_norms(critic, points: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(points, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = critic(x)
    grads = tape.gradient(score, x).numpy().astype(np.float64)
    return np.sqrt(np.sum(grads**2, axis=1))


def _gp_points(seed: int, n: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 100)
    angles = 2 * np.pi * rng.integers(0, 8, n) / 8
    real = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1) + rng.normal(0, 0.02, (n, 2))
    fake = rng.normal(0.0, 0.7, (n, 2))
    return real.astype(dtype), fake.astype(dtype)


def _check_gradient_penalty(gradient_penalty) -> str:
    fn = require_function(gradient_penalty, "gradient_penalty")
    for critic_name, critic in (("D(x) = ||x||^2 / 2", _quadratic_critic),
                                ("a small MLP critic", _mlp_critic())):
        for seed, n, dtype in GP_CASES:
            real, fake = _gp_points(seed, n, dtype)
            shown = "gradient_penalty(critic, real, fake, rng)"
            found = require_number(to_numpy_safe(call_learner(
                fn, critic, real.copy(), fake.copy(), np.random.default_rng(seed), name=shown)),
                f"The penalty `{shown}` returned")
            eps = np.random.default_rng(seed).uniform(size=(n, 1))
            r64, f64 = real.astype(np.float64), fake.astype(np.float64)
            mixed = r64 + eps * (f64 - r64)
            norms = _gradient_norms(critic, mixed)
            expected = float(np.mean((norms - 1.0) ** 2))
            if np.isclose(found, expected, rtol=1e-3, atol=1e-6):
                continue
            other_rng = np.random.default_rng(seed)
            per_coordinate = r64 + other_rng.uniform(size=(n, 2)) * (f64 - r64)
            one_eps = r64 + eps[0, 0] * (f64 - r64)
            mistakes = [
                (np.mean(norms), "you penalised the gradient norm itself; WGAN-GP penalises "
                 "its distance from 1, (||grad|| - 1)^2, so that the critic stays 1-Lipschitz "
                 "without being pushed flat."),
                (np.mean(norms**2), "you penalised the squared norm ||grad||^2; the penalty is "
                 "(||grad|| - 1)^2."),
                (np.mean((_gradient_norms(critic, one_eps) - 1.0) ** 2), "that is what one "
                 "epsilon for the whole batch gives (`rng.uniform()`); draw one per sample, "
                 "`rng.uniform(size=(n, 1))`, so the mixes fill the space between the sets."),
                (np.mean((_gradient_norms(critic, per_coordinate) - 1.0) ** 2), "that is what "
                 "one epsilon per *coordinate* gives (`size=(n, 2)`): the mixes leave the line "
                 "between the real and the generated point. Draw `rng.uniform(size=(n, 1))`."),
                (np.mean((_gradient_norms(critic, f64 + eps * (r64 - f64)) - 1.0) ** 2),
                 "you mixed the other way round, fake + eps * (real - fake); use "
                 "real + eps * (fake - real) so that your numbers can be reproduced."),
                (np.mean((_gradient_norms(critic, r64) - 1.0) ** 2), "that is the penalty at "
                 "the real points; take the gradient with respect to the interpolates "
                 "real + eps * (fake - real) (watch them on the tape)."),
                (np.mean((_gradient_norms(critic, f64) - 1.0) ** 2), "that is the penalty at "
                 "the generated points; take the gradient with respect to the interpolates."),
                (np.sum((norms - 1.0) ** 2), "that is the sum over the batch; take the mean."),
                (float(np.mean(np.abs(norms - 1.0))), "you forgot the square: (||grad|| - "
                 "1)^2."),
                (float((np.sqrt(np.sum(norms**2)) - 1.0) ** 2), "you took one norm over the "
                 "whole batch; the norm is per sample (sum over axis 1), then the mean of "
                 "(norm - 1)^2 over the batch."),
            ]
            explain_mismatch(
                found, mistakes, rtol=1e-3, atol=1e-6,
                prefix=f"With {critic_name} and {n} points: expected {expected:.6g}, found "
                       f"{found:.6g};",
                otherwise="compute eps = rng.uniform(size=(n, 1)), the interpolates real + "
                          "eps * (fake - real), the critic's gradient there, its norm per "
                          "sample, then the mean of (norm - 1)^2.")
    return ("Matches the reference on a quadratic critic and on a small MLP critic, for two "
            "batch sizes and for float32 and float64 points.")


# -- winners ---------------------------------------------------------------------------------
TIE = "tie"


def _reference_winners(results: dict, lower_is_better: dict, *, direction: str = "right",
                       skip_nan: bool = True, ties: bool = True, ddof: int = 1,
                       tie_at_equal: bool = True, spread: str = "max",
                       single: str = "wins") -> dict:
    """The rule of the exercise; the keyword options give the typical wrong rules."""
    answer = {}
    for column, lower in lower_is_better.items():
        lower = {"right": lower, "lower": True, "higher": False}[direction]
        stats = []
        for model, columns in results.items():
            values = np.asarray(columns[column], dtype=np.float64)
            if skip_nan and not np.all(np.isfinite(values)):
                continue
            stats.append((model, float(np.mean(values)), float(np.std(values, ddof=ddof))))
        if not stats:
            answer[column] = None
            continue
        key = (lambda s: s[1]) if lower else (lambda s: -s[1])
        nan = [s for s in stats if np.isnan(s[1])]  # only without skip_nan: np.argmin-style
        ordered = nan + sorted([s for s in stats if not np.isnan(s[1])], key=key)
        best = ordered[0]
        if len(ordered) == 1:
            answer[column] = best[0] if single == "wins" else TIE
            continue
        runner = ordered[1]
        allowed = {"max": max(best[2], runner[2]), "best": best[2], "runner": runner[2],
                   "sum": best[2] + runner[2]}[spread]
        gap = abs(best[1] - runner[1])
        tie = gap <= allowed if tie_at_equal else gap < allowed
        answer[column] = TIE if ties and tie else best[0]
    return answer


LOWER_IS_BETTER = {"reconstruction MSE": True, "Fréchet distance": True, "precision": False,
                   "recall": False, "training seconds": True}


def _winner_tables() -> list[tuple[str, dict, dict]]:
    """(what the table tests, results, lower_is_better); 3 to 5 seeds per model."""
    nan = float("nan")
    return [
        ("three models with NaN cells, a near-tie and a gap exactly equal to the spread", {
            "AE + Gaussian": {"reconstruction MSE": [0.010, 0.011, 0.012],
                              "Fréchet distance": [10.0, 12.0, 14.0],
                              "precision": [0.50, 0.56, 0.53], "recall": [0.30, 0.31, 0.32],
                              "training seconds": [3.0, 3.2, 3.1]},
            "VAE": {"reconstruction MSE": [0.030, 0.031, 0.032],
                    "Fréchet distance": [13.0, 14.0, 15.0],
                    "precision": [0.60, 0.64, 0.62], "recall": [0.50, 0.52, 0.51],
                    "training seconds": [3.15, 3.25, 3.35]},
            "GAN": {"reconstruction MSE": [nan, nan, nan],
                    "Fréchet distance": [60.0, 90.0, 75.0],
                    "precision": [0.40, 0.90, 0.65], "recall": [0.10, 0.20, 0.15],
                    "training seconds": [9.0, 9.5, 9.2]}},
         dict(LOWER_IS_BETTER)),
        ("two models whose spreads differ", {
            "A": {"test MSE x 1000": [10.0, 11.0, 12.0, 11.0],
                  "Fréchet distance": [20.0, 21.0, 22.0, 21.0],
                  "coverage": [0.70, 0.72, 0.74, 0.72], "seconds per step": [0.010, 0.011,
                                                                              0.012, 0.011]},
            "B": {"test MSE x 1000": [11.75, 11.8, 11.85, 11.8],
                  "Fréchet distance": [22.0, 24.0, 26.0, 24.0],
                  "coverage": [0.40, 0.80, 0.60, 0.60], "seconds per step": [0.020, 0.050,
                                                                              0.080, 0.050]}},
         {"test MSE x 1000": True, "Fréchet distance": True, "coverage": False,
          "seconds per step": True}),
        ("a column with one model only, and a metric where higher is better", {
            "GAN": {"negative ELBO": [nan, nan, nan], "modes covered": [2.0, 3.0, 4.0],
                    "density": [0.875, 1.0, 1.125]},
            "dense VAE": {"negative ELBO": [150.0, 151.0, 152.0],
                          "modes covered": [6.0, 7.0, 8.0], "density": [0.5, 0.75, 1.0]},
            "conv VAE": {"negative ELBO": [nan, nan, nan],
                         "modes covered": [8.0, 8.0, 8.0], "density": [0.4, 0.5, 0.6]}},
         {"negative ELBO": True, "modes covered": False, "density": False}),
    ]


def _winner_variants(cases) -> list[tuple[list, str]]:
    def answers(**options):
        return [_reference_winners(t, lower, **options) for _, t, lower in cases]

    return [
        (answers(direction="lower"), "Lower is not always better: use `lower_is_better[column]` "
         "(precision, recall, coverage, density and modes covered are better when higher)."),
        (answers(direction="higher"), "Higher is not always better: use "
         "`lower_is_better[column]` (a lower Fréchet distance, MSE or time is better)."),
        (answers(skip_nan=False), "A model whose value is NaN in a column (reconstruction MSE "
         "or ELBO of a GAN: it has no encoder) has no number there and cannot win: skip it."),
        (answers(ties=False), "The best mean always wins in your answer; it wins only when its "
         "gap to the runner-up is larger than the larger of their two seed standard "
         "deviations. A gap within the spread is a 'tie'."),
        (answers(ddof=0), "That is what np.std's default (ddof=0, the population sd) gives; the "
         "seeds are a sample: use np.std(values, ddof=1), as in lesson 09."),
        (answers(tie_at_equal=False), "A gap exactly equal to the spread is a 'tie': a winner "
         "needs a gap *larger* than the larger sd (>, not >=), as in lessons 07 and 09."),
        (answers(spread="best"), "You compared the gap with the best model's sd only; use the "
         "larger of the two sds (the best model's and the runner-up's)."),
        (answers(spread="runner"), "You compared the gap with the runner-up's sd only; use the "
         "larger of the two sds (the best model's and the runner-up's)."),
        (answers(spread="sum"), "You compared the gap with the *sum* of the two sds; use the "
         "larger of the two."),
        (answers(single="tie"), "A column where only one model has numbers is won by that "
         "model (nothing to tie with)."),
        ([_reference_winners(t, {c: LOWER_IS_BETTER.get(c, True) for c in lower})
          for _, t, lower in cases], "Use the `lower_is_better` dict you are given: the check "
         "also passes columns such as 'coverage' and 'modes covered', where higher is better."),
    ]


def _check_winners(winners) -> str:
    fn = require_function(winners, "winners")
    cases = _winner_tables()
    found = []
    for index, (_, table, lower) in enumerate(cases):
        copy = {m: {c: np.asarray(v, dtype=np.float64).copy() for c, v in cols.items()}
                for m, cols in table.items()}
        answer = call_learner(fn, copy, dict(lower), name="winners(results, lower_is_better)")
        if answer is None:
            if index == 0:
                raise NotAttempted("winners returned None: return a dict {column: model name "
                                   "or 'tie'}.")
            raise Incorrect("`winners` returned None for one of the test tables; return a dict "
                            "{column: model name or 'tie'}.")
        if not isinstance(answer, dict):
            raise Incorrect(f"`winners` should return a dict {{column: model name or 'tie'}}; "
                            f"found {describe(answer)}.")
        if set(answer) != set(lower):
            raise Incorrect(f"The dict should have one entry per column of `lower_is_better`, "
                            f"{sorted(lower)}; found the keys {sorted(map(str, answer))}.")
        found.append({c: (str(v).strip() if isinstance(v, str | np.str_) else v)
                      for c, v in answer.items()})
    right = [_reference_winners(t, lower) for _, t, lower in cases]
    if found == right:
        return ("Right on all three test tables: directions, NaN cells, gaps exactly on the "
                "spread and inside it (ties), and a column with one model.")
    first = next(i for i, (f, r) in enumerate(zip(found, right, strict=True)) if f != r)
    column = next(c for c in right[first] if found[first][c] != right[first][c])
    what, table, _ = cases[first]
    head = (f"For the column '{column}' of a test table with {what} (models "
            f"{', '.join(table)}), expected {right[first][column]!r}, found "
            f"{found[first][column]!r}.")
    message = _rule_that_fits(found, right, _winner_variants(cases), lambda a, b: a == b)
    raise Incorrect(f"{head} " + (message or (
        "Per column: skip models with a NaN, take the best mean in the direction "
        "`lower_is_better[column]` gives, and call it a 'tie' when its gap to the runner-up is "
        "at most the larger of their two sds (ddof=1).")))


# -- the exercises ---------------------------------------------------------------------------
diagnose_run = Exercise(
    lesson=LESSON,
    name="diagnose_run",
    title="diverged, not converged, mode collapse or healthy, from a training log",
    checker=_check_diagnose_run,
    hints=[
        "First the losses: `np.isfinite` on d_loss and on g_loss, over the whole log. Then only "
        "the end of training: `log['high_quality'][-window:]` and "
        "`log['modes_covered'][-window:]`.",
        "Every entry of the window must meet a target, so compare the *minimum* of the window "
        "with it: quality with >= quality, modes with >= modes. Test the quality before the "
        "modes.",
        "`if not all finite: 'diverged'`; `elif min(share[-window:]) < quality: 'not "
        "converged'`; `elif min(covered[-window:]) < modes: 'mode collapse'`; `else: "
        "'healthy'`.",
    ],
)

choose_budget = Exercise(
    lesson=LESSON,
    name="choose_budget",
    title="the smallest training budget that meets an FD target over seeds",
    checker=_check_choose_budget,
    hints=[
        "Work on `table['validation']` only, one row per budget, one column per seed. A row "
        "with a NaN (a seed that diverged) does not qualify.",
        "Per row: `row.mean() + row.std(ddof=1)`; a budget qualifies when that is <= target.",
        "Among the qualifying rows, return the smallest `table['seconds']` (the rows are not "
        "sorted), as a number; None if no row qualifies.",
    ],
)

ring_scores = Exercise(
    lesson=LESSON,
    name="ring_scores",
    title="modes covered and high-quality share on the ring",
    checker=_check_ring_scores,
    hints=[
        "The centres sit at angles 2*pi*k/modes for k = 0..modes-1 "
        "(`np.linspace(0, 2*np.pi, modes, endpoint=False)`), at distance `radius` from 0.",
        "For each sample: the distance to every centre (shape (n, modes)), the nearest centre "
        "and its distance. High quality: that distance is at most (<=) 3 * std.",
        "`counts = np.bincount(nearest[good], minlength=modes)`; covered modes: "
        "`np.sum(counts >= max(1, math.ceil(0.2 * n / modes)))`; share: `good.mean()`.",
    ],
)

gradient_penalty = Exercise(
    lesson=LESSON,
    name="gradient_penalty",
    title="the WGAN-GP gradient penalty",
    checker=_check_gradient_penalty,
    hints=[
        "eps = rng.uniform(size=(n, 1)) gives every sample its own mixing weight; the "
        "interpolates are real + eps * (fake - real).",
        "Convert the interpolates to a tensor, `tape.watch` it inside a `tf.GradientTape()`, "
        "score it with the critic, and take `tape.gradient(score, mixed)`: shape (n, 2).",
        "`norms = tf.sqrt(tf.reduce_sum(grads**2, axis=1))`; "
        "`return tf.reduce_mean((norms - 1.0) ** 2)`.",
    ],
)

winners = Exercise(
    lesson=LESSON,
    name="winners",
    title="the best model per column, or a tie, from numbers over seeds",
    checker=_check_winners,
    hints=[
        "Per column, skip the models whose values are not all finite (np.isfinite), then "
        "compute each remaining model's mean and np.std(values, ddof=1) over its seeds.",
        "Sort by mean, ascending when lower_is_better[column] is True, descending otherwise; "
        "the first is the best, the second the runner-up.",
        "`answer[column] = best if abs(best_mean - runner_mean) > max(best_sd, runner_sd) "
        "else 'tie'` (a single model with numbers wins its column).",
    ],
)

EXERCISES = (diagnose_run, choose_budget, ring_scores, gradient_penalty, winners)
