"""Checks for lesson 13, "Applications"."""

from __future__ import annotations

import functools

import numpy as np

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

LESSON = "13"


def _name_mistake(found: np.ndarray, mistakes, *, prefix: str, otherwise: str,
                  rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """Raise Incorrect naming the first typical mistake whose values match ``found``."""
    for values, message in mistakes:
        values = np.asarray(values, dtype=np.float64)
        if values.shape == found.shape and np.allclose(found, values, rtol=rtol, atol=atol):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


def _shown(values: np.ndarray) -> str:
    return np.array2string(np.asarray(values)[:3], precision=4, separator=", ")


# -- anomaly_scores ------------------------------------------------------------------------------
@functools.cache
def _score_model():
    """A small dense autoencoder with fixed random weights: each image gets its own error."""
    import keras

    from ..models import dense_autoencoder

    model = dense_autoencoder(4, hidden=(16,))
    rng = np.random.default_rng(13)
    model.set_weights([rng.normal(0.0, 0.2, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    keras.utils.set_random_seed(0)
    return model


def _score_images() -> np.ndarray:
    """Six images of different brightness, so that every image has its own error."""
    rng = np.random.default_rng(7)
    return (rng.random((6, 28, 28)) * np.linspace(0.2, 1.0, 6)[:, None, None]).astype(np.float32)


def _check_anomaly_scores(anomaly_scores) -> str:
    import keras

    fn = require_function(anomaly_scores, "anomaly_scores")
    model, images = _score_model(), _score_images()
    before = images.copy()
    shown = "anomaly_scores(model, images)"
    found = call_learner(fn, model, images, name=shown)
    if not np.array_equal(images, before):
        raise Incorrect("anomaly_scores changed the images it was given; compute on copies.")
    array = require_array(found, f"The result of `{shown}` for 6 images")
    squared = (images.astype(np.float64)
               - keras.ops.convert_to_numpy(model(images)).astype(np.float64)) ** 2
    expected = squared.mean(axis=(1, 2))
    if array.size == 1:
        mistakes = [(squared.mean(), "That is one number for the whole batch (the mean over "
                     "all images): an anomaly detector needs one score per image, "
                     "`mean(axis=(1, 2))`.")]
        _name_mistake(array.reshape(()), mistakes,
                      prefix=f"Expected 6 scores, one per image; found one number, "
                      f"{float(array.reshape(())):.5g}.",
                      otherwise="Return one score per image, shape (6,).")
    if array.shape != (6,):
        if array.shape in ((28, 28), (784,), (28,)):
            raise Incorrect(f"Expected 6 scores, one per image; found shape {array.shape}. You "
                            "averaged over the images (axis 0) and kept the pixels: average "
                            "over each image's pixels instead, `mean(axis=(1, 2))`.")
        raise Incorrect(f"Expected 6 scores, one per image (shape (6,)); found shape "
                        f"{array.shape}.")
    array = array.astype(np.float64)
    if np.allclose(array, expected, rtol=1e-4, atol=1e-7):
        return "One score per image: the mean squared error over its 784 pixels."
    absolute = np.abs(images - keras.ops.convert_to_numpy(model(images))).mean(axis=(1, 2))
    mistakes = [
        (expected * 784, "That is the *sum* of squared errors over the pixels; the exercise asks "
         "for the mean (divide by 784). It ranks images the same way, but its numbers are not "
         "the MSE of the lesson."),
        (np.sqrt(expected), "That is the root of the MSE (RMSE); return the MSE itself."),
        (absolute, "That is the mean *absolute* error; square the differences."),
        (squared.mean(axis=(1, 2)).mean() + 0 * expected, "Every image got the same score, "
         "the mean over the whole batch: average over each image's pixels only."),
    ]
    _name_mistake(array, mistakes,
                  prefix=f"For the check's images the scores should start {_shown(expected)}; "
                  f"found {_shown(array)}.",
                  otherwise="Compute model(images), square the difference with the images and "
                  "average over axes 1 and 2.")
    return ""  # not reached


# -- roc_auc -------------------------------------------------------------------------------------
def _auc_inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores with ties (rounded) and unbalanced labels, anomalies scoring higher on average."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(60) < 0.3).astype(np.int64)
    scores = np.round(rng.normal(labels * 1.0, 1.0), 1)
    return scores, labels


def _pairwise_auc(scores: np.ndarray, labels: np.ndarray, tie: float = 0.5) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).mean()
    equal = (pos[:, None] == neg[None, :]).mean()
    return float(greater + tie * equal)


def _check_roc_auc(roc_auc) -> str:
    from sklearn.metrics import accuracy_score, roc_auc_score

    fn = require_function(roc_auc, "roc_auc")
    for seed in (0, 1):
        scores, labels = _auc_inputs(seed)
        shown = "roc_auc(scores, is_anomaly)"
        found = require_number(call_learner(fn, scores.copy(), labels.copy(), name=shown),
                               f"The result of `{shown}`")
        expected = roc_auc_score(labels, scores)
        if np.isclose(found, expected, atol=1e-9):
            continue
        median = np.median(scores)
        mistakes = [
            (1 - expected, "That is 1 - AUC: the labels are the wrong way round. The AUC is the "
             "chance that an *anomaly* (label 1) scores higher than a normal image (label 0)."),
            (_pairwise_auc(scores, labels, tie=0.0), "Ties are not counted: a pair of an anomaly "
             "and a normal image with *equal* scores counts one half."),
            (_pairwise_auc(scores, labels, tie=1.0), "Ties count as wins: a pair with equal scores "
             "counts one half, not one."),
            (accuracy_score(labels, scores > median), "That is an accuracy at one threshold; the "
             "AUC averages over every threshold (every pair of an anomaly and a normal image)."),
        ]
        _name_mistake(np.asarray(found), [(np.asarray(v), m) for v, m in mistakes],
                      prefix=f"Expected {expected:.4f} (scikit-learn's roc_auc_score), found "
                      f"{found:.4f}.",
                      otherwise="Compare every anomaly's score with every normal image's score: "
                      "the share of pairs where the anomaly scores higher, ties counting one "
                      "half.")
    return "Matches scikit-learn's roc_auc_score, ties and all."


# -- threshold_for_fpr ---------------------------------------------------------------------------
def _threshold_inputs(seed: int, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Skewed, error-like scores: 80 % normals (log-normal), 20 % anomalies (higher)."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(n) % 5 == 0).astype(np.int64)
    rng.shuffle(labels)
    scores = np.exp(rng.normal(-4.0 + 1.2 * labels, 0.4))
    return scores, labels


def _check_threshold_for_fpr(threshold_for_fpr) -> str:
    fn = require_function(threshold_for_fpr, "threshold_for_fpr")
    report = []
    for seed, fpr in ((0, 0.05), (1, 0.1)):
        scores, labels = _threshold_inputs(seed)
        shown = f"threshold_for_fpr(val_scores, val_is_anomaly, fpr={fpr})"
        found = require_number(call_learner(fn, scores.copy(), labels.copy(), fpr, name=shown),
                               f"The threshold from `{shown}`")
        normals = scores[labels == 0]
        anomalies = scores[labels == 1]
        held_out, held_labels = _threshold_inputs(100 + seed, n=20000)
        held_normals = held_out[held_labels == 0]
        on_given = float(np.mean(normals > found))
        on_held_out = float(np.mean(held_normals > found))
        if abs(on_given - fpr) <= 0.011 and abs(on_held_out - fpr) <= 0.02:
            report.append(f"target {fpr:.0%}: {on_held_out:.1%} of 16,000 new normal scores "
                          "are flagged")
            continue
        mistakes = [
            (np.quantile(normals, fpr), f"That is the {fpr:.0%} quantile of the normal scores: "
             f"it flags {1 - fpr:.0%} of normal images. Take the {1 - fpr:.0%} quantile, "
             f"`np.quantile(normal_scores, 1 - fpr)`."),
            (np.quantile(scores, 1 - fpr), "That quantile was taken over *all* validation "
             "scores, anomalies included: choose the threshold on the normal scores only "
             "(`scores[is_anomaly == 0]`)."),
            (np.quantile(anomalies, 1 - fpr), "That threshold comes from the anomalies' scores "
             "(labels the wrong way round?): the false-positive rate is about *normal* images, "
             "so use `scores[is_anomaly == 0]`."),
            (np.quantile(anomalies, fpr), "That threshold comes from the anomalies' scores "
             "(labels the wrong way round?): the false-positive rate is about *normal* images, "
             "so use `scores[is_anomaly == 0]`."),
            (np.percentile(normals, 1 - fpr), "np.percentile takes a percentage (0-100), "
             "np.quantile a fraction (0-1): you passed a fraction to np.percentile."),
        ]
        _name_mistake(np.asarray(found), [(np.asarray(v), m) for v, m in mistakes],
                      rtol=1e-3,
                      prefix=f"For a target false-positive rate of {fpr:.0%} your threshold "
                      f"{found:.4g} flags {on_given:.1%} of the given normal scores and "
                      f"{on_held_out:.1%} of new normal scores.",
                      otherwise="Take the scores of the normal images only and return their "
                      "(1 - fpr) quantile.")
    return "Held out: " + "; ".join(report) + "."


# -- quantise ------------------------------------------------------------------------------------
def _quantise_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Training codes with a different range per unit; new codes partly outside those ranges."""
    rng = np.random.default_rng(3)
    centres, spreads = np.array([0.0, 5.0, -3.0, 1.0]), np.array([1.0, 4.0, 0.5, 2.0])
    train = centres + spreads * rng.uniform(-1, 1, (200, 4))
    new = centres + spreads * rng.uniform(-1.3, 1.2, (50, 4))
    return train, new


def _quantised(codes, low, high, levels_minus_one, *, clip=True, rounding=np.rint):
    span = np.where(high - low > 0, high - low, 1.0)
    values = np.clip(codes, low, high) if clip else codes
    return low + rounding((values - low) / span * levels_minus_one) * span / levels_minus_one


def _check_quantise(quantise) -> str:
    fn = require_function(quantise, "quantise")
    train, new = _quantise_inputs()
    low, high = train.min(axis=0), train.max(axis=0)
    for bits in (2, 3):
        levels = 2**bits
        shown = f"quantise(codes, train_codes, bits={bits})"
        found = call_learner(fn, new.copy(), train.copy(), bits, name=shown)
        array = require_array(found, f"The result of `{shown}`", shape=new.shape)
        array = array.astype(np.float64)
        expected = _quantised(new, low, high, levels - 1)
        if np.allclose(array, expected, rtol=1e-5, atol=1e-6):
            continue
        indices = np.rint((np.clip(new, low, high) - low) / (high - low) * (levels - 1))
        mistakes = [
            (indices, "Those are the integer levels; return the code values they stand for, "
             "`low + level * (high - low) / (2**bits - 1)`."),
            (_quantised(new, low, high, levels), f"That grid has {levels + 1} values (levels 0 to "
             f"{levels}): with {bits} bits there are only 2**bits = {levels} levels, numbered 0 to "
             "2**bits - 1, so the step is (high - low) / (2**bits - 1)."),
            (_quantised(new, low, high, levels - 1, clip=False), "Codes outside the training "
             "range went outside [low, high]: clip them into the range first (the decoder "
             "only has 2**bits values to choose from)."),
            (_quantised(new, new.min(axis=0), new.max(axis=0), levels - 1), "The range came "
             "from the codes being quantised (the test codes): take low and high from "
             "`train_codes` (`train_codes.min(axis=0)`), which the decoder knows in advance."),
            (_quantised(new, train.min(), train.max(), levels - 1), "That is one range for all "
             "the units; each code unit has its own range: `train_codes.min(axis=0)` and "
             "`.max(axis=0)`."),
            (_quantised(new, low, high, levels - 1, rounding=np.floor), "Values are rounded "
             "down (floor); round to the *nearest* level (`np.rint` or `np.round`)."),
        ]
        _name_mistake(array, mistakes, rtol=1e-5,
                      prefix=f"With bits={bits}: the first quantised codes should be "
                      f"{_shown(expected[0])}; found {_shown(array[0])}.",
                      otherwise="Clip into [low, high] per unit, scale to 0 .. 2**bits - 1, round, "
                      "and scale back.")
    return "Per-unit ranges from the training codes, 2**bits levels, clipped: right."


# -- psnr ----------------------------------------------------------------------------------------
def _check_psnr(psnr) -> str:
    fn = require_function(psnr, "psnr")
    rng = np.random.default_rng(11)
    images = rng.random((5, 28, 28)).astype(np.float32)
    noise = rng.normal(0, 1, images.shape) * np.array([0.02, 0.05, 0.1, 0.2, 0.3])[:, None, None]
    reconstructions = np.clip(images + noise, 0, 1).astype(np.float32)
    shown = "psnr(images, reconstructions)"
    found = call_learner(fn, images.copy(), reconstructions.copy(), name=shown)
    mse = np.mean((images.astype(np.float64) - reconstructions) ** 2, axis=(1, 2))
    expected = 10 * np.log10(1.0 / mse)
    array = require_array(found, f"The result of `{shown}` for 5 images")
    if array.size == 1:
        batch = 10 * np.log10(1.0 / mse.mean())
        _name_mistake(array.reshape(()), [(batch, "That is the PSNR of the whole batch's MSE; "
                                           "return one PSNR per image (shape (5,)).")],
                      rtol=1e-4, prefix=f"Expected 5 values, one per image; found one, "
                      f"{float(array.reshape(())):.4g}.",
                      otherwise="Return one PSNR per image, shape (5,).")
    if array.shape != (5,):
        raise Incorrect(f"Expected one PSNR per image, shape (5,); found shape {array.shape}.")
    array = array.astype(np.float64)
    if np.allclose(array, expected, rtol=1e-4):
        return f"Right: for noise of std 0.02 to 0.3 the PSNR falls from {expected[0]:.1f} to " \
               f"{expected[-1]:.1f} dB."
    mistakes = [
        (10 * np.log10(255.0**2 / mse), "You used 255 as the peak value, but these pixels lie "
         "in [0, 1]: the peak is 1, so PSNR = 10 log10(1 / MSE)."),
        (10 * np.log(1.0 / mse), "That is the natural logarithm; decibels use log10."),
        (10 * np.log10(1.0 / np.sqrt(mse)), "That uses the RMSE where the MSE belongs: either "
         "10 log10(1 / MSE) or 20 log10(1 / RMSE)."),
        (20 * np.log10(1.0 / mse), "20 log10 goes with the RMSE; with the MSE it is 10 log10."),
        (10 * np.log10(1.0 / (mse * 784)), "That uses the sum of squared errors over the pixels; "
         "PSNR uses their mean (the MSE)."),
        (10 * np.log10(mse), "The sign is flipped: PSNR = 10 log10(peak**2 / MSE) grows as the "
         "error shrinks."),
    ]
    _name_mistake(array, mistakes, rtol=1e-4,
                  prefix=f"Expected {_shown(expected)} dB for the first images; found "
                  f"{_shown(array)}.",
                  otherwise="PSNR = 10 * log10(1 / MSE), with the MSE over each image's pixels.")
    return ""  # not reached


# -- smallest_code -------------------------------------------------------------------------------
PSNR_TARGET = 18.0  # dB, mean over the validation images
CODE_SIZES = (4, 8, 16, 32, 64)
BIT_DEPTHS = (1, 2, 3, 4, 5, 6, 8)


def pca_reconstructions(pca, images, code_size: int, bits: int, train_codes) -> np.ndarray:
    """The recipe of the exercise: ``images`` encoded with the first ``code_size`` components of
    a fitted ``pca``, each code quantised to ``bits`` bits over the range of ``train_codes``
    (the training images' codes), decoded and clipped into [0, 1]."""
    from ..compression import code_range, uniform_quantise

    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    basis = pca.components_[:code_size]
    codes = (flat - pca.mean_) @ basis.T
    low, high = code_range(np.asarray(train_codes)[:, :code_size])
    decoded = uniform_quantise(codes, low, high, bits) @ basis + pca.mean_
    return np.clip(decoded, 0.0, 1.0).reshape(np.shape(images))


@functools.cache
def _pca_table() -> dict[tuple[int, int], tuple[float, float]]:
    """{(k, b): (validation PSNR, test PSNR)} for the lesson's split of the bundled MNIST."""
    from sklearn.decomposition import PCA

    from ..compression import psnr
    from ..data import load_mnist, validation_split

    mnist = load_mnist(full=False, offline=True)
    # The split of the lesson and the exercises: stratified by label.
    x_fit, x_val, _, _ = validation_split(mnist.x_train, mnist.y_train, seed=0)
    pca = PCA(max(CODE_SIZES), svd_solver="randomized", random_state=0)
    pca.fit(x_fit.reshape(len(x_fit), -1))
    train_codes = pca.transform(x_fit.reshape(len(x_fit), -1))
    table = {}
    for k in CODE_SIZES:
        for b in BIT_DEPTHS:
            table[k, b] = tuple(
                float(psnr(x, pca_reconstructions(pca, x, k, b, train_codes)).mean())
                for x in (x_val, mnist.x_test))
    return table


def _check_smallest_code(choice) -> str:
    if choice is None:
        raise NotAttempted("SMALLEST_CODE is still None: set it to (code_size, bits).")
    try:
        k, b = (int(v) for v in choice)
        if not all(float(v) == int(v) for v in choice):
            raise ValueError
    except (TypeError, ValueError):
        raise Incorrect(f"SMALLEST_CODE should be a pair of whole numbers (code_size, bits), "
                        f"e.g. (16, 4); found {describe(choice)}.") from None
    if k not in CODE_SIZES or b not in BIT_DEPTHS:
        raise Incorrect(f"({k}, {b}) is not in the grid: code_size from {CODE_SIZES}, bits from "
                        f"{BIT_DEPTHS}.")
    table = _pca_table()
    val, test = table[k, b]
    meeting = {kb: v for kb, (v, _) in table.items() if v >= PSNR_TARGET}
    fewest = min(kk * bb for kk, bb in meeting)
    best = max((kb for kb in meeting if kb[0] * kb[1] == fewest), key=lambda kb: meeting[kb])
    found_text, target = distinct_numbers(val, PSNR_TARGET)
    if val < PSNR_TARGET:
        raise Incorrect(f"({k}, {b}) reaches {found_text} dB on the validation images, below the "
                        f"target of {target} dB: it needs more components or more bits.")
    if k * b > fewest:
        hint = ""
        if b > 1 and k * 2**b <= best[0] * 2 ** best[1]:
            hint = (" (Bits per image are code_size * bits, not code_size * 2**bits: 2**bits is "
                    "the number of levels.)")
        raise Incorrect(f"({k}, {b}) meets the target ({val:.2f} dB) but needs {k * b} bits per "
                        f"image; {best} meets it with {fewest} bits.{hint}")
    return (f"{k} codes x {b} bits = {k * b} bits per image: {val:.2f} dB on validation, and "
            f"{test:.2f} dB on the test images the choice never saw.")


anomaly_scores = Exercise(
    lesson=LESSON,
    name="anomaly_scores",
    title="an anomaly score per image",
    checker=_check_anomaly_scores,
    hints=[
        "Call the model on the images, take the squared difference, and average it over each "
        "image's pixels, not over the images.",
        "images has shape (n, 28, 28); the mean over axes 1 and 2 leaves one number per image.",
        "`return np.mean((images - keras.ops.convert_to_numpy(model(images))) ** 2, "
        "axis=(1, 2))`",
    ],
)

roc_auc = Exercise(
    lesson=LESSON,
    name="roc_auc",
    title="the ROC AUC by hand",
    checker=_check_roc_auc,
    hints=[
        "The AUC is the share of (anomaly, normal) pairs in which the anomaly has the higher "
        "score; a tie counts one half.",
        "With `pos = scores[is_anomaly == 1]` and `neg = scores[is_anomaly == 0]`, "
        "`pos[:, None] > neg[None, :]` compares every pair at once.",
        "`return np.mean(pos[:, None] > neg[None, :]) + 0.5 * np.mean(pos[:, None] == "
        "neg[None, :])`",
    ],
)

threshold_for_fpr = Exercise(
    lesson=LESSON,
    name="threshold_for_fpr",
    title="a threshold for a target false-positive rate",
    checker=_check_threshold_for_fpr,
    hints=[
        "A false positive is a *normal* image flagged as an anomaly: keep only the scores of "
        "normal images.",
        "To flag a share `fpr` of them, the threshold must sit above a share 1 - fpr of them: "
        "their (1 - fpr) quantile.",
        "`return np.quantile(val_scores[val_is_anomaly == 0], 1 - fpr)`",
    ],
)

quantise = Exercise(
    lesson=LESSON,
    name="quantise",
    title="a uniform quantiser for codes",
    checker=_check_quantise,
    hints=[
        "Per code unit, low and high come from the training codes: `train_codes.min(axis=0)`, "
        "`train_codes.max(axis=0)`.",
        "b bits give 2**b levels, numbered 0 to 2**b - 1; level 0 is low, the last level is "
        "high. Clip first, then scale (codes - low) / (high - low) to 0 .. 2**b - 1 and round.",
        "`levels = 2**bits - 1; q = np.rint((np.clip(codes, low, high) - low) / (high - low) * "
        "levels); return low + q * (high - low) / levels`",
    ],
)

psnr = Exercise(
    lesson=LESSON,
    name="psnr",
    title="PSNR per image",
    checker=_check_psnr,
    hints=[
        "PSNR = 10 log10(peak**2 / MSE) in decibels; the pixels lie in [0, 1], so the peak is 1.",
        "Compute the MSE of each image over its pixels (`axis=(1, 2)`), then 10 * np.log10(1 / "
        "mse).",
        "`return 10 * np.log10(1.0 / np.mean((images - reconstructions) ** 2, axis=(1, 2)))`",
    ],
)

smallest_code = Exercise(
    lesson=LESSON,
    name="smallest_code",
    title="the cheapest PCA code that meets a quality target",
    checker=_check_smallest_code,
    hints=[
        "Loop over every code size in CODE_SIZES and every bit depth in BIT_DEPTHS; for each, "
        "the mean PSNR of `checks.pca_reconstructions(...)` of the validation images.",
        f"Keep the pairs whose validation PSNR is at least {PSNR_TARGET} dB; among them, take the "
        "one with the fewest bits per image, code_size * bits.",
        "`min((k * b, (k, b)) for (k, b), value in results.items() if value >= "
        "checks.PSNR_TARGET)[1]`",
    ],
)

EXERCISES = (anomaly_scores, roc_auc, threshold_for_fpr, quantise, psnr, smallest_code)
