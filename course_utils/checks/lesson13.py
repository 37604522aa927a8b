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


def _scores_array(found, shown: str, n: int) -> np.ndarray:
    """The learner's scores as a NumPy array of shape (n,), or a message the next cell needs."""
    if found is not None and not isinstance(found, (np.ndarray, list, tuple, float, int)) \
            and hasattr(found, "numpy") and hasattr(found, "shape"):
        raise Incorrect(f"`{shown}` returned {describe(found)}, a TensorFlow tensor: the next "
                        "cell picks scores with a NumPy mask (`val_scores[val_is_anomaly == 0]`), "
                        "which a tensor does not support. Convert the reconstructions with "
                        "`keras.ops.convert_to_numpy(model(images))` and return a NumPy array.")
    return require_array(found, f"The result of `{shown}` for {n} images")


def _check_anomaly_scores(anomaly_scores) -> str:
    import keras

    fn = require_function(anomaly_scores, "anomaly_scores")
    model, images = _score_model(), _score_images()
    before = images.copy()
    shown = "anomaly_scores(model, images)"
    found = call_learner(fn, model, images, name=shown)
    if not np.array_equal(images, before):
        raise Incorrect("anomaly_scores changed the images it was given; compute on copies.")
    array = _scores_array(found, shown, 6)
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
    if not np.allclose(array, expected, rtol=1e-4, atol=1e-7):
        absolute = np.abs(images - keras.ops.convert_to_numpy(model(images))).mean(axis=(1, 2))
        mistakes = [
            (expected * 784, "That is the *sum* of squared errors over the pixels; the exercise "
             "asks for the mean (divide by 784). It ranks images the same way, but its numbers "
             "are not the MSE of the lesson."),
            (np.sqrt(expected), "That is the root of the MSE (RMSE); return the MSE itself."),
            (absolute, "That is the mean *absolute* error; square the differences."),
            (squared.mean(axis=(1, 2)).mean() + 0 * expected, "Every image got the same score, "
             "the mean over the whole batch: average over each image's pixels only."),
        ]
        _name_mistake(array, mistakes,
                      prefix=f"For the check's images the scores should start "
                      f"{_shown(expected)}; found {_shown(array)}.",
                      otherwise="Compute model(images), square the difference with the images "
                      "and average over axes 1 and 2.")
    # Other images: float64 and another number of them (the function must not rely on either).
    more = np.random.default_rng(8).random((3, 28, 28)) * np.array([0.3, 0.6, 0.9])[:, None, None]
    shown = "anomaly_scores(model, images)"
    found = call_learner(fn, model, more.copy(), name=shown + " with 3 float64 images")
    array = _scores_array(found, shown + " with 3 float64 images", 3)
    expected = ((more - keras.ops.convert_to_numpy(model(more)).astype(np.float64)) ** 2).mean(
        axis=(1, 2))
    if array.shape != (3,) or not np.allclose(array.astype(np.float64), expected, rtol=1e-4,
                                              atol=1e-7):
        raise Incorrect(f"Right for the first 6 float32 images, but for 3 float64 images the "
                        f"scores should be {_shown(expected)}; found {_shown(array)} (shape "
                        f"{np.shape(array)}). Does the function assume 6 images or float32?")
    return "One score per image: the mean squared error over its 784 pixels, as a NumPy array."


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
    for seed in (0, 1, 2):
        scores, labels = _auc_inputs(seed)
        if seed == 2:  # float32 scores and 0/1 labels as in the lesson, in another dtype
            scores, labels = scores.astype(np.float32), labels.astype(np.int32)
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
    for seed, fpr, dtype in ((0, 0.05, np.float64), (1, 0.1, np.float32), (7, 0.2, np.float64)):
        scores, labels = _threshold_inputs(seed)
        scores = scores.astype(dtype)
        shown = f"threshold_for_fpr(val_scores, val_is_anomaly, fpr={fpr})"
        found = require_number(call_learner(fn, scores.copy(), labels.copy(), fpr, name=shown),
                               f"The threshold from `{shown}`")
        scores = scores.astype(np.float64)
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


# -- pca_components ------------------------------------------------------------------------------
COMPONENT_CHOICES = (2, 4, 8, 16, 32, 64, 128)


def pca_anomaly_scores(pca, images, components: int) -> np.ndarray:
    """PCA's reconstruction error per image: the MSE between each image and its projection on
    the first ``components`` principal components of a fitted ``pca``. Shape (n,)."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    basis = pca.components_[:components]
    projected = (flat - pca.mean_) @ basis.T @ basis + pca.mean_
    return ((flat - projected) ** 2).mean(axis=1)


@functools.cache
def _pca_anomaly_table() -> dict[int, dict[str, float]]:
    """Per number of components: the ROC AUC on validation, test and fit images (2s are the
    anomalies; PCA fitted on the other digits of the fit split) and the mean validation error."""
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score

    from ..data import load_mnist, validation_split

    mnist = load_mnist(full=False, offline=True)
    x_fit, x_val, y_fit, y_val = validation_split(mnist.x_train, mnist.y_train, seed=0)
    normal = x_fit[y_fit != 2]
    pca = PCA(max(COMPONENT_CHOICES), svd_solver="full").fit(normal.reshape(len(normal), -1))
    table = {}
    for k in COMPONENT_CHOICES:
        table[k] = {name: float(roc_auc_score(y == 2, pca_anomaly_scores(pca, x, k)))
                    for name, x, y in (("val", x_val, y_val), ("test", mnist.x_test, mnist.y_test),
                                       ("fit", x_fit, y_fit))}
        table[k]["error"] = float(pca_anomaly_scores(pca, x_val, k).mean())
    return table


def _whole_number(value, name: str, grid) -> int:
    """A whole number from ``grid`` (ints, NumPy integers and floats like 32.0 are fine)."""
    if value is None:
        raise NotAttempted(f"{name} is still None: set it to your choice.")
    try:
        number = require_number(value, name)
    except Incorrect:
        raise Incorrect(f"{name} should be one whole number from {grid}; found "
                        f"{describe(value)}.") from None
    if number != int(number) or int(number) not in grid:
        raise Incorrect(f"{name} should be one of {grid}; found {number:g}.")
    return int(number)


def _check_pca_components(choice) -> str:
    k = _whole_number(choice, "BEST_COMPONENTS", COMPONENT_CHOICES)
    table = _pca_anomaly_table()
    best = max(COMPONENT_CHOICES, key=lambda c: table[c]["val"])
    on_fit = max(COMPONENT_CHOICES, key=lambda c: table[c]["fit"])
    on_test = max(COMPONENT_CHOICES, key=lambda c: table[c]["test"])
    worst = min(COMPONENT_CHOICES, key=lambda c: table[c]["val"])
    lowest_error = min(COMPONENT_CHOICES, key=lambda c: table[c]["error"])
    if k == best:
        return (f"{k} components: validation AUC {table[k]['val']:.3f}, the highest; on the test "
                f"images the choice never saw, {table[k]['test']:.3f}. More components always "
                f"reconstruct better ({lowest_error} components have the lowest error) but also "
                "learn to reconstruct the 2s: the best detector sits in between.")
    found = f"{k} components give a validation AUC of {table[k]['val']:.3f}; {best} give " \
            f"{table[best]['val']:.3f}."
    if k == worst:
        raise Incorrect(f"{found} You picked the *lowest* AUC: a higher AUC separates the 2s "
                        "better; take the maximum.")
    if k == lowest_error:
        extra = (" It is also the choice that is best on the *fit* images, which the PCA was "
                 "fitted on: choose on the validation images." if k == on_fit else "")
        raise Incorrect(f"{found} {k} components reconstruct every image best, the 2s too: the "
                        f"lowest error is not the best separation. Compare the AUCs.{extra}")
    if k == on_fit:
        raise Incorrect(f"{found} {k} is the best choice on the fit images the PCA was fitted "
                        "on; choose on the validation images.")
    if k == on_test:
        raise Incorrect(f"{found} Choose on validation (x_val), never on the test images.")
    raise Incorrect(f"{found} Compute the validation AUC for every number of components and "
                    "take the largest.")


# -- median_sizes --------------------------------------------------------------------------------
NOISE_LEVELS = (0.1, 0.3, 0.5)
FILTER_SIZES = (1, 3, 5, 7)
VALIDATION_NOISE_SEED = 1  # rng of add_salt_and_pepper_noise for the validation images


def median_psnr(images, fraction: float, size: int, rng) -> float:
    """Mean PSNR of ``images`` hit by salt-and-pepper noise (``fraction``, ``rng``) and cleaned
    with a ``size`` x ``size`` median filter (size 1: no filter)."""
    from scipy.ndimage import median_filter

    from ..compression import psnr
    from ..noise import add_salt_and_pepper_noise

    noisy = add_salt_and_pepper_noise(images, fraction, rng=rng)
    return float(psnr(images, median_filter(noisy, size=(1, size, size))).mean())


@functools.cache
def _median_table() -> dict[tuple[float, int], dict[str, float]]:
    from ..data import load_mnist, validation_split

    mnist = load_mnist(full=False, offline=True)
    _, x_val, _, _ = validation_split(mnist.x_train, mnist.y_train, seed=0)
    table = {}
    for fraction in NOISE_LEVELS:
        for size in FILTER_SIZES:
            table[fraction, size] = {
                "val": median_psnr(x_val, fraction, size, VALIDATION_NOISE_SEED),
                "test": median_psnr(mnist.x_test, fraction, size, 2)}
    return table


def _as_size_dict(choice) -> dict[float, int]:
    if choice is None:
        raise NotAttempted("MEDIAN_SIZES is still None: set it to a dict {noise level: size}.")
    if isinstance(choice, (list, tuple)) and len(choice) == len(NOISE_LEVELS):
        choice = dict(zip(NOISE_LEVELS, choice, strict=True))
    if not isinstance(choice, dict):
        raise Incorrect(f"MEDIAN_SIZES should be a dict {{noise level: filter size}}, e.g. "
                        f"{{0.1: 3, 0.3: 3, 0.5: 3}}; found {describe(choice)}.")
    sizes = {}
    for level in NOISE_LEVELS:
        keys = [key for key in choice if isinstance(key, (int, float, np.number))
                and not isinstance(key, bool) and np.isclose(float(key), level)]
        if not keys:
            raise Incorrect(f"MEDIAN_SIZES has no entry for the noise level {level}: it needs "
                            f"one for each of {NOISE_LEVELS}.")
        sizes[level] = _whole_number(choice[keys[0]], f"MEDIAN_SIZES[{level}]", FILTER_SIZES)
    return sizes


def _check_median_sizes(choice) -> str:
    sizes = _as_size_dict(choice)
    table = _median_table()
    best = {f: max(FILTER_SIZES, key=lambda s, f=f: table[f, s]["val"]) for f in NOISE_LEVELS}
    if sizes == best:
        gains = ", ".join(f"{f:.0%}: {s}x{s}, {table[f, s]['test']:.2f} dB (no filter "
                          f"{table[f, 1]['test']:.2f} dB)" for f, s in sizes.items())
        return (f"The best size grows with the noise. On the test images with fresh noise: "
                f"{gains}.")
    wrong = [f for f in NOISE_LEVELS if sizes[f] != best[f]]
    f = wrong[0]
    found = (f"At {f:.0%} noise a {sizes[f]}x{sizes[f]} filter gives "
             f"{table[f, sizes[f]]['val']:.2f} dB on validation, a {best[f]}x{best[f]} filter "
             f"{table[f, best[f]]['val']:.2f} dB.")
    if all(s == 1 for s in sizes.values()):
        raise Incorrect(f"{found} No filter at all looks best only when the PSNR is measured "
                        "against the *noisy* images: compare with the clean x_val.")
    if len(set(sizes.values())) == 1 and len(set(best.values())) > 1:
        raise Incorrect(f"{found} You gave every noise level the same size: the best size "
                        "depends on how many pixels are hit. Measure each level on its own.")
    if all(sizes[f] == min(FILTER_SIZES, key=lambda s, f=f: table[f, s]["val"]) for f in wrong):
        raise Incorrect(f"{found} You picked the *lowest* PSNR; a higher PSNR is better.")
    raise Incorrect(f"{found} For each noise level, take the size with the highest validation "
                    "PSNR.")


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

pca_components = Exercise(
    lesson=LESSON,
    name="pca_components",
    title="PCA's reconstruction error as a baseline detector",
    checker=_check_pca_components,
    hints=[
        "For each k in checks.COMPONENT_CHOICES: scores = checks.pca_anomaly_scores(pca_normal, "
        "x_val, k), then roc_auc_score(val_is_anomaly, scores).",
        "Keep the k with the highest validation AUC, not the one with the lowest reconstruction "
        "error: more components reconstruct the 2s well too.",
        "`aucs = {k: roc_auc_score(val_is_anomaly, checks.pca_anomaly_scores(pca_normal, x_val, "
        "k)) for k in checks.COMPONENT_CHOICES}; BEST_COMPONENTS = max(aucs, key=aucs.get)`",
    ],
)

median_sizes = Exercise(
    lesson=LESSON,
    name="median_sizes",
    title="a median filter for each noise level",
    checker=_check_median_sizes,
    hints=[
        "For each noise level, make the noisy validation images once (rng=checks."
        "VALIDATION_NOISE_SEED) and try every size in checks.FILTER_SIZES.",
        "Measure the PSNR against the *clean* x_val: `psnr(x_val, median_filter(noisy, size=(1, "
        "s, s))).mean()`; keep the size with the highest value.",
        "`MEDIAN_SIZES = {f: max(checks.FILTER_SIZES, key=lambda s: checks.median_psnr(x_val, f, "
        "s, checks.VALIDATION_NOISE_SEED)) for f in checks.NOISE_LEVELS}`",
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

EXERCISES = (anomaly_scores, roc_auc, threshold_for_fpr, pca_components, smallest_code,
             median_sizes)
