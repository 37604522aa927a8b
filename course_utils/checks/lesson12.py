"""Checks for lesson 12, "Sparse autoencoders for interpretability"."""

from __future__ import annotations

import functools

import numpy as np

from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_function,
    require_number,
)

LESSON = "12"


def _explain(found: float, mistakes, *, prefix: str, otherwise: str, rtol: float = 1e-4,
             atol: float = 1e-9) -> None:
    """Raise Incorrect naming the first typical mistake whose value matches ``found``."""
    for value, message in mistakes:
        if np.isclose(found, value, rtol=rtol, atol=atol):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


# -- fvu -------------------------------------------------------------------------------------
def _fvu_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs with a mean far from 0 and unequal variances per column, and an imperfect x_hat
    whose error is spread unevenly over the columns: every usual slip gives another number."""
    rng = np.random.default_rng(seed)
    n, d = 200, 5
    x = rng.normal(loc=[3.0, -2.0, 0.5, 1.0, 4.0], scale=[0.5, 2.0, 1.0, 0.3, 1.5], size=(n, d))
    x_hat = x + rng.normal(scale=[0.4, 0.3, 0.6, 0.2, 0.5], size=(n, d))
    return x.astype(np.float32), x_hat.astype(np.float32)


def _reference_fvu(x, x_hat) -> float:
    x, x_hat = np.asarray(x, np.float64), np.asarray(x_hat, np.float64)
    return float(np.sum((x - x_hat) ** 2) / np.sum((x - x.mean(axis=0)) ** 2))


def _check_fvu(fvu) -> str:
    fn = require_function(fvu, "fvu")
    for seed in (0, 1):
        x, x_hat = _fvu_case(seed)
        before = (x.copy(), x_hat.copy())
        found = require_number(call_learner(fn, x, x_hat, name="fvu(x, x_hat)"), "fvu(x, x_hat)")
        if not (np.array_equal(x, before[0]) and np.array_equal(x_hat, before[1])):
            raise Incorrect("Your function changed the arrays it was given; compute on copies "
                            "(x - x.mean(axis=0) makes a new array).")
        expected = _reference_fvu(x, x_hat)
        if np.isclose(found, expected, rtol=1e-4):
            continue
        x64, h64 = x.astype(np.float64), x_hat.astype(np.float64)
        error = np.sum((x64 - h64) ** 2)
        per_column = np.sum((x64 - h64) ** 2, axis=0) / np.sum((x64 - x64.mean(0)) ** 2, axis=0)
        mistakes = [
            (error / np.sum(x64 ** 2), "That divides by the sum of x**2, the variance around 0; "
             "FVU divides by the variance around the mean: sum((x - x.mean(axis=0))**2)."),
            (error / np.sum((x64 - x64.mean()) ** 2), "That centres x on one overall mean "
             "(x.mean()); each dimension has its own mean: x.mean(axis=0)."),
            (per_column.mean(), "That is the mean of one FVU per dimension; FVU is the *total* "
             "squared error over the *total* variance, so that dimensions with more variance "
             "weigh more."),
            (1.0 / expected, "The ratio is upside down: squared error on top, variance below."),
            (1.0 - expected, "That is R^2 = 1 - FVU, the variance *explained*."),
            (np.mean((x64 - h64) ** 2), "That is the MSE; FVU divides the squared error by the "
             "variance of x, so it does not depend on the scale of the data."),
        ]
        _explain(found, mistakes, prefix=f"Expected {expected:.5g}, found {found:.5g}.",
                 otherwise="Compute sum((x - x_hat)**2) / sum((x - x.mean(axis=0))**2).")
    return "Your FVU matches the reference: 0 is perfect, 1 is no better than the mean."


# -- sparsity_stats --------------------------------------------------------------------------
def _latent_case() -> np.ndarray:
    """60 inputs x 24 latents, non-negative; 5 latents never fire, 4 inputs fire nothing."""
    rng = np.random.default_rng(12)
    z = rng.random((60, 24)) * (rng.random((60, 24)) < 0.2)
    z[:, [2, 7, 11, 19, 23]] = 0.0
    z[[5, 17, 33, 50]] = 0.0
    return z.astype(np.float32)


def _stats_pair(value, name: str) -> tuple[float, float]:
    if value is None:
        from .validate import NotAttempted

        raise NotAttempted(f"{name} returned None: return the pair (l0, dead).")
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) != 2:
        raise Incorrect(f"{name} should return two numbers, (l0, dead); found {describe(value)}.")
    return (require_number(value[0], f"The first value (l0) of {name}"),
            require_number(value[1], f"The second value (dead) of {name}"))


def _check_sparsity_stats(sparsity_stats) -> str:
    fn = require_function(sparsity_stats, "sparsity_stats")
    z = _latent_case()
    before = z.copy()
    shown = "sparsity_stats(z)"
    l0, dead = _stats_pair(call_learner(fn, z, name=shown), shown)
    if not np.array_equal(z, before):
        raise Incorrect("Your function changed `z`; compare (z > 0) without writing into z.")
    active = z > 0
    expected_l0 = float(active.sum(axis=1).mean())
    expected_dead = int((~active.any(axis=0)).sum())
    n, m = z.shape
    if not np.isclose(l0, expected_l0, rtol=1e-5):
        _explain(l0, [
            (float(m), "Every latent counted as active: z >= 0 is true for zeros too. Active "
             "means z > 0."),
            (float(active.sum(axis=0).mean()), "That counts, for each latent, the inputs on "
             "which it fires (axis=0); L0 counts, for each input, its active latents: sum over "
             "axis=1, then the mean over inputs."),
            (float(active.mean()), "That is the share of active entries; L0 is a count per "
             "input: (z > 0).sum(axis=1).mean()."),
            (float(active.sum()), "That is the total over all inputs; L0 is the *mean* per "
             "input."),
        ], prefix=f"l0: expected {expected_l0:.4g}, found {l0:.4g}.",
            otherwise="L0 = (z > 0).sum(axis=1).mean().")
    if not np.isclose(dead, expected_dead):
        _explain(dead, [
            (0.0, "No latent counted as dead: with z >= 0 every latent looks active. A latent "
             "is dead when z > 0 never holds for it."),
            (float((~active.any(axis=1)).sum()), "That counts inputs on which no latent fires "
             "(axis=1); a dead latent is a *column* that is never active: (~(z > 0).any(axis=0))"
             ".sum()."),
            (expected_dead / m, "That is the share of dead latents; return their number."),
            (float(m - expected_dead), "That is the number of latents that fire at least once "
             "(alive), not the dead ones."),
        ], prefix=f"dead: expected {expected_dead}, found {dead:g}.",
            otherwise="dead = number of columns of z that are never > 0.")
    return (f"L0 = {expected_l0:.3g} active latents per input and {expected_dead} dead latents: "
            "both right.")


# -- topk_activation -------------------------------------------------------------------------
def _pre_case(seed: int) -> np.ndarray:
    """Pre-activations (7 inputs x 12 latents), no ties; rows 0 and 3 have fewer than 5
    positive values, so a missing ReLU shows."""
    rng = np.random.default_rng(seed)
    pre = rng.normal(size=(7, 12))
    pre[0] = -np.abs(pre[0])
    pre[0, [1, 4]] = [0.7, 1.3]
    pre[3] = np.abs(pre[3]) - 1.5
    pre[2, 6] = -4.0  # the largest |value| of its row, but negative
    return pre.astype(np.float32)


def _topk_rows(pre: np.ndarray, k: int, by=None) -> np.ndarray:
    key = pre if by is None else by
    out = np.zeros_like(pre)
    idx = np.argsort(-key, axis=1)[:, :k]
    rows = np.arange(len(pre))[:, None]
    out[rows, idx] = pre[rows, idx]
    return out


def _reference_topk(pre: np.ndarray, k: int) -> np.ndarray:
    return np.maximum(_topk_rows(pre, k), 0.0)


def _check_topk_activation(topk_activation) -> str:
    fn = require_function(topk_activation, "topk_activation")
    for seed, k in ((0, 5), (1, 3)):
        pre = _pre_case(seed)
        given = pre.copy()
        shown = f"topk_activation(pre, k={k})"
        out = call_learner(fn, given, k, name=shown)
        if out is None:
            from .validate import NotAttempted

            raise NotAttempted(f"{shown} returned None.")
        found = require_array(out, f"The output of {shown}").astype(np.float64)
        if found.shape == (pre.shape[0], k):
            raise Incorrect(f"{shown} returned shape {found.shape}: only the k values. Return "
                            f"an array of the input's shape {pre.shape}, zero except the kept "
                            "values.")
        if found.shape != pre.shape:
            raise Incorrect(f"{shown} should return the shape of pre, {pre.shape}; found "
                            f"{found.shape}.")
        if not np.array_equal(given, pre):
            raise Incorrect("Your function changed `pre` in place; work on a copy.")
        expected = _reference_topk(pre.astype(np.float64), k)
        if np.allclose(found, expected, atol=1e-6):
            continue
        p64 = pre.astype(np.float64)
        columns = np.zeros_like(p64)
        order = np.argsort(-p64, axis=0)[:k]
        columns[order, np.arange(p64.shape[1])] = p64[order, np.arange(p64.shape[1])]
        mistakes = [
            (_topk_rows(p64, k), "Negative values were kept: when a row has fewer than k "
             "positive pre-activations, some of its top k are negative, and the ReLU after "
             "TopK must set them to 0."),
            (_reference_topk(p64, k - 1), f"You kept k - 1 = {k - 1} values per row; keep k."),
            (_reference_topk(p64, k + 1), f"You kept k + 1 = {k + 1} values per row; keep k."),
            (np.maximum(columns, 0.0), "You took the top k of each *column* (over the batch); "
             "TopK keeps the k largest latents of each input: sort along axis=1."),
            (np.maximum(_topk_rows(p64, k, by=np.abs(p64)), 0.0), "You chose by |value|; TopK "
             "keeps the k *largest* values (a big negative value is not large)."),
            (_topk_rows(np.abs(p64), k), "You took absolute values; negative pre-activations "
             "become 0 (ReLU), not positive."),
        ]
        for value, message in mistakes:
            if np.allclose(found, value, atol=1e-6):
                raise Incorrect(f"With k={k}: {message}")
        kept = (np.abs(found) > 0).sum(axis=1)
        raise Incorrect(f"With k={k} the output is not relu(top-k of each row). Your output "
                        f"keeps {kept.tolist()} non-zero values per row; the reference keeps "
                        f"{(expected > 0).sum(axis=1).tolist()}.")
    return "TopK then ReLU, row by row: right, including rows with fewer than k positives."


# -- feature_recovery ------------------------------------------------------------------------
def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@functools.cache
def _recovery_case() -> tuple[np.ndarray, np.ndarray]:
    """10 true unit directions in 6-D and 14 decoder rows of various lengths, arranged so that
    each usual slip changes the share (see the comments)."""
    rng = np.random.default_rng(3)
    d = 6
    true = _unit(rng.normal(size=(10, d)))
    # Features 4 and 5 lie close together (cos about 0.93): one decoder row between them
    # matches both with cosine > 0.9, which one-to-one matching would not allow.
    true[5] = _unit(true[4] + 0.4 * _unit(rng.normal(size=d)))

    def near(v, cos):  # a unit vector at cosine `cos` from v
        other = rng.normal(size=d)
        other -= other @ v * v
        return cos * v + np.sqrt(1 - cos**2) * _unit(other)

    rows = [
        3.0 * near(true[0], 0.97),     # matched, long
        0.2 * near(true[1], 0.95),     # matched, short: unnormalised dot products miss it
        -1.0 * near(true[2], 0.96),    # anti-parallel: only |cos| would count it
        4.0 * near(true[3], 0.5),      # poor direction but long: dot product 2 > 0.9
        _unit(true[4] + true[5]),      # between features 4 and 5
        near(true[6], 0.93),           # matched
        near(true[7], 0.8),            # not matched
    ]
    rows += [rng.normal(size=d) * 0.1 for _ in range(7)]  # unrelated, short
    decoder = np.array(rows)
    return true.astype(np.float32), decoder.astype(np.float32)


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return _unit(a.astype(np.float64)) @ _unit(b.astype(np.float64)).T


def _check_feature_recovery(feature_recovery) -> str:
    from scipy.optimize import linear_sum_assignment

    fn = require_function(feature_recovery, "feature_recovery")
    true, decoder = _recovery_case()
    given = (true.copy(), decoder.copy())
    shown = "feature_recovery(true_directions, decoder, 0.9)"
    found = require_number(call_learner(fn, given[0], given[1], 0.9, name=shown), shown)
    if not (np.array_equal(given[0], true) and np.array_equal(given[1], decoder)):
        raise Incorrect("Your function changed its inputs (normalised in place?); divide into "
                        "new arrays: a / np.linalg.norm(a, axis=1, keepdims=True).")
    cos = _cos(true, decoder)
    expected = float(np.mean(cos.max(axis=1) >= 0.9))
    if np.isclose(found, expected):
        return (f"{expected:.0%} of the true features are matched: signed cosine, best decoder "
                "row per true feature.")
    rows, cols = linear_sum_assignment(cos, maximize=True)
    dots = true.astype(np.float64) @ decoder.astype(np.float64).T
    mistakes = [
        (float(np.mean(dots.max(axis=1) >= 0.9)), "That uses raw dot products: a long decoder "
         "row passes the threshold although it points elsewhere, and a short one fails although "
         "it points the right way. Normalise both sets of rows to unit length first."),
        (float(np.mean(np.abs(cos).max(axis=1) >= 0.9)), "That uses |cos|: a decoder row "
         "pointing *opposite* to a feature was counted. SAE latents are >= 0, so such a row "
         "can only add -feature, never the feature: keep the sign."),
        (float(np.mean(cos.max(axis=0) >= 0.9)), "That is the share of *decoder rows* that "
         "match a true feature (max over axis=0); the question is the share of *true "
         "features* matched: the best decoder row for each true feature, max over axis=1."),
        (float(np.mean(cos[rows, cols] >= 0.9)), "That pairs features and decoder rows one to "
         "one (linear_sum_assignment). Here each true feature may use its best decoder row, "
         "even when another feature uses the same one: take the max cosine per true feature."),
        (float(np.sum(cos.max(axis=1) >= 0.9)), "That is the number of matched features; "
         "return the share (between 0 and 1)."),
        (100.0 * expected, "That is a percentage; return the share as a number between 0 "
         "and 1."),
    ]
    _explain(found, mistakes, prefix=f"Expected {expected:.4g}, found {found:.4g}.",
             otherwise="Normalise rows, cos = true @ decoder.T, then the mean of "
             "(cos.max(axis=1) >= threshold).")
    return ""  # not reached


# -- chosen_k --------------------------------------------------------------------------------
K_CANDIDATES = (1, 2, 4, 6, 8)
FVU_TARGET = 0.13
N_LATENTS = 48
TOY_P_ACTIVE = 0.05


@functools.cache
def toy_splits():
    """(x_train, x_val): 6,000 and 2,000 toy superposition samples (32 features in 8 dims).

    The check measures on a third, held-out set of its own, drawn with another seed.
    """
    from ..superposition import superposition_data

    train = superposition_data(6000, p_active=TOY_P_ACTIVE, seed=101).activations
    val = superposition_data(2000, p_active=TOY_P_ACTIVE, seed=102).activations
    return train, val


@functools.cache
def _held_out():
    from ..superposition import superposition_data

    return superposition_data(2000, p_active=TOY_P_ACTIVE, seed=103).activations


def train_topk(x, k: int):
    """The recipe of exercise 5: a TopK SAE with 48 latents, trained 10 epochs (batch 256, Adam
    3e-3, seed 0) on the rows of ``x``. The check trains exactly this way."""
    from ..sae import train_sae

    return train_sae(x, N_LATENTS, k=int(k), epochs=10, batch_size=256, learning_rate=3e-3,
                     seed=0)


@functools.cache
def _held_out_fvu(k: int) -> float:
    from ..sae import fvu, reconstruct

    x_train, _ = toy_splits()
    x = _held_out()
    return fvu(x, reconstruct(train_topk(x_train, k), x))


def _check_chosen_k(chosen_k) -> str:
    found = require_number(chosen_k, "CHOSEN_K")
    if 0 < found < 1:
        raise Incorrect(f"CHOSEN_K is {found:g}, which looks like an FVU; give the k itself "
                        f"(one of {K_CANDIDATES}).")
    if found not in K_CANDIDATES:
        raise Incorrect(f"CHOSEN_K is {found:g}; choose one of the candidates {K_CANDIDATES}.")
    k = int(found)
    score = _held_out_fvu(k)
    shown, target = distinct_numbers(score, FVU_TARGET)
    measured = f"With k={k}, the check's SAE reached FVU {shown} on held-out samples"
    if score > FVU_TARGET:
        raise Incorrect(f"{measured}, above the target of {target}: this k keeps too few "
                        "latents. Choose the smallest k whose *validation* FVU meets the "
                        "target.")
    smaller = [c for c in K_CANDIDATES if c < k]
    if smaller and _held_out_fvu(smaller[-1]) <= FVU_TARGET:
        other, _ = distinct_numbers(_held_out_fvu(smaller[-1]), FVU_TARGET)
        raise Incorrect(f"{measured}: it meets the target of {target}, but k={smaller[-1]} "
                        f"does too (FVU {other}) with fewer active latents per input. The task "
                        "is the *smallest* L0 that meets the target.")
    return (f"{measured}, within the target of {target}, and k={smaller[-1]} would not be "
            "(the smallest L0 that reconstructs well enough)." if smaller else
            f"{measured}, within the target of {target}.")


fvu = Exercise(
    lesson=LESSON,
    name="fvu",
    title="fraction of variance unexplained",
    checker=_check_fvu,
    hints=[
        "Two totals: the squared error sum((x - x_hat)**2) and the variance of x about its "
        "mean, summed over every input and dimension.",
        "The mean is taken per dimension: x.mean(axis=0), shape (d,). Divide the error by the "
        "variance, not the other way round.",
        "`return float(np.sum((x - x_hat) ** 2) / np.sum((x - x.mean(axis=0)) ** 2))`",
    ],
)

sparsity_stats = Exercise(
    lesson=LESSON,
    name="sparsity_stats",
    title="L0 and dead latents from the latents",
    checker=_check_sparsity_stats,
    hints=[
        "`active = z > 0` (strictly: a latent at exactly 0 is off), shape (inputs, latents).",
        "L0: count per input (row), then average over inputs. Dead: latents (columns) where "
        "`active` is never true.",
        "`return float(active.sum(axis=1).mean()), int((~active.any(axis=0)).sum())`",
    ],
)

topk_activation = Exercise(
    lesson=LESSON,
    name="topk_activation",
    title="the TopK activation",
    checker=_check_topk_activation,
    hints=[
        "For each row, find the k largest values; everything else becomes 0; then apply a "
        "ReLU, since some of the k largest may be negative.",
        "`np.argsort(-pre, axis=1)[:, :k]` gives the indices of the k largest per row; or use "
        "the k-th largest value per row, `np.sort(pre, axis=1)[:, -k]`, as a threshold.",
        "`kth = np.sort(pre, axis=1)[:, -k][:, None]` then "
        "`return np.maximum(np.where(pre >= kth, pre, 0.0), 0.0)`",
    ],
)

feature_recovery = Exercise(
    lesson=LESSON,
    name="feature_recovery",
    title="the share of true features an SAE recovered",
    checker=_check_feature_recovery,
    hints=[
        "Both inputs hold directions as rows. Cosine = dot product of unit vectors: normalise "
        "each row first (decoder rows are not unit length here).",
        "`cos = true_unit @ decoder_unit.T` has one row per true feature. Keep the sign: a "
        "non-negative latent cannot represent a feature with a direction pointing away from it.",
        "`return float(np.mean(cos.max(axis=1) >= threshold))`",
    ],
)

chosen_k = Exercise(
    lesson=LESSON,
    name="chosen_k",
    title="the smallest k that meets an FVU target",
    checker=_check_chosen_k,
    hints=[
        "For each k in K_CANDIDATES: sae = checks.train_topk(x_train, k), then "
        "fvu(x_val, reconstruct(sae, x_val)). Print a small table.",
        "L0 of a TopK SAE is (at most) k, so the smallest k whose validation FVU is at most "
        "the target is the sparsest SAE that reconstructs well enough.",
        "`min(k for k in K_CANDIDATES if results[k] <= FVU_TARGET)`",
    ],
)

EXERCISES = (fvu, sparsity_stats, topk_activation, feature_recovery, chosen_k)
