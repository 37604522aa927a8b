"""Checks for lesson 11, "Disentanglement"."""

from __future__ import annotations

import numpy as np

from .common import explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
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


def _mi(a, b) -> float:
    from sklearn.metrics import mutual_info_score

    return float(mutual_info_score(a, b))


# -- unseen_share --------------------------------------------------------------------------------
def _rows(factors) -> list[tuple]:
    return [tuple(row) for row in np.asarray(factors).astype(np.int64).tolist()]


def _reference_unseen(train_factors, factors) -> float:
    seen = set(_rows(train_factors))
    return float(np.mean([row not in seen for row in _rows(factors)]))


def _unseen_cases():
    """(description, train_factors, factors): other sizes, numbers of factors and dtypes, with
    repeated rows, rows that are permutations of seen rows, and values seen only in other rows."""
    import tensorflow as tf

    cases = []
    rng = np.random.default_rng(11)
    # 3 factors with 3, 4 and 2 values (24 combinations); 20 training rows, 30 others with repeats
    train = np.stack([rng.integers(0, 3, 20), rng.integers(0, 4, 20), rng.integers(0, 2, 20)], 1)
    other = np.concatenate([train[:6], train[:6], np.stack(
        [rng.integers(0, 3, 18), rng.integers(0, 4, 18), rng.integers(0, 2, 18)], 1)])
    other = np.concatenate([other, [[train[0, 1] % 3, train[0, 0], train[0, 2]]]])
    cases.append(("int64 arrays with 3 factors", train, other))
    # 5 factors, float32 indices (as a model's table might hold them)
    train5 = np.stack([rng.integers(0, k, 60) for k in (3, 6, 8, 8, 8)], 1)
    other5 = np.concatenate([train5[:25], np.stack([rng.integers(0, k, 15)
                                                    for k in (3, 6, 8, 8, 8)], 1)])
    swapped = train5[30:34].copy()
    swapped[:, [3, 4]] = swapped[:, [4, 3]]  # x and y swapped: new combinations, seen values
    other5 = np.concatenate([other5, swapped, train5[40:41]]).astype(np.float32)
    cases.append(("float32 arrays with 5 factors", train5.astype(np.float32), other5))
    # 2 factors as int32 TensorFlow tensors
    train2 = np.array([[0, 0], [0, 1], [1, 1], [2, 2], [2, 2], [1, 0]])
    other2 = np.array([[0, 0], [1, 0], [0, 2], [2, 0], [2, 2], [2, 2], [1, 2], [0, 0]])
    cases.append(("int32 TensorFlow tensors with 2 factors", tf.constant(train2, tf.int32),
                  tf.constant(other2, tf.int32)))
    return cases


def _unseen_mistakes(train, other) -> list[tuple[float, str]]:
    train_rows, other_rows = _rows(train), _rows(other)
    seen, unique_other = set(train_rows), set(other_rows)
    t = np.asarray(train).astype(np.int64)
    per_column = np.mean([not all(row[k] in set(t[:, k]) for k in range(t.shape[1]))
                          for row in other_rows])
    anywhere = np.mean([not all(v in set(t.ravel()) for v in row) for row in other_rows])
    same_index = np.mean([i >= len(t) or tuple(t[i]) != row for i, row in enumerate(other_rows)])
    sorted_seen = {tuple(sorted(row)) for row in train_rows}
    sorted_rows = np.mean([tuple(sorted(row)) not in sorted_seen for row in other_rows])
    share = _reference_unseen(train, other)
    return [
        (np.mean([row not in unique_other for row in train_rows]), "That is the share of the "
         "*training* rows whose combination is missing from `factors`: the direction is "
         "reversed. Count the rows of `factors` whose combination never occurs in "
         "`train_factors`."),
        (len(unique_other - seen) / len(unique_other), "That is the share of the *distinct* "
         "combinations of `factors` that are unseen; the exercise asks for the share of its "
         "*rows* (images), so a combination that occurs twice counts twice."),
        (1 - share, "That is the share of rows whose combination *was* seen in training; the "
         "exercise asks for the share that was not."),
        (100 * share, "That is a percentage; return a share between 0 and 1."),
        (float(sum(row not in seen for row in other_rows)), "That is the number of unseen "
         "rows; return their share (divide by the number of rows of `factors`)."),
        (per_column, "You checked each factor on its own (is this shape, this scale, ... seen "
         "somewhere?); a combination can be new although each of its values was seen. Compare "
         "whole rows."),
        (anywhere, "You checked whether each value occurs anywhere in `train_factors`; compare "
         "whole rows (the full combination of factor values)."),
        (same_index, "You compared row i with training row i only; a combination is seen if it "
         "occurs in *any* training row."),
        (sorted_rows, "You sorted the values within each row, so (x=3, y=5) and (x=5, y=3) look "
         "alike; the order of the factors matters. Compare the rows as they are."),
    ]


def _check_unseen_share(unseen_share) -> str:
    fn = require_function(unseen_share, "unseen_share")
    for what, train, other in _unseen_cases():
        shown = "unseen_share(train_factors, factors)"
        result = call_learner(fn, train, other, name=shown)
        found = require_number(result, f"The result of `{shown}` for {what}")
        expected = _reference_unseen(train, other)
        if np.isclose(found, expected, rtol=1e-6, atol=1e-9):
            continue
        n_train, n_other = int(np.shape(train)[0]), int(np.shape(other)[0])
        prefix = (f"For {what} ({n_train} training rows, {n_other} rows to test, some repeated): "
                  f"expected {expected:.4f}, found {found:.4g}.")
        explain_mismatch(found, _unseen_mistakes(train, other), rtol=1e-6, atol=1e-9,
                         prefix=prefix,
                         otherwise="Count the rows of `factors` whose full combination of "
                                   "values never occurs as a row of `train_factors`, and "
                                   "divide by the number of rows of `factors`.")
    return ("The share of rows whose combination of factor values never occurs in training, for "
            "2, 3 and 5 factors, NumPy arrays and TensorFlow tensors.")


# -- normalised_mi -------------------------------------------------------------------------------
def _mi_inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels of code units that depend on non-uniform factors to different degrees. Some units
    have a *lower* entropy than some factors and some a higher one, so normalising by the smaller,
    the larger, the mean or the product of the two entropies all give other matrices."""
    rng = np.random.default_rng(seed)
    n = 400
    if seed == 0:
        factors = np.stack([rng.choice(3, n, p=[0.6, 0.3, 0.1]), rng.choice(5, n),
                            rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4])], axis=1)
        noise = rng.integers(0, 3, (n, 4))
        labels = np.stack([factors[:, 0] * 2 + noise[:, 0], (factors[:, 1] >= 3).astype(int),
                           rng.integers(0, 6, n),
                           factors[:, 2] * 3 + factors[:, 0] + noise[:, 3]], axis=1)
        return labels, factors
    factors = np.stack([rng.choice(6, n), rng.choice(2, n, p=[0.7, 0.3])], axis=1)
    noise = rng.integers(0, 4, (n, 5))
    labels = np.stack([factors[:, 0] + noise[:, 0], (factors[:, 0] % 2),
                       factors[:, 1] * 5 + noise[:, 2], rng.integers(0, 3, n),
                       factors[:, 0] * 3 + factors[:, 1] + (noise[:, 4] == 0)], axis=1)
    return labels.astype(np.int32), factors.astype(np.int32)


def _check_normalised_mi(normalised_mi) -> str:
    from sklearn.metrics import normalized_mutual_info_score

    fn = require_function(normalised_mi, "normalised_mi")
    for seed in (0, 1):
        labels, factors = _mi_inputs(seed)
        units, k = labels.shape[1], factors.shape[1]
        shown = "normalised_mi(labels, factors)"
        given = (labels.copy(), factors.copy())
        result = call_learner(fn, *given, name=shown)
        array = require_array(result, f"The result of `{shown}`")
        if array.shape == (k, units):
            raise Incorrect(f"The result has shape {array.shape}: factors x units. The check "
                            f"expects units x factors, ({units}, {k}): one row per code unit.")
        found = require_array(array, f"The result of `{shown}` for {units} units and {k} "
                                     "factors", shape=(units, k))
        found = found.astype(np.float64)
        mi = np.array([[_mi(f, u) for f in factors.T] for u in labels.T])
        h_factor = np.array([_mi(f, f) for f in factors.T])
        h_unit = np.array([_mi(u, u) for u in labels.T])
        h_pair = [np.minimum.outer(h_unit, h_factor), np.maximum.outer(h_unit, h_factor),
                  np.sqrt(np.multiply.outer(h_unit, h_factor)),
                  np.add.outer(h_unit, h_factor) / 2]
        expected = mi / h_factor
        if _matches(found, expected):
            continue
        sizes = np.array([len(np.unique(f)) for f in factors.T])
        prefix = f"For {units} units and {k} factors (labels {labels.dtype}):"
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
            (mi / h_pair[0], "You divided by the smaller of the two entropies (unit or factor); "
             "MIG divides by H(factor) always, also where the unit's entropy is smaller."),
            (mi / h_pair[1], "You divided by the larger of the two entropies; MIG divides by "
             "H(factor) only."),
            (mi / h_pair[2], "You divided by sqrt(H(unit) * H(factor)) (a normalised MI of "
             "another kind); MIG divides by H(factor) only."),
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


# -- mig_of_active_units -------------------------------------------------------------------------
def _active_case(seed: int, min_kl: float, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of 6 units, their KL and 3 factors, built so that each wrong rule differs:

    unit 0 follows factor 0 (KL 0.9); unit 1 a switched-off copy of factor 0 whose *mean* still
    moves with it (KL 0.02 but a variance of its means above 0.01, so Burda's variance rule keeps
    it); unit 2 follows factor 1 (KL 0.8); unit 3 follows factor 2 on a tiny scale (variance of
    means below 0.01) with a KL exactly equal to ``min_kl`` (kept: "below" is strict); unit 4 a
    noisier copy of factor 1 (KL 0.3, or 0.08); unit 5 noise (KL 0.01).
    """
    rng = np.random.default_rng(seed)
    n = 800
    factors = np.stack([rng.integers(0, 5, n), rng.integers(0, 6, n), rng.integers(0, 4, n)],
                       axis=1)
    f = factors.astype(np.float64)
    codes = np.stack([
        f[:, 0] + rng.normal(0, 0.3, n),
        0.15 * f[:, 0] + rng.normal(0, 0.15, n),
        f[:, 1] + rng.normal(0, 0.3, n),
        0.02 * f[:, 2] + rng.normal(0, 0.004, n),
        f[:, 1] + rng.normal(0, 1.5, n),
        rng.normal(0, 0.05, n),
    ], axis=1)
    # with seed 1 the noisy copy of factor 1 sits between min_kl and 0.1, so a hard-coded 0.1
    # and a strict '>' leave out different units
    kl = np.array([0.9, 0.02, 0.8, min_kl, 0.3 if seed == 0 else 0.08, 0.01])
    if seed:  # the same units in another order
        order = rng.permutation(6)
        codes, kl = codes[:, order], kl[order]
    return codes.astype(dtype), kl.astype(dtype), factors


_ACTIVE_CASES = ((0, 0.125, np.float32), (1, 0.0625, np.float64))


def _active_rules(codes, kl, factors, min_kl):
    from ..disentanglement import mig, mig_per_factor

    codes = np.asarray(codes, dtype=np.float64)
    kl = np.asarray(kl, dtype=np.float64)
    variance = codes.var(axis=0)

    def on(mask):
        return mig(codes[:, mask], factors) if mask.sum() >= 2 else float("nan")

    return {
        "correct": on(kl >= min_kl),
        "all": mig(codes, factors),
        "strict": on(kl > min_kl),
        "variance": on(variance > 0.01),
        "inverted": on(kl < min_kl),
        "fixed": on(kl >= 0.1) if min_kl != 0.1 else float("nan"),
        "bins": (mig(codes[:, kl >= min_kl], factors, bins=10)),
        "gaps": mig_per_factor(codes[:, kl >= min_kl], factors),
    }


def _check_mig_of_active_units(mig_of_active_units) -> str:
    fn = require_function(mig_of_active_units, "mig_of_active_units")
    shown_values = []
    for seed, min_kl, dtype in _ACTIVE_CASES:
        codes, kl, factors = _active_case(seed, min_kl, dtype)
        given = (codes.copy(), kl.copy(), factors.copy())
        shown = f"mig_of_active_units(codes, unit_kl, factors, min_kl={min_kl:g})"
        result = call_learner(fn, *given, min_kl, name=shown)
        if result is None:
            raise NotAttempted(f"`{shown}` returned None: return the MIG, one number.")
        array = require_array(result, f"The result of `{shown}`", finite=False)
        rules = _active_rules(codes, kl, factors, min_kl)
        if array.size == factors.shape[1] and array.size > 1:
            if _matches(array.astype(np.float64).ravel(), rules["gaps"]):
                raise Incorrect(f"`{shown}` returned one gap per factor ({array.size} numbers); "
                                "MIG is their mean, a single number (`mig(...)` gives it).")
        found = require_number(array, f"The result of `{shown}`")
        if not np.array_equal(given[0], codes) or not np.array_equal(given[1], kl):
            raise Incorrect("Your function changed the codes or KL values it was given; select "
                            "the units into a new array instead.")
        kept = int((np.asarray(kl, dtype=np.float64) >= min_kl).sum())
        if np.isclose(found, rules["correct"], rtol=1e-6, atol=1e-9):
            shown_values.append(f"{found:.3f}")
            continue
        kl_text = np.round(kl.astype(float), 3).tolist()
        prefix = (f"For 6 units ({dtype.__name__}) with KL {kl_text} and min_kl={min_kl:g}: "
                  f"expected {rules['correct']:.4f} (MIG of the {kept} units with KL >= "
                  f"{min_kl:g}), found {found:.4f}.")
        mistakes = [
            (rules["all"], "That is the MIG of all units: leave out the units whose KL is below "
             "`min_kl` before computing MIG."),
            (rules["strict"], f"A unit whose KL equals min_kl exactly ({min_kl:g}) is kept: "
             "leave out the units *below* the threshold (keep `unit_kl >= min_kl`)."),
            (rules["variance"], "You selected the units by the variance of their codes "
             "(Burda's criterion of lesson 07), not by their KL: here a switched-off unit's mean "
             "varies a lot and a working unit's mean varies little. Keep `unit_kl >= min_kl`."),
            (rules["inverted"], "You kept the switched-off units and left out the others: keep "
             "the units with `unit_kl >= min_kl`."),
            (rules["fixed"], "You used a threshold of 0.1 instead of the `min_kl` passed in."),
            (rules["bins"], "That is MIG with 10 bins; use the course's `mig` with its default "
             "of 20 bins per unit."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-6, atol=1e-9, prefix=prefix,
                         otherwise="Select the columns of `codes` whose `unit_kl` is at least "
                                   "`min_kl` (`codes[:, unit_kl >= min_kl]`) and return `mig` "
                                   "of those columns with `factors`.")
    return (f"MIG of the units at or above the KL threshold: {', '.join(shown_values)} for "
            "min_kl = 0.125 (float32) and 0.0625 (float64), where keeping all units, a strict '>', "
            "the variance rule or a fixed 0.1 each give another value.")


# -- unit_controlling_x --------------------------------------------------------------------------
SIZE = 28
# Which unit of the check's decoders does what; the others do nothing. "x_small" moves the blob
# left and right a little (and in the first decoder's direction); in the second decoder "x" moves
# it right to left, so a signed measure (last minus first) picks "x_small" there.
_DECODER_ROLES = (
    ({"x": 3, "y": 1, "scale": 5, "brightness": 0, "x_small": 4}, 6, 1.0),
    ({"x": 0, "y": 4, "scale": 2, "brightness": 5, "x_small": 6}, 8, -1.0),
)
_ROLE_TEXT = {
    "y": "That unit moves the blob up and down (y, the row index). x is the column index: the "
         "last axis of a (n, 28, 28) batch.",
    "scale": "That unit changes the blob's size, not its position. Measure where the ink is "
             "(its ink-weighted mean column), not how much it changes.",
    "brightness": "That unit changes the background brightness: the most pixels change, but the "
                  "blob stays in place. Measure the ink-weighted mean column, not the size of "
                  "the change.",
    "x_small": "That unit moves the blob left to right, but only a little; another unit moves "
               "it much further, from right to left. Measure how far the mean column moves, "
               "max - min (or the absolute change), not the signed change last - first.",
}


def blob_decoder(roles: dict[str, int], code_size: int = 6, direction: float = 1.0,
                 as_tensor: bool = False):
    """A decoder with known units: a Gaussian blob whose x, y and size, and a background
    brightness, are each set by one code unit (``x_small`` shifts x by at most 2 pixels); the
    other units do nothing. ``direction`` -1 makes the x unit move the blob right to left."""
    grid = np.arange(SIZE, dtype=np.float64)

    def decoder(codes):
        z = np.asarray(codes, dtype=np.float64)
        if z.ndim != 2 or z.shape[1] != code_size:
            raise ValueError(f"this decoder takes codes of shape (m, {code_size}); got "
                             f"{z.shape}. Use the code_size passed to your function.")
        cx = (14 + direction * 7 * np.tanh(z[:, roles["x"]] / 2)
              + 2 * np.tanh(z[:, roles["x_small"]] / 2))
        cy = 14 + 7 * np.tanh(z[:, roles["y"]] / 2)
        width = 2.5 + 1.5 * np.tanh(z[:, roles["scale"]])
        back = 0.25 + 0.25 * np.tanh(z[:, roles["brightness"]])
        blob = np.exp(-((grid[None, None, :] - cx[:, None, None]) ** 2
                        + (grid[None, :, None] - cy[:, None, None]) ** 2)
                      / (2 * width[:, None, None] ** 2))
        images = np.clip(blob + back[:, None, None] * (1 - blob), 0, 1).astype(np.float32)
        if as_tensor:
            import tensorflow as tf

            return tf.constant(images)
        return images

    return decoder


def _check_unit_controlling_x(unit_controlling_x) -> str:
    fn = require_function(unit_controlling_x, "unit_controlling_x")
    answers = []
    for index, (roles, code_size, direction) in enumerate(_DECODER_ROLES):
        shown = f"unit_controlling_x(decoder, {code_size})"
        decoder = blob_decoder(roles, code_size, direction, as_tensor=index == 1)
        result = call_learner(fn, decoder, code_size, name=shown)
        if isinstance(result, (list, tuple, np.ndarray)) and np.size(result) > 1:
            raise Incorrect(f"The result is {describe(result)}; return one unit index, e.g. "
                            "`int(np.argmax(movement))`.")
        found = require_number(result, f"The result of `{shown}`")
        if found != int(found) or not 0 <= found <= code_size:
            raise Incorrect(f"The result is {found:g}: return the index of a code unit, a whole "
                            f"number from 0 to {code_size - 1}.")
        found = int(found)
        answers.append(found)
        if found == roles["x"]:
            continue
        kind = "a TensorFlow tensor" if index == 1 else "a NumPy array"
        prefix = (f"For a decoder with {code_size} units (it returns {kind}) whose unit "
                  f"{roles['x']} moves the blob left and right, your function returned {found}.")
        role = next((name for name, unit in roles.items() if unit == found), None)
        if found == roles["x"] + 1:
            raise Incorrect(f"{prefix} Off by one: return the index of the unit (column k of "
                            "the code is unit k, from 0), not its number from 1.")
        if role in _ROLE_TEXT:
            raise Incorrect(f"{prefix} {_ROLE_TEXT[role]}")
        raise Incorrect(f"{prefix} That unit does nothing at all in this decoder. Traverse each "
                        "of the `code_size` units from -2 to 2 (the others at 0) and measure how "
                        "far the ink-weighted mean column moves.")
    return (f"Your function found unit {answers[0]} and unit {answers[1]} in two decoders (6 and "
            "8 units, one moving the shape right to left) where those units move it the most.")


# -- choose_beta ---------------------------------------------------------------------------------
def _row(migs, reconstructions) -> dict[str, list[float]]:
    return {"mig": list(migs), "reconstruction": list(reconstructions)}


def _reference_choose(results, target, *, ddof=1, spread=max, strict=False, target_on=np.mean,
                      use_target=True, tie_rule=True, tie_strict=False, pick=min,
                      best_of=np.mean):
    """The rule of exercise 5 and, through its options, the typical mistakes."""
    def ok(beta):
        value = target_on(results[beta]["reconstruction"])
        return (value < target) if strict else (value <= target)

    kept = [b for b in results if ok(b)] if use_target else list(results)
    if not kept:
        return None
    best = max(kept, key=lambda b: best_of(results[b]["mig"]))
    if not tie_rule:
        return best
    top = np.asarray(results[best]["mig"], dtype=np.float64)
    ties = []
    for b in kept:
        values = np.asarray(results[b]["mig"], dtype=np.float64)
        gap = top.mean() - values.mean()
        limit = spread(top.std(ddof=ddof), values.std(ddof=ddof))
        if b == best or ((gap < limit) if tie_strict else (gap <= limit)):
            ties.append(b)
    return pick(ties)


# Each table has its target; the expected answer comes from _reference_choose. MIG values on the
# boundaries are multiples of 1/32, so gaps and standard deviations compare exactly.
_BETA_TABLES = (
    (50.0, {
        1.0: _row([0.0625, 0.0625, 0.0625], [40.0, 41.0, 39.0]),
        4.0: _row([0.25, 0.1875, 0.21875], [44.0, 45.0, 46.0]),  # best mean among the kept
        6.0: _row([0.5, 0.0, 0.0625], [48.0, 50.0, 52.0]),  # best single seed, ties with 4
        8.0: _row([0.5, 0.5, 0.5], [58.0, 57.0, 56.0]),  # best mean MIG, too blurry
    }),
    (47.0, {
        0.5: _row([0.0625, 0.0625, 0.0625], [30.0, 31.0, 32.0]),
        1.0: _row([0.125, 0.125, 0.125], [42.0, 47.0, 52.0]),  # mean exactly at the target
        2.0: _row([0.25, 0.25, 0.25], [45.0, 51.0, 46.0]),  # only its best seed meets it
        4.0: _row([0.375, 0.375, 0.375], [55.0, 56.0, 54.0]),  # too blurry
    }),
    (60.0, {
        # gap 0.025: below beta 4's sd with ddof=1 (0.03), above it with ddof=0 (0.0245)
        1.0: _row([0.0625, 0.0625, 0.0625], [40.0, 41.0, 42.0]),
        4.0: _row([0.10, 0.16, 0.13], [50.0, 51.0, 52.0]),
        8.0: _row([0.155, 0.155, 0.155], [56.0, 57.0, 58.0]),
    }),
    (70.0, {
        # beta 2's gap to the best (0.125) equals the larger sd (0.125) exactly: a tie
        0.5: _row([0.015625, 0.015625, 0.015625], [30.0, 31.0, 32.0]),
        2.0: _row([0.125, 0.25, 0.375], [40.0, 41.0, 42.0]),
        6.0: _row([0.375, 0.375, 0.375], [60.0, 61.0, 62.0]),
    }),
    (60.0, {
        # best mean: beta 3. Betas 2 and 4 tie with it under either sd, beta 1 only under the
        # larger one (its own, 0.125), so the smaller sd, no tie rule and the largest tied beta
        # each give another answer
        1.0: _row([0.125, 0.25, 0.375], [40.0, 41.0, 42.0]),
        2.0: _row([0.26, 0.30, 0.34], [44.0, 45.0, 46.0]),
        3.0: _row([0.28125, 0.3125, 0.34375], [48.0, 49.0, 50.0]),
        4.0: _row([0.2, 0.3, 0.4], [52.0, 53.0, 54.0]),
    }),
)

_CHOOSE_MISTAKES = [
    (dict(use_target=False), "You ignored the reconstruction target: choose only among the "
     "betas whose *mean* reconstruction is at most `max_reconstruction`."),
    (dict(target_on=min), "The reconstruction target applies to the mean over seeds, not to "
     "the best seed."),
    (dict(strict=True), "A mean reconstruction exactly equal to the target meets it (at most: "
     "<=, not <)."),
    (dict(best_of=max, tie_rule=False), "You compared the best single seeds; one lucky seed "
     "says little (Locatello et al.). Compare the means over seeds."),
    (dict(tie_rule=False), "You took the highest mean MIG without asking whether it beats the "
     "others by more than the seed spread: a beta whose mean MIG is within the larger standard "
     "deviation of the best ties with it, and of tied betas the smallest wins."),
    (dict(pick=max), "Among the betas that tie with the best, take the *smallest* (the "
     "sharpest reconstructions), not the largest."),
    (dict(ddof=0), "Use the sample standard deviation over seeds, ddof=1 (np.std's default, "
     "ddof=0, understates the spread of a few seeds)."),
    (dict(spread=min), "Compare the gap with the *larger* of the two standard deviations, not "
     "the smaller."),
    (dict(tie_strict=True), "A gap exactly equal to the larger standard deviation is a tie "
     "(at most: <=, not <)."),
]


def _check_choose_beta(choose_beta) -> str:
    fn = require_function(choose_beta, "choose_beta")
    answers, expected = [], []
    for target, table in _BETA_TABLES:
        shown = f"choose_beta(results, max_reconstruction={target:g})"
        copy = {beta: {k: list(v) for k, v in row.items()} for beta, row in table.items()}
        result = call_learner(fn, copy, target, name=shown)
        found = require_number(result, f"The result of `{shown}`")
        answer = _reference_choose(table, target)
        if found not in table:
            prefix = f"With max_reconstruction={target:g} you returned {found:g}."
            if any(np.isclose(found, v) for r in table.values() for v in r["mig"]) or any(
                    np.isclose(found, np.mean(r["mig"])) for r in table.values()):
                raise Incorrect(f"{prefix} That is a MIG value; return the beta (the key of "
                                "`results`).")
            raise Incorrect(f"{prefix} Return one of the betas in `results` (its keys: "
                            f"{', '.join(f'{b:g}' for b in table)}).")
        answers.append(found)
        expected.append(answer)
    if answers == expected:
        return ("On the means over seeds, under the reconstruction target, and the smallest "
                "beta among those that tie with the best mean MIG.")
    index = next(i for i, (a, b) in enumerate(zip(answers, expected, strict=True)) if a != b)
    target, table = _BETA_TABLES[index]
    lines = "; ".join(
        f"beta {b:g}: MIG {np.mean(r['mig']):.3f} ± {np.std(r['mig'], ddof=1):.3f}, "
        f"reconstruction {np.mean(r['reconstruction']):.1f}" for b, r in table.items())
    prefix = (f"With max_reconstruction={target:g} and these means over seeds ({lines}), you "
              f"chose {answers[index]:g}; expected {expected[index]:g}.")
    for options, message in _CHOOSE_MISTAKES:
        if answers == [_reference_choose(t, m, **options) for m, t in _BETA_TABLES]:
            raise Incorrect(f"{prefix} {message}")
    if answers[index] == min(table, key=lambda b: np.mean(table[b]["reconstruction"])):
        raise Incorrect(f"{prefix} That is the beta with the lowest reconstruction error; "
                        "among those that meet the target, take the best mean MIG (or the "
                        "smallest beta that ties with it).")
    raise Incorrect(f"{prefix} Keep the betas whose mean reconstruction is at most the target; "
                    "find the highest mean MIG among them; every kept beta whose mean is within "
                    "the larger sd (ddof=1) of it ties; return the smallest of those.")


unseen_share = Exercise(
    lesson=LESSON,
    name="unseen_share",
    title="the share of images whose factor combination training never showed",
    checker=_check_unseen_share,
    hints=[
        "A combination is a whole row of factor indices, e.g. (shape, scale, rotation, x, y). "
        "Put the training rows in a set of tuples: `seen = {tuple(row) for row in "
        "np.asarray(train_factors).tolist()}`.",
        "For each row of `factors`, is `tuple(row) in seen`? The share of rows where it is not "
        "is the answer: repeated rows count each time.",
        "`return float(np.mean([tuple(row) not in seen for row in "
        "np.asarray(factors).tolist()]))`",
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
        "I(f; f) = H(f). Divide each column by its factor's entropy: not the unit's, not the "
        "smaller of the two.",
        "`np.array([[mutual_info_score(f, u) / mutual_info_score(f, f) for f in factors.T] for "
        "u in labels.T])`",
    ],
)

mig_of_active_units = Exercise(
    lesson=LESSON,
    name="mig_of_active_units",
    title="MIG without the units the KL term switched off",
    checker=_check_mig_of_active_units,
    hints=[
        "Which columns of `codes` to keep is a boolean mask over the units: `unit_kl >= "
        "min_kl`. A unit exactly at the threshold stays.",
        "`codes[:, keep]` keeps those columns; the course's `mig(codes, factors)` does the rest "
        "(20 bins per unit).",
        "`return mig(np.asarray(codes)[:, np.asarray(unit_kl) >= min_kl], factors)`",
    ],
)

unit_controlling_x = Exercise(
    lesson=LESSON,
    name="unit_controlling_x",
    title="which code unit moves the shape left and right",
    checker=_check_unit_controlling_x,
    hints=[
        "For each unit u: codes of zeros, shape (9, code_size), with column u set to "
        "np.linspace(-2, 2, 9). Decode them (np.asarray turns a tensor into an array): 9 images "
        "in which only unit u changed.",
        "The ink-weighted mean column of an image: (image.sum(axis=-2) * np.arange(28)).sum() / "
        "image.sum() (columns are the last axis: x). How far does it move along the traversal "
        "(max - min, whichever way)?",
        "Collect that movement for every unit and return `int(np.argmax(movements))`.",
    ],
)

choose_beta = Exercise(
    lesson=LESSON,
    name="choose_beta",
    title="a beta chosen on validation MIG, under a reconstruction target and the seed spread",
    checker=_check_choose_beta,
    hints=[
        "First the mean over seeds of each beta's MIG and reconstruction: "
        "`np.mean(results[beta]['mig'])`. Keep the betas whose *mean* reconstruction is at most "
        "the target.",
        "Among the kept betas find the best mean MIG. Another kept beta ties with it when the "
        "gap of the means is at most the larger of the two standard deviations "
        "(`np.std(..., ddof=1)`); the best ties with itself.",
        "`ties = [b for b in ok if best_mean - np.mean(m[b]) <= max(np.std(m[best], ddof=1), "
        "np.std(m[b], ddof=1))]` with `m[b] = results[b]['mig']`, then `return min(ties)`.",
    ],
)


EXERCISES = (
    unseen_share,
    normalised_mi,
    mig_of_active_units,
    unit_controlling_x,
    choose_beta,
)
