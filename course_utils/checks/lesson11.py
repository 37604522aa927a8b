"""Checks for lesson 11, "Disentanglement"."""

from __future__ import annotations

import numpy as np

from .common import explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    require_array,
    require_function,
    require_number,
)

LESSON = "11"


def _matches(found: np.ndarray, values) -> bool:
    values = np.asarray(values, dtype=np.float64)
    return (values.shape == found.shape and bool(np.all(np.isfinite(values)))
            and np.allclose(found, values, rtol=1e-6, atol=1e-9))


# -- discretize ----------------------------------------------------------------------------------
def _digitize_columns(codes: np.ndarray, bins: int, edges_of, inner) -> np.ndarray:
    out = np.empty(codes.shape, dtype=np.float64)
    for unit in range(codes.shape[1]):
        out[:, unit] = np.digitize(codes[:, unit], inner(edges_of(codes[:, unit], bins)))
    return out


def _reference_discretize(codes: np.ndarray, bins: int) -> np.ndarray:
    return _digitize_columns(codes, bins, lambda c, b: np.histogram_bin_edges(c, b),
                             lambda e: e[1:-1])


def _discretize_inputs(seed: int) -> np.ndarray:
    """Units on very different scales, so that bins over the whole matrix go wrong."""
    rng = np.random.default_rng(seed)
    columns = [rng.random(60), rng.normal(0, 30, 60), 1000 + rng.random(60) * 0.01,
               rng.exponential(2.0, 60) - 5]
    return np.stack(columns, axis=1)


def _check_discretize(discretize) -> str:
    fn = require_function(discretize, "discretize")
    for seed, bins in ((0, 10), (1, 7)):
        codes = _discretize_inputs(seed)
        given = codes.copy()
        shown = f"discretize(codes, bins={bins})"
        found = require_array(call_learner(fn, given, bins, name=shown),
                              f"The result of `{shown}`", shape=codes.shape)
        if not np.array_equal(given, codes):
            raise Incorrect("discretize changed the codes it was given; return new labels and "
                            "leave the codes as they are.")
        found = found.astype(np.float64)
        expected = _reference_discretize(codes, bins)
        if np.array_equal(found, expected):
            continue
        whole = np.histogram_bin_edges(codes, bins)
        per_image = _digitize_columns(codes.T, bins, lambda c, b: np.histogram_bin_edges(c, b),
                                      lambda e: e[1:-1]).T
        prefix = (f"For codes of shape {codes.shape} (4 units on very different scales) and "
                  f"bins={bins}: your labels run from {found.min():g} to {found.max():g}.")
        mistakes = [
            (np.digitize(codes, whole[1:-1]), "The bin edges were computed over the whole "
             "matrix, so a unit with a small range falls into one or two bins. Each unit (column) "
             "needs its own edges, over its own minimum and maximum."),
            (per_image, "The bins were computed per image (row); each *unit* (column, "
             "axis 0 runs over images) needs its own edges."),
            (expected + 1, "Every label is one too large: with `np.digitize(x, edges[:-1])` "
             "labels run from 1 to bins. Use the inner edges `edges[1:-1]` for labels 0 .. "
             "bins - 1."),
            (_digitize_columns(codes, bins, lambda c, b: np.histogram_bin_edges(c, b),
                               lambda e: e), "With all bins + 1 edges, `np.digitize` counts the "
             "left edge as a bin (labels start at 1) and gives each unit's maximum a bin of its "
             "own (bins + 1). Use the inner edges `edges[1:-1]`."),
            (_digitize_columns(codes, bins, lambda c, b: np.histogram_bin_edges(c, b),
                               lambda e: e[1:]), f"The largest value of each unit gets label "
             f"{bins}, a bin of its own: the last bin must include its right edge. Use the "
             "inner edges `edges[1:-1]`, or clip the labels at bins - 1."),
            (np.floor((codes - codes.min(0)) / (codes.max(0) - codes.min(0)) * bins),
             f"The largest value of each unit gets label {bins}, a bin of its own: with "
             "`floor((x - min) / (max - min) * bins)` the maximum lands on bins. Clip the labels "
             "at bins - 1."),
            (_digitize_columns(codes, bins, lambda c, b: np.quantile(c, np.linspace(0, 1, b + 1)),
                               lambda e: e[1:-1]), "Those are equal-*count* bins (quantiles); "
             "the recipe uses equal-*width* bins between each unit's minimum and maximum "
             "(`np.histogram_bin_edges`)."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-6, atol=1e-9, prefix=prefix,
                         otherwise="Expected labels 0 .. bins - 1 from equal-width bins "
                                   "over each unit's own range (`np.histogram_bin_edges(column, "
                                   "bins)`, then `np.digitize(column, edges[1:-1])`).")
    return ("Equal-width bins per unit, labels 0 .. bins - 1, each unit's maximum in the last "
            "bin: the same labels as course_utils.disentanglement.discretize.")


# -- normalised_mi -------------------------------------------------------------------------------
def _mi(a: np.ndarray, b: np.ndarray) -> float:
    from sklearn.metrics import mutual_info_score

    return float(mutual_info_score(a, b))


def _mi_inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels of 4 units that depend on 3 non-uniform factors to different degrees."""
    rng = np.random.default_rng(seed)
    n = 400
    factors = np.stack([rng.choice(3, n, p=[0.6, 0.3, 0.1]), rng.choice(5, n),
                        rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4])], axis=1)
    noise = rng.integers(0, 3, (n, 4))
    labels = np.stack([factors[:, 0] * 2 + noise[:, 0], factors[:, 1] + (noise[:, 1] == 0),
                       rng.integers(0, 6, n), factors[:, 2] * 3 + factors[:, 0] + noise[:, 3]],
                      axis=1)
    return labels, factors


def _check_normalised_mi(normalised_mi) -> str:
    from sklearn.metrics import normalized_mutual_info_score

    fn = require_function(normalised_mi, "normalised_mi")
    for seed in (0, 1):
        labels, factors = _mi_inputs(seed)
        units, k = labels.shape[1], factors.shape[1]
        shown = "normalised_mi(labels, factors)"
        result = call_learner(fn, labels.copy(), factors.copy(), name=shown)
        array = require_array(result, f"The result of `{shown}`")
        if array.shape == (k, units):
            raise Incorrect(f"The result has shape {array.shape}: factors x units. The check "
                            f"expects units x factors, ({units}, {k}): one row per code unit.")
        found = require_array(array, f"The result of `{shown}`", shape=(units, k))
        found = found.astype(np.float64)
        mi = np.array([[_mi(f, u) for f in factors.T] for u in labels.T])
        h_factor = np.array([_mi(f, f) for f in factors.T])
        h_unit = np.array([_mi(u, u) for u in labels.T])
        expected = mi / h_factor
        if _matches(found, expected):
            continue
        sizes = np.array([len(np.unique(f)) for f in factors.T])
        prefix = f"For 4 units and 3 factors (seed {seed}):"
        mistakes = [
            (mi, "These are the mutual informations themselves, not divided by the factor's "
             "entropy H(factor): divide column k by H(factor k) so that 1 means 'this unit "
             "tells everything about the factor'."),
            (mi / (h_factor / np.log(2)), "The mutual information is in nats (sklearn's "
             "`mutual_info_score` uses natural logs) but the entropy is in bits (base 2): "
             "compute both in the same unit, e.g. H(f) = mutual_info_score(f, f)."),
            (mi / np.log(2) / h_factor, "The mutual information is in bits but the entropy "
             "in nats: compute both in the same unit."),
            (mi / h_unit[:, None], "You divided by the entropy of the code unit; MIG divides by "
             "the entropy of the *factor*, H(factor k), the same for a whole column."),
            (mi / np.log(sizes), "You divided by log(number of values), the entropy of a "
             "*uniform* factor; these factors are not uniform. Use the entropy of the factor's "
             "observed values, H(f) = mutual_info_score(f, f)."),
            (np.array([[normalized_mutual_info_score(f, u) for f in factors.T]
                       for u in labels.T]),
             "That is sklearn's `normalized_mutual_info_score`, which divides by the mean of "
             "both entropies; MIG divides by H(factor) only."),
            (mi / mi.max(axis=0), "You scaled each column by its largest value, so the best unit "
             "always scores 1. Divide by H(factor) instead: 1 should mean 'this unit tells "
             "everything about the factor'."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-6, atol=1e-9, prefix=prefix,
                         otherwise="Expected mutual_info_score(factor_k, unit_u) / H(factor_k) "
                                   "in entry (u, k), with H(f) = mutual_info_score(f, f).")
    return ("I(unit; factor) / H(factor), units x factors, in the same unit for both: the "
            "normalised matrix that MIG reads.")


# -- mig_from_info -------------------------------------------------------------------------------
def _mig_inputs(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((6, 4)) ** 2


def _check_mig_from_info(mig_from_info) -> str:
    fn = require_function(mig_from_info, "mig_from_info")
    for seed in (0, 1, 2):
        info = _mig_inputs(seed)
        shown = "mig_from_info(info)"
        result = call_learner(fn, info.copy(), name=shown)
        array = require_array(result, f"The result of `{shown}`")
        if array.size == info.shape[1] and array.size > 1:
            raise Incorrect(f"The result holds {array.size} numbers, one per factor: MIG is "
                            "their mean, a single number.")
        found = require_number(array, f"The result of `{shown}`")
        ordered = np.sort(info, axis=0)[::-1]
        gaps = ordered[0] - ordered[1]
        expected = float(gaps.mean())
        if np.isclose(found, expected, rtol=1e-6):
            continue
        by_unit = np.sort(info, axis=1)[:, ::-1]
        prefix = (f"For a 6 units x 4 factors matrix: expected {expected:.4f}, found "
                  f"{found:.4f}.")
        mistakes = [
            ((ordered[0] - info.mean(axis=0)).mean(), "That is the top unit minus the *mean* of "
             "all units; the gap is top minus the *second* best unit."),
            ((ordered[0] - ordered[1:].mean(axis=0)).mean(), "That is the top unit minus the "
             "mean of the other units; the gap is top minus the *second* best unit."),
            ((info[0] - info[1]).mean(), "You took rows 0 and 1 as they come; sort each "
             "factor's column first (the best two units differ from factor to factor)."),
            ((by_unit[:, 0] - by_unit[:, 1]).mean(), "You sorted along the factors (axis 1); "
             "for each *factor* sort over the units (axis 0)."),
            ((ordered[0] - ordered[-1]).mean(), "That is the best minus the *worst* unit; MIG "
             "uses the best minus the second best."),
            (float(gaps.sum()), "That is the sum over factors; MIG is the mean."),
            ((ordered[-1] - ordered[-2]).mean(), "`np.sort` sorts in ascending order: rows 0 "
             "and 1 are the *worst* two units. The best is the last row: take sorted[-1] - "
             "sorted[-2]."),
            (-expected, "The sign is flipped: `np.sort` sorts in ascending order, so the best "
             "unit is the last row. Take sorted[-1] - sorted[-2], or reverse the order."),
            (float(np.sort(info.ravel())[-1] - np.sort(info.ravel())[-2]), "You sorted the "
             "whole matrix at once; sort each factor's column on its own."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-6, atol=1e-8, prefix=prefix,
                         otherwise="For each factor (column), sort the units' values, take the "
                                   "largest minus the second largest, then average over the "
                                   "factors.")
    return "The mean over factors of (best unit - second best unit): MIG."


# -- unit_controlling_x --------------------------------------------------------------------------
SIZE = 28
# Which unit of the check's decoders does what; the others do nothing.
_DECODER_ROLES = (
    {"x": 3, "y": 1, "scale": 5, "brightness": 0},
    {"x": 0, "y": 4, "scale": 2, "brightness": 5},
)
_ROLE_TEXT = {
    "y": "That unit moves the blob up and down (y, the row index). x is the column index: the "
         "last axis of a (n, 28, 28) batch.",
    "scale": "That unit changes the blob's size, not its position. Measure where the ink is "
             "(its ink-weighted mean column), not how much it changes.",
    "brightness": "That unit changes the background brightness: the most pixels change, but the "
                  "blob stays in place. Measure the ink-weighted mean column, not the size of "
                  "the change.",
}


def blob_decoder(roles: dict[str, int], code_size: int = 6):
    """A decoder with known units: a Gaussian blob whose x, y and size, and a background
    brightness, are each set by one code unit; the other units do nothing."""
    grid = np.arange(SIZE, dtype=np.float64)

    def decoder(codes):
        z = np.asarray(codes, dtype=np.float64).reshape(-1, code_size)
        cx = 14 + 7 * np.tanh(z[:, roles["x"]] / 2)
        cy = 14 + 7 * np.tanh(z[:, roles["y"]] / 2)
        width = 2.5 + 1.5 * np.tanh(z[:, roles["scale"]])
        back = 0.25 + 0.25 * np.tanh(z[:, roles["brightness"]])
        blob = np.exp(-((grid[None, None, :] - cx[:, None, None]) ** 2
                        + (grid[None, :, None] - cy[:, None, None]) ** 2)
                      / (2 * width[:, None, None] ** 2))
        return np.clip(blob + back[:, None, None] * (1 - blob), 0, 1).astype(np.float32)

    return decoder


def _check_unit_controlling_x(unit_controlling_x) -> str:
    fn = require_function(unit_controlling_x, "unit_controlling_x")
    answers = []
    for roles in _DECODER_ROLES:
        shown = "unit_controlling_x(decoder, 6)"
        result = call_learner(fn, blob_decoder(roles), 6, name=shown)
        if isinstance(result, (list, tuple, np.ndarray)) and np.size(result) > 1:
            raise Incorrect(f"The result is {describe(result)}; return one unit index, e.g. "
                            "`int(np.argmax(movement))`.")
        found = require_number(result, f"The result of `{shown}`")
        if found != int(found) or not 0 <= found < 7:
            raise Incorrect(f"The result is {found:g}: return the index of a code unit, a whole "
                            "number from 0 to 5.")
        found = int(found)
        answers.append(found)
        if found == roles["x"]:
            continue
        prefix = f"For a decoder whose unit {roles['x']} moves the blob left and right, your " \
                 f"function returned {found}."
        role = next((name for name, unit in roles.items() if unit == found), None)
        if found == roles["x"] + 1:
            raise Incorrect(f"{prefix} Off by one: return the index of the unit (column k of "
                            "the code is unit k, from 0), not its number from 1.")
        if role in _ROLE_TEXT:
            raise Incorrect(f"{prefix} {_ROLE_TEXT[role]}")
        raise Incorrect(f"{prefix} That unit does nothing at all in this decoder. Traverse each "
                        "unit from -2 to 2 (the others at 0) and measure how far the ink-weighted "
                        "mean column moves.")
    return (f"Your function found unit {answers[0]} and unit {answers[1]} in two decoders where "
            "those units move the shape left and right.")


# -- choose_beta ---------------------------------------------------------------------------------
def _row(migs, reconstructions) -> dict[str, list[float]]:
    return {"mig": list(migs), "reconstruction": list(reconstructions)}


# Each table: the answer, and what typical mistakes return.
_BETA_TABLES = (
    (50.0, {
        1.0: _row([0.08, 0.12, 0.10], [40.0, 41.0, 39.0]),
        2.0: _row([0.10, 0.30, 0.05], [45.0, 44.0, 46.0]),  # best single seed, lower mean
        4.0: _row([0.16, 0.18, 0.17], [48.0, 49.0, 50.0]),  # the answer
        8.0: _row([0.25, 0.24, 0.26], [58.0, 57.0, 56.0]),  # best mean MIG, too blurry
    }, 4.0),
    (47.0, {
        1.0: _row([0.10, 0.10], [42.0, 42.5]),  # the answer
        2.0: _row([0.14, 0.16], [45.0, 51.0]),  # only its best seed meets the target
        4.0: _row([0.19, 0.21], [55.0, 56.0]),  # best mean MIG and best seed, too blurry
    }, 1.0),
    (47.0, {
        0.5: _row([0.05, 0.04], [38.0, 37.0]),
        1.0: _row([0.11, 0.09], [42.0, 43.0]),  # the answer
        3.0: _row([0.20, 0.22], [47.5, 48.0]),  # best mean MIG, just over the target
        6.0: _row([0.02, 0.44], [52.0, 46.0]),  # best single seed, best seed under the target
    }, 1.0),
)


def _check_choose_beta(choose_beta) -> str:
    fn = require_function(choose_beta, "choose_beta")
    for target, table, answer in _BETA_TABLES:
        shown = f"choose_beta(results, max_reconstruction={target:g})"
        copy = {beta: {k: list(v) for k, v in row.items()} for beta, row in table.items()}
        result = call_learner(fn, copy, target, name=shown)
        found = require_number(result, f"The result of `{shown}`")
        if found == answer:
            continue
        means = {b: (np.mean(r["mig"]), np.mean(r["reconstruction"])) for b, r in table.items()}
        prefix = f"With max_reconstruction={target:g} you chose {found:g}; expected {answer:g}."
        best_mean = max(means, key=lambda b: means[b][0])
        best_seed = max(table, key=lambda b: max(table[b]["mig"]))
        best_seed_ok = max((b for b in table if min(table[b]["reconstruction"]) <= target),
                           key=lambda b: means[b][0])
        if found not in table:
            if any(np.isclose(found, m[0]) for m in means.values()) or any(
                    np.isclose(found, v) for r in table.values() for v in r["mig"]):
                raise Incorrect(f"{prefix} That is a MIG value; return the beta (the key of "
                                "`results`).")
            raise Incorrect(f"{prefix} Return one of the betas in `results` (its keys).")
        if found == best_mean:
            raise Incorrect(f"{prefix} beta={found:g} has the best mean MIG, but its mean "
                            f"reconstruction, {means[found][1]:.1f}, is above the target: choose "
                            "among the betas whose mean reconstruction is at most the target.")
        if found == best_seed:
            raise Incorrect(f"{prefix} beta={found:g} has the best single seed, but not the best "
                            "mean over seeds: one lucky seed says little (Locatello et al.). "
                            "Compare the means.")
        if found == best_seed_ok:
            raise Incorrect(f"{prefix} The reconstruction target applies to the mean over seeds, "
                            "not to the best seed.")
        if found == min(means, key=lambda b: means[b][1]):
            raise Incorrect(f"{prefix} That is the beta with the lowest reconstruction error; "
                            "among those that meet the target, take the best mean MIG.")
        raise Incorrect(f"{prefix} Keep the betas whose mean reconstruction is at most the "
                        "target, then take the one with the highest mean MIG.")
    return "You chose on the means over seeds, under the reconstruction target."


discretize = Exercise(
    lesson=LESSON,
    name="discretize",
    title="codes into equal-width bins, per unit",
    checker=_check_discretize,
    hints=[
        "Work column by column: each unit gets its own bin edges between its own minimum and "
        "maximum. `np.histogram_bin_edges(column, bins)` gives the bins + 1 edges.",
        "`np.digitize(column, edges)` counts the left edge as a bin and puts the maximum in a bin "
        "of its own. Pass only the inner edges, `edges[1:-1]`: labels 0 .. bins - 1.",
        "`labels[:, u] = np.digitize(codes[:, u], np.histogram_bin_edges(codes[:, u], bins)"
        "[1:-1])` for each unit u.",
    ],
)

normalised_mi = Exercise(
    lesson=LESSON,
    name="normalised_mi",
    title="mutual information divided by the factor's entropy",
    checker=_check_normalised_mi,
    hints=[
        "`sklearn.metrics.mutual_info_score(a, b)` gives I(a; b) in nats for two label arrays. "
        "Fill a (units, factors) matrix with it.",
        "The entropy of a factor in the same unit (nats): `mutual_info_score(f, f)`, since "
        "I(f; f) = H(f). Divide each column by its factor's entropy.",
        "`np.array([[mutual_info_score(f, u) / mutual_info_score(f, f) for f in factors.T] for "
        "u in labels.T])`",
    ],
)

mig_from_info = Exercise(
    lesson=LESSON,
    name="mig_from_info",
    title="the Mutual Information Gap from the normalised matrix",
    checker=_check_mig_from_info,
    hints=[
        "For each factor (a column of `info`), which unit knows most about it, and which comes "
        "second? MIG looks at the difference of those two.",
        "`np.sort(info, axis=0)` sorts each column in ascending order: the best unit is the last "
        "row, the second best the row before.",
        "`ordered = np.sort(info, axis=0)` then `return float(np.mean(ordered[-1] - "
        "ordered[-2]))`",
    ],
)

unit_controlling_x = Exercise(
    lesson=LESSON,
    name="unit_controlling_x",
    title="which code unit moves the shape left and right",
    checker=_check_unit_controlling_x,
    hints=[
        "For each unit u: codes of zeros, shape (9, code_size), with column u set to "
        "np.linspace(-2, 2, 9). Decode them: 9 images in which only unit u changed.",
        "The ink-weighted mean column of an image: (image.sum(axis=-2) * np.arange(28)).sum() / "
        "image.sum() (columns are the last axis: x). How far does it move along the traversal "
        "(max - min)?",
        "Collect that movement for every unit and return `int(np.argmax(movements))`.",
    ],
)

choose_beta = Exercise(
    lesson=LESSON,
    name="choose_beta",
    title="a beta chosen on validation MIG under a reconstruction target",
    checker=_check_choose_beta,
    hints=[
        "First the mean over seeds of each beta's MIG and reconstruction: "
        "`np.mean(results[beta]['mig'])`.",
        "Keep the betas whose *mean* reconstruction is at most the target; among them, the one "
        "with the highest *mean* MIG.",
        "`ok = [b for b in results if np.mean(results[b]['reconstruction']) <= "
        "max_reconstruction]` then `return max(ok, key=lambda b: np.mean(results[b]['mig']))`",
    ],
)


EXERCISES = (
    discretize,
    normalised_mi,
    mig_from_info,
    unit_controlling_x,
    choose_beta,
)
