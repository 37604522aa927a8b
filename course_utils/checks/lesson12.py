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
    pre[5] = -np.abs(pre[5]) - 0.1  # no positive value at all: k = 1 needs the ReLU too
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
    for seed, k, dtype in ((0, 5, np.float32), (1, 3, np.float64), (2, 1, np.float64)):
        pre = _pre_case(seed).astype(dtype)
        given = pre.copy()
        shown = f"topk_activation(pre, k={k}) with {np.dtype(dtype).name} pre"
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
            (_reference_topk(p64, k - 1) if k > 1 else np.full_like(p64, np.nan),
             f"You kept k - 1 = {k - 1} values per row; keep k."),
            (_reference_topk(p64, 5), "You kept 5 values per row whatever k is: use the k "
             "you are given."),
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
                raise Incorrect(f"With k={k} ({np.dtype(dtype).name} input): {message}")
        kept = (np.abs(found) > 0).sum(axis=1)
        raise Incorrect(f"With k={k} the output is not relu(top-k of each row). Your output "
                        f"keeps {kept.tolist()} non-zero values per row; the reference keeps "
                        f"{(expected > 0).sum(axis=1).tolist()}.")
    return ("TopK then ReLU, row by row: right for k = 5, 3 and 1, float32 and float64, including "
            "rows with fewer than k positives.")


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


def _boundary_case() -> tuple[np.ndarray, np.ndarray]:
    """4 true features (the axes) and 2 decoder rows: 3 * (1, 1, 1, 1) has cosine exactly 0.5
    with every axis (in float32 and float64), 2 * e_1 cosine 1 with the first. At threshold 0.5,
    >= matches all 4 features and > only 1."""
    return np.eye(4), np.array([[3.0, 3.0, 3.0, 3.0], [2.0, 0.0, 0.0, 0.0]])


def _recovery_variants(true, decoder, threshold) -> list[tuple[float, str]]:
    cos = _cos(true, decoder)
    rows, cols = _one_to_one(cos)
    dots = true.astype(np.float64) @ decoder.astype(np.float64).T
    share = float(np.mean(cos.max(axis=1) >= threshold))
    return [
        (float(np.mean(cos.max(axis=1) > threshold)), "That counts cosines strictly above the "
         "threshold; a cosine *equal* to it counts too (>=)."),
        (float(np.mean(cos.max(axis=1) >= 0.9)), "That uses 0.9 whatever threshold it is "
         "given: compare with the `threshold` argument."),
        (float(np.mean(dots.max(axis=1) >= threshold)), "That uses raw dot products: a long "
         "decoder row passes the threshold although it points elsewhere, and a short one fails "
         "although it points the right way. Normalise both sets of rows to unit length first."),
        (float(np.mean(np.abs(cos).max(axis=1) >= threshold)), "That uses |cos|: a decoder row "
         "pointing *opposite* to a feature was counted. SAE latents are >= 0, so such a row can "
         "only add -feature, never the feature: keep the sign."),
        (float(np.mean(cos.max(axis=0) >= threshold)), "That is the share of *decoder rows* "
         "that match a true feature (max over axis=0); the question is the share of *true "
         "features* matched: the best decoder row for each true feature, max over axis=1."),
        (float(np.mean(cos[rows, cols] >= threshold)), "That pairs features and decoder rows "
         "one to one (linear_sum_assignment). Here each true feature may use its best decoder "
         "row, even when another feature uses the same one: take the max cosine per true "
         "feature."),
        (float(np.sum(cos.max(axis=1) >= threshold)), "That is the number of matched "
         "features; return the share (between 0 and 1)."),
        (100.0 * share, "That is a percentage; return the share as a number between 0 and 1."),
    ]


def _one_to_one(cos: np.ndarray):
    from scipy.optimize import linear_sum_assignment

    return linear_sum_assignment(cos, maximize=True)


def _check_feature_recovery(feature_recovery) -> str:
    fn = require_function(feature_recovery, "feature_recovery")
    true, decoder = _recovery_case()
    edge_true, edge_decoder = _boundary_case()
    cases = [
        ("float32 directions, threshold 0.9", true, decoder, 0.9),
        ("float64 directions, threshold 0.75", true.astype(np.float64),
         decoder.astype(np.float64), 0.75),
        ("4 axes and a row at cosine exactly 0.5 with each, threshold 0.5", edge_true,
         edge_decoder, 0.5),
    ]
    for what, t, d, threshold in cases:
        given = (t.copy(), d.copy())
        shown = f"feature_recovery(true_directions, decoder, {threshold})"
        found = require_number(call_learner(fn, given[0], given[1], threshold, name=shown),
                               f"With {what}, {shown}")
        if not (np.array_equal(given[0], t) and np.array_equal(given[1], d)):
            raise Incorrect("Your function changed its inputs (normalised in place?); divide "
                            "into new arrays: a / np.linalg.norm(a, axis=1, keepdims=True).")
        expected = float(np.mean(_cos(t, d).max(axis=1) >= threshold))
        if np.isclose(found, expected):
            continue
        mistakes = [(v, m) for v, m in _recovery_variants(t, d, threshold)
                    if not np.isclose(v, expected)]
        _explain(found, mistakes, prefix=f"With {what}: expected {expected:.4g}, found "
                 f"{found:.4g}.", otherwise="Normalise rows, cos = true @ decoder.T, then the "
                 "mean of (cos.max(axis=1) >= threshold).")
    return ("Right at thresholds 0.9, 0.75 and exactly on 0.5: signed cosine, best decoder row "
            "per true feature, >= the threshold.")


# -- recovery_over_seeds ---------------------------------------------------------------------
class _Trained:
    """What the check's `train` functions return: an object with `.directions`, as an SAE."""

    def __init__(self, directions: np.ndarray):
        self.directions = directions


def _seed_decoder(true: np.ndarray, seed: int) -> np.ndarray:
    """Decoder rows whose recovery depends on the seed, the threshold and the sign: ``seed % 4
    + 1`` features matched at cosine 0.95, the next two at 0.85 (only at a threshold of 0.8),
    one anti-parallel at -0.97 (only with |cos|), the rest unrelated."""
    rng = np.random.default_rng(1000 + seed)
    n, d = true.shape
    order = rng.permutation(n)
    good = seed % 4 + 1

    def near(v, cos):
        other = rng.normal(size=d)
        other -= other @ v * v
        return cos * v + np.sqrt(1 - cos**2) * _unit(other)

    rows = [near(true[i], 0.95) for i in order[:good]]
    rows += [near(true[i], 0.85) for i in order[good:good + 2]]
    rows += [-near(true[order[good + 2]], 0.97)]
    rows += [0.3 * _unit(rng.normal(size=d)) for _ in range(4)]
    return np.array(rows)


@functools.cache
def _seed_truth() -> np.ndarray:
    rng = np.random.default_rng(77)
    # 8 nearly orthogonal directions in 16-D, so an unrelated row never matches by chance
    q, _ = np.linalg.qr(rng.normal(size=(16, 8)))
    return q.T.copy()


def _reference_over_seeds(true, seeds, threshold, signed, ddof=1):
    shares = []
    for seed in seeds:
        cos = _cos(true, _seed_decoder(true, seed))
        cos = cos if signed else np.abs(cos)
        shares.append(float(np.mean(cos.max(axis=1) >= threshold)))
    shares = np.array(shares)
    return float(shares.mean()), float(shares.std(ddof=ddof)), shares


def _check_recovery_over_seeds(recovery_over_seeds) -> str:
    fn = require_function(recovery_over_seeds, "recovery_over_seeds")
    true = _seed_truth()
    cases = [
        ((4, 9, 2), 0.9, True, np.float32),
        ((0, 1, 2, 3, 5), 0.8, True, np.float64),
        ((6, 11, 1), 0.9, False, np.float64),
    ]
    for seeds, threshold, signed, dtype in cases:
        called = []

        def train(seed, _dtype=dtype, _called=called):
            _called.append(seed)
            return _Trained(_seed_decoder(true, int(seed)).astype(_dtype))

        shown = (f"recovery_over_seeds(train, true_directions, seeds={seeds}, "
                 f"threshold={threshold}, signed={signed})")
        result = call_learner(fn, train, true.astype(dtype), seeds, threshold=threshold,
                              signed=signed, name=shown)
        if result is None:
            from .validate import NotAttempted

            raise NotAttempted(f"`{shown}` returned None: return the pair (mean, sd).")
        mean, sd, shares = _reference_over_seeds(true, seeds, threshold, signed)
        if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__len__") or \
                len(result) != 2:
            if hasattr(result, "__len__") and len(result) == len(seeds):
                raise Incorrect(f"`{shown}` returned {len(seeds)} values, one per seed; return "
                                "two numbers, the mean and the standard deviation over seeds.")
            raise Incorrect(f"`{shown}` should return two numbers (mean, sd); found "
                            f"{describe(result)}.")
        found_mean = require_number(result[0], f"The mean returned by `{shown}`")
        found_sd = require_number(result[1], f"The sd returned by `{shown}`")
        if sorted(int(s) for s in called) != sorted(seeds):
            raise Incorrect(f"`{shown}` called train with the seeds {called}; call it once for "
                            f"each seed in `seeds` ({list(seeds)}), not a fixed range.")
        if np.isclose(found_mean, mean, atol=1e-6) and np.isclose(found_sd, sd, atol=1e-6):
            continue
        prefix = (f"With seeds {seeds}, threshold {threshold}, signed={signed}: the shares per "
                  f"seed are {np.round(shares, 3).tolist()}, so expected ({mean:.4g}, {sd:.4g}); "
                  f"found ({found_mean:.4g}, {found_sd:.4g}).")
        if np.isclose(found_mean, mean, atol=1e-6):
            _explain(found_sd, [
                (_reference_over_seeds(true, seeds, threshold, signed, ddof=0)[1],
                 "That sd uses ddof=0 (np.std's default); over a few seeds use the sample "
                 "standard deviation, np.std(shares, ddof=1)."),
                (sd**2, "That is the variance; return the standard deviation."),
                (sd / np.sqrt(len(seeds)), "That is the standard error of the mean; return the "
                 "standard deviation over seeds (ddof=1)."),
            ], prefix=prefix, otherwise="The sd is np.std(shares, ddof=1).", atol=1e-6)
        variants = [
            (_reference_over_seeds(true, seeds, 0.9, signed)[0], "The mean matches a threshold "
             "of 0.9, not the `threshold` given: pass it on to feature_recovery."),
            (_reference_over_seeds(true, seeds, threshold, True)[0], "The mean counts signed "
             "cosines although signed=False: pass `signed` on (a linear model's latents can be "
             "negative, so |cos| counts)."),
            (_reference_over_seeds(true, seeds, threshold, False)[0], "The mean counts |cos| "
             "although signed=True: pass `signed` on."),
            (float(np.sum(shares)), "That is the sum of the shares; return their mean."),
        ]
        _explain(found_mean, [(v, m) for v, m in variants if not np.isclose(v, mean)],
                 prefix=prefix, otherwise="For each seed: model = train(seed), share = "
                 "sae.feature_recovery(true_directions, model.directions, threshold, "
                 "signed=signed); then the mean and np.std(..., ddof=1) of the shares.",
                 atol=1e-6)
    return ("Mean and sample sd (ddof=1) of the recovery over the seeds given, at the threshold "
            "and sign given: right for three different calls.")


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


def train_topk(x, k: int, seed: int = 0):
    """The recipe of exercises 4 and 5: a TopK SAE with 48 latents, trained 10 epochs (batch
    256, Adam 3e-3) on the rows of ``x``. The checks train exactly this way."""
    from ..sae import train_sae

    return train_sae(x, N_LATENTS, k=int(k), epochs=10, batch_size=256, learning_rate=3e-3,
                     seed=int(seed))


@functools.cache
def _held_out_fvu(k: int) -> float:
    from ..sae import fvu, reconstruct

    x_train, _ = toy_splits()
    x = _held_out()
    return fvu(x, reconstruct(train_topk(x_train, k), x))


def _require_candidate_k(value, name: str, candidates, fraction: str) -> int:
    """The k a learner chose, as an int, if it is one of ``candidates``; a value between 0 and 1
    is told it looks like ``fraction`` (a share, an FVU) instead of a k."""
    found = require_number(value, name)
    if 0 < found < 1:
        raise Incorrect(f"{name} is {found:g}, which looks like {fraction}; give the k itself "
                        f"(one of {candidates}).")
    if found not in candidates:
        raise Incorrect(f"{name} is {found:g}; choose one of the candidates {candidates}.")
    return int(found)


def _check_chosen_k(chosen_k) -> str:
    k = _require_candidate_k(chosen_k, "CHOSEN_K", K_CANDIDATES, "an FVU")
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



# -- k_for_features --------------------------------------------------------------------------
FEATURE_CANDIDATES = (1, 2, 3, 4, 6)
RECOVERY_TARGET = 0.55
FEATURE_SEEDS = (0, 1, 2)


def _world(directions_seed: int):
    from ..superposition import feature_directions, superposition_data

    directions = feature_directions(32, 8, seed=directions_seed)
    base = 10 * directions_seed
    train = superposition_data(6000, p_active=TOY_P_ACTIVE, seed=base + 1,
                               directions=directions).activations
    val = superposition_data(2000, p_active=TOY_P_ACTIVE, seed=base + 2,
                             directions=directions).activations
    return train, val, directions


@functools.cache
def feature_world():
    """(x_train, x_val, directions) of exercise 5: 32 features in 8 dimensions whose true
    directions (another draw than the lesson's) are known. The check uses a third world of its
    own, with other directions and other samples."""
    return _world(7)


@functools.cache
def _check_world_scores(k: int) -> tuple[float, float]:
    """(mean recovery over FEATURE_SEEDS, mean held-out FVU) of train_topk in the check's world."""
    from ..sae import feature_recovery, fvu, reconstruct

    x_train, x_val, directions = _world(8)
    shares, errors = [], []
    for seed in FEATURE_SEEDS:
        model = train_topk(x_train, k, seed)
        shares.append(feature_recovery(directions, model.directions))
        errors.append(fvu(x_val, reconstruct(model, x_val)))
    return float(np.mean(shares)), float(np.mean(errors))


def _check_k_for_features(chosen) -> str:
    k = _require_candidate_k(chosen, "K_FOR_FEATURES", FEATURE_CANDIDATES, "a share or an FVU")
    share, error = _check_world_scores(k)
    measured = (f"In the check's own world (other true directions, other samples), k={k} "
                f"recovered {share:.0%} of the true features (mean of {len(FEATURE_SEEDS)} "
                f"seeds) with FVU {error:.3f}")
    if share < RECOVERY_TARGET:
        raise Incorrect(f"{measured}: below the recovery target of {RECOVERY_TARGET:.0%}. A "
                        "lower FVU is not better features: keep only the k whose mean recovery "
                        "meets the target, then take the lowest FVU among them.")
    larger = [c for c in FEATURE_CANDIDATES if c > k]
    if larger:
        next_share, next_error = _check_world_scores(larger[0])
        if next_share >= RECOVERY_TARGET:
            raise Incorrect(f"{measured}. k={larger[0]} meets the recovery target too "
                            f"({next_share:.0%}) and reconstructs better (FVU "
                            f"{next_error:.3f}): among the k that recover enough, choose the "
                            "lowest validation FVU, not the highest recovery.")
        return (f"{measured}, and k={larger[0]} would fall below the target ({next_share:.0%}): "
                "the best reconstruction among the SAEs that recover enough of the true "
                "features.")
    return f"{measured}."

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

recovery_over_seeds = Exercise(
    lesson=LESSON,
    name="recovery_over_seeds",
    title="feature recovery over seeds",
    checker=_check_recovery_over_seeds,
    hints=[
        "Call `train(seed)` once for each seed in `seeds`; each call returns a trained model "
        "with `.directions` (one unit decoder direction per row).",
        "For each model: `sae.feature_recovery(true_directions, model.directions, threshold, "
        "signed=signed)`; pass both arguments on. Then the mean and the sample standard "
        "deviation (ddof=1) of the shares.",
        "shares = [sae.feature_recovery(true_directions, train(s).directions, threshold, "
        "signed=signed) for s in seeds]\nreturn float(np.mean(shares)), "
        "float(np.std(shares, ddof=1))",
    ],
)

k_for_features = Exercise(
    lesson=LESSON,
    name="k_for_features",
    title="a k chosen for FVU and feature recovery",
    checker=_check_k_for_features,
    hints=[
        "For each k in FEATURE_CANDIDATES: the mean recovery over FEATURE_SEEDS (your "
        "recovery_over_seeds with `lambda s: checks.train_topk(x_feat, k, s)`) and the mean "
        "validation FVU of the same SAEs on x_feat_val.",
        "Keep the k whose mean recovery is at least RECOVERY_TARGET; among them, the lowest "
        "validation FVU. FVU falls as k grows, recovery falls too.",
        "ok = [k for k in FEATURE_CANDIDATES if table[k][0] >= RECOVERY_TARGET]\n"
        "K_FOR_FEATURES = min(ok, key=lambda k: table[k][1])",
    ],
)

EXERCISES = (topk_activation, feature_recovery, recovery_over_seeds, chosen_k, k_for_features)
