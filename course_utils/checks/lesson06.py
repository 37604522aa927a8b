"""Checks for lesson 06, "Generating with an autoencoder, and measuring generation error"."""

from __future__ import annotations

import functools

import numpy as np

from .common import explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    LearnerCodeError,
    call_learner,
    describe,
    require_array,
    require_function,
    require_model,
    require_number,
)

LESSON = "06"


def _real_number(value: object, name: str) -> float:
    """require_number, with a specific message for a complex result (sqrtm's imaginary part)."""
    if value is not None and np.iscomplexobj(value):
        imaginary = float(np.max(np.abs(np.imag(value))))
        raise Incorrect(f"{name} is a complex number (imaginary part {imaginary:.3g}). "
                        "`scipy.linalg.sqrtm` can return a complex matrix with a tiny imaginary "
                        "part from round-off: keep its real part, `sqrtm(...).real`.")
    return require_number(value, name)


# -- frechet -------------------------------------------------------------------------------------
def _correlated_gaussian(rng, n: int, mean, scales, mixing_seed: int) -> np.ndarray:
    mixing = np.random.default_rng(mixing_seed).normal(size=(len(mean), len(mean)))
    return rng.normal(size=(n, len(mean))) @ (mixing * np.asarray(scales)[:, None]) + mean


def _sqrtm_trace(cov_a: np.ndarray, cov_b: np.ndarray) -> float:
    from scipy import linalg

    return float(np.trace(linalg.sqrtm(cov_a @ cov_b)).real)


def _fd_parts(a: np.ndarray, b: np.ndarray, *, ddof: int = 1, rowvar: bool = False):
    diff = a.mean(axis=0) - b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=rowvar, ddof=ddof))
    cov_b = np.atleast_2d(np.cov(b, rowvar=rowvar, ddof=ddof))
    return float(diff @ diff), float(np.trace(cov_a) + np.trace(cov_b)), _sqrtm_trace(cov_a, cov_b)


def _frechet_cases():
    rng = np.random.default_rng(6)
    a = _correlated_gaussian(rng, 60, [1.0, -2.0, 0.5, 0.0], [1.0, 0.5, 2.0, 1.5], 1)
    b = _correlated_gaussian(rng, 60, [-0.5, -1.0, 2.0, 1.0], [0.7, 1.5, 1.0, 0.5], 2)
    c = _correlated_gaussian(rng, 90, [0.0, 0.0, 0.0, 0.0, 1.0], [1, 2, 1, 0.5, 1], 3)
    d = _correlated_gaussian(rng, 70, [0.5, 1.0, 0.0, -1.0, 0.0], [2, 1, 1, 1, 0.3], 4)
    return [(a, b), (c, d)]


def _check_frechet(frechet) -> str:
    from ..generation import frechet_distance

    fn = require_function(frechet, "frechet")
    for a, b in _frechet_cases():
        shown = f"frechet(features_a, features_b) for shapes {a.shape} and {b.shape}"
        given = a.copy(), b.copy()
        found = _real_number(call_learner(fn, given[0], given[1], name=shown), shown)
        expected = frechet_distance(a, b)
        if np.isclose(found, expected, rtol=1e-4, atol=1e-8):
            continue
        m, traces, root = _fd_parts(a, b)
        m0, traces0, root0 = _fd_parts(a, b, ddof=0)
        std_diff = a.std(axis=0, ddof=1) - b.std(axis=0, ddof=1)
        std_diff0 = a.std(axis=0) - b.std(axis=0)
        mistakes = [
            (m + traces - root, "The factor 2 in front of the trace of the square root is "
             "missing: tr(C_a + C_b - 2 (C_a C_b)^(1/2))."),
            (m + traces + 2 * root, "The sign of the square-root term is wrong: it is "
             "*minus* 2 tr((C_a C_b)^(1/2))."),
            (np.sqrt(m) + traces - 2 * root, "You used the distance between the means, "
             "||mu_a - mu_b||; the formula needs its square, ||mu_a - mu_b||^2 (`diff @ diff`)."),
            (traces - 2 * root, "The mean term ||mu_a - mu_b||^2 is missing."),
            (m + float(std_diff @ std_diff), "That is the formula for *independent* features: "
             "you compared standard-deviation vectors. Use the full covariance matrices "
             "(`np.cov(features, rowvar=False)`) and the matrix square root `sqrtm(C_a @ C_b)`."),
            (m + float(std_diff0 @ std_diff0), "That is the formula for *independent* features: "
             "you compared standard-deviation vectors. Use the full covariance matrices "
             "(`np.cov(features, rowvar=False)`) and the matrix square root `sqrtm(C_a @ C_b)`."),
            (m0 + traces0 - 2 * root0, "Your covariances divide by n; `np.cov` (and the "
             "library) divide by n - 1. Use `np.cov(features, rowvar=False)`."),
        ]
        if len(a) == len(b):
            _, traces_t, root_t = _fd_parts(a, b, rowvar=True)
            mistakes.append((m + traces_t - 2 * root_t, "Your covariance matrices are (n_samples, "
                             "n_samples): `np.cov` treats each *row* as a variable by default. "
                             "Rows are samples here: `np.cov(features, rowvar=False)`."))
        explain_mismatch(
            found, mistakes, rtol=1e-4, atol=1e-9,
            prefix=f"For two sets of shapes {a.shape} and {b.shape}: expected {expected:.6g}, "
            f"found {found:.6g}.",
            otherwise="Compute ||mu_a - mu_b||^2 + tr(C_a) + tr(C_b) - 2 tr(sqrtm(C_a @ C_b)) "
            "with column means and `np.cov(..., rowvar=False)`.",
        )
    a = _frechet_cases()[0][0]
    same = _real_number(call_learner(fn, a, a.copy(), name="frechet(features, features)"),
                        "frechet(features, features)")
    if abs(same) > 1e-6:
        raise Incorrect(f"The distance of a set to itself should be 0 (within 1e-6); found "
                        f"{same:.3g}. Keep only the real part of sqrtm's result.")
    return "Matches course_utils.generation.frechet_distance on two pairs of random Gaussian sets."


# -- sample_codes --------------------------------------------------------------------------------
SAMPLE_N = 20_000
CODE_MEAN = np.array([5.0, -3.0, 0.5])
CODE_STD = np.array([3.0, 0.4, 1.2])
CODE_CORR = np.array([[1.0, 0.9, -0.5], [0.9, 1.0, -0.3], [-0.5, -0.3, 1.0]])


@functools.cache
def _training_codes() -> np.ndarray:
    rng = np.random.default_rng(60)
    cov = CODE_CORR * np.outer(CODE_STD, CODE_STD)
    codes = rng.multivariate_normal(CODE_MEAN, cov, size=500)
    return codes.astype(np.float32)


def _check_sample_codes(sample_codes) -> str:
    fn = require_function(sample_codes, "sample_codes")
    codes = _training_codes()
    given = codes.copy()
    shown = f"sample_codes(codes, {SAMPLE_N}, seed=0)"
    try:
        value = call_learner(fn, given, SAMPLE_N, seed=0, name=shown)
    except LearnerCodeError as err:
        if "cov" in err.summary.lower() or "shape" in err.summary.lower():
            raise Incorrect(f"Your function raised {err.summary} ({err.where}) on codes of shape "
                            f"{codes.shape}. Is np.cov on the wrong axis? By default it treats "
                            "each row as a variable; rows are images here: `np.cov(codes, "
                            "rowvar=False)` is (code units, code units).") from None
        raise
    if not np.array_equal(given, codes):
        raise Incorrect("sample_codes changed the `codes` array it was given; leave it as it is.")
    samples = require_array(value, f"The result of {shown}")
    if samples.ndim == 2 and samples.shape == (SAMPLE_N, len(codes)):
        raise Incorrect(f"The samples have shape {samples.shape}: one column per *image*. "
                        "np.cov treats each row as a variable by default; rows are images here, so "
                        "use `np.cov(codes, rowvar=False)` and `codes.mean(axis=0)`.")
    require_array(samples, f"The result of {shown}", shape=(SAMPLE_N, codes.shape[1]))
    samples = samples.astype(np.float64)
    rows = {tuple(row) for row in codes.astype(np.float64)}
    copied = np.mean([tuple(row) in rows for row in samples[:500]])
    if copied > 0.5:
        raise Incorrect("Most of your samples are copies of the training codes: that resamples "
                        "the codes you have instead of drawing new ones from a fitted Gaussian.")
    mean = codes.astype(np.float64).mean(axis=0)
    cov = np.cov(codes.astype(np.float64), rowvar=False)
    std = np.sqrt(np.diag(cov))
    found_mean, found_cov = samples.mean(axis=0), np.cov(samples, rowvar=False)
    found_var = np.diag(found_cov)
    if np.all(np.abs(found_mean) < 0.05 * std) and np.any(np.abs(mean) > 0.5 * std):
        raise Incorrect(f"Your samples have mean {np.round(found_mean, 2)}, but the codes have "
                        f"mean {np.round(mean, 2)}: add the codes' mean (column means, "
                        "`codes.mean(axis=0)`).")
    if np.any(np.abs(found_mean - mean) > 0.05 * std):
        raise Incorrect(f"The mean of your samples is {np.round(found_mean, 2)}; the codes' mean "
                        f"(column means, axis=0) is {np.round(mean, 2)}.")
    ratio = found_var / np.diag(cov)
    if np.all(np.abs(found_var / std - 1) < 0.1):
        raise Incorrect(f"The variances of your samples, {np.round(found_var, 3)}, are the "
                        f"codes' standard deviations {np.round(std, 3)}: you used a standard "
                        "deviation (or a square root of the covariance) where the covariance "
                        "belongs. `rng.multivariate_normal(mean, cov, n)` takes the covariance "
                        "itself.")
    if np.all(np.abs(found_var / np.diag(cov) ** 2 - 1) < 0.1):
        raise Incorrect(f"The variances of your samples, {np.round(found_var, 3)}, are the "
                        f"squares of the codes' variances {np.round(np.diag(cov), 3)}: you passed "
                        "variances as `scale`, which is a standard deviation.")
    if np.any(np.abs(ratio - 1) > 0.1):
        raise Incorrect(f"The variances of your samples are {np.round(found_var, 3)}; the "
                        f"codes' variances are {np.round(np.diag(cov), 3)}.")
    corr = cov[0, 1] / (std[0] * std[1])
    found_corr = found_cov[0, 1] / np.sqrt(found_var[0] * found_var[1])
    if abs(found_corr) < 0.1:
        raise Incorrect(f"Code units 1 and 2 have correlation {corr:.2f} in the codes but "
                        f"{found_corr:.2f} in your samples: you sampled each unit on its own "
                        "(a diagonal covariance). Use the full covariance `np.cov(codes, "
                        "rowvar=False)` with `rng.multivariate_normal`.")
    if np.max(np.abs(found_cov - cov) / np.outer(std, std)) > 0.1:
        raise Incorrect("The covariance of your samples differs from the codes' covariance: "
                        f"expected\n{np.round(cov, 3)}\nfound\n{np.round(found_cov, 3)}.")
    first = require_array(call_learner(fn, given, 5, seed=1, name="sample_codes(codes, 5, 1)"),
                          "sample_codes(codes, 5, seed=1)", shape=(5, codes.shape[1]))
    again = call_learner(fn, given, 5, seed=1, name="sample_codes(codes, 5, 1)")
    other = call_learner(fn, given, 5, seed=2, name="sample_codes(codes, 5, 2)")
    if not np.allclose(first, np.asarray(again, dtype=np.float64)):
        raise Incorrect("Two calls with the same seed gave different samples: draw them with "
                        "`np.random.default_rng(seed)`.")
    if np.allclose(first, np.asarray(other, dtype=np.float64)):
        raise Incorrect("Seeds 1 and 2 gave the same samples: use the `seed` argument, "
                        "`np.random.default_rng(seed)`.")
    return (f"{SAMPLE_N:,} samples with the codes' mean, variances and correlations (units 1 "
            f"and 2: {found_corr:.2f} against {corr:.2f}), reproducible by seed.")


# -- knn_precision -------------------------------------------------------------------------------
def _sorted_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import cdist

    return np.sort(cdist(points, centres), axis=1)


def _share_inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> float:
    from scipy.spatial.distance import cdist

    return float((cdist(points, centres) <= radii[None, :]).any(axis=1).mean())


def _precision_cases():
    rng = np.random.default_rng(16)
    real = rng.normal(size=(300, 2))
    fake = rng.normal(size=(200, 2)) * [0.6, 1.8] + [1.0, 0.0]
    real3 = rng.normal(size=(250, 3)) * [1.0, 2.0, 0.5]
    fake3 = rng.normal(size=(150, 3)) * 1.3 + [0.5, 0.5, 0.0]
    return [(real, fake, 3), (real3, fake3, 5)]


def _check_knn_precision(knn_precision) -> str:
    from ..generation import precision_recall

    fn = require_function(knn_precision, "knn_precision")
    for real, fake, k in _precision_cases():
        shown = f"knn_precision(real, fake, k={k})"
        found = require_number(call_learner(fn, real.copy(), fake.copy(), k, name=shown), shown)
        expected, recall = precision_recall(real, fake, k=k)
        if np.isclose(found, expected, atol=1e-9):
            continue
        own = _sorted_distances(real, real)  # column 0 is each point itself
        across = _sorted_distances(real, fake)
        mistakes = [
            (recall, "That is the *recall*: real and fake are swapped. Precision asks how many "
             "fake points fall inside the real points' k-NN balls."),
            (_share_inside(fake, real, own[:, k - 1]), "Each real point was counted as its own "
             "nearest neighbour (distance 0), so the radii are one neighbour too short: the "
             "radius is column k of the sorted distances, column 0 being the point itself."),
            (_share_inside(fake, real, own[:, k + 1]), "The radii reach the (k+1)-th neighbour: "
             "one too far. With the point itself in column 0, the k-th neighbour is column k."),
            (_share_inside(fake, real, across[:, k - 1]), "The radii come from the wrong set: "
             "each real point's radius is the distance to its k-th nearest *real* neighbour, "
             "not to the k-th nearest fake point."),
            (_share_inside(fake, real, across[:, k]), "The radii come from the wrong set: "
             "each real point's radius is the distance to its k-th nearest *real* neighbour, "
             "not to a fake point."),
            (float(np.sum(_sorted_distances(fake, real)[:, 0] <= own[:, k].mean())) / len(fake),
             "You used one radius (the mean) for every ball; each real point has its own radius."),
        ]
        explain_mismatch(
            found, mistakes, rtol=1e-9, atol=1e-9,
            prefix=f"With k={k} on {len(real)} real and {len(fake)} fake points: expected "
            f"{expected:.4f}, found {found:.4f}.",
            otherwise="Radius of each real point: distance to its k-th nearest other real point. "
            "Precision: the share of fake points within the radius of at least one real point.",
        )
    return "Matches course_utils.generation.precision_recall(real, fake, k).precision."


# -- modes_covered -------------------------------------------------------------------------------
COVERAGE_CASES = (
    ((50, 40, 30, 30, 20, 10, 10, 6, 4, 0), 0.05),  # digit 5 and 6 have exactly 5 %
    ((20, 20, 20, 20, 10, 5, 3, 2, 0, 0), 0.1),  # digit 4 has exactly 10 %
)


def _check_modes_covered(modes_covered) -> str:
    fn = require_function(modes_covered, "modes_covered")
    rng = np.random.default_rng(3)
    for as_list, (counts, min_share) in enumerate(COVERAGE_CASES):
        digits = rng.permutation(np.repeat(np.arange(10), counts))
        given = digits.tolist() if as_list else digits
        shown = f"modes_covered(digits, min_share={min_share})"
        found = require_number(call_learner(fn, given, min_share, name=shown), shown)
        counts = np.asarray(counts)
        shares = counts / counts.sum()
        expected = int((shares >= min_share).sum())
        if np.isclose(found, expected):
            continue
        table = ", ".join(f"{d}: {c}" for d, c in enumerate(counts))
        prefix = (f"For {len(digits)} samples with digit counts {{{table}}} and min_share="
                  f"{min_share}: expected {expected}, found {found:g}.")
        mistakes = [
            ((counts > 0).sum(), "That is the number of digits with *any* sample (or counts "
             "compared with min_share): compare each digit's share, count / number of samples, "
             "with min_share."),
            ((shares > min_share).sum(), "A digit whose share equals min_share exactly counts as "
             "covered: use >=, not >."),
            (expected / 10, "That is the *fraction* of the 10 digits covered; return how many "
             "digits are covered."),
            ((shares >= min_share).sum() / 10, "That is the fraction of the 10 digits covered; "
             "return how many digits are covered."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-9, prefix=prefix,
                          otherwise="Count the digits 0-9 whose share of the samples is at least "
                          "min_share.")
    return "Counts the digits whose share of the samples is at least min_share."


# -- temperature ---------------------------------------------------------------------------------
TEMPERATURE_GRID = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
TEMPERATURE_SAMPLES = 600
TEMPERATURE_TOLERANCE = 1.1  # within 10 % of the best held-out Fréchet distance on the grid


@functools.cache
def _held_out() -> tuple[np.ndarray, np.ndarray]:
    """(training images the notebook fits on, features of 600 held-out test images)."""
    from ..data import load_mnist, validation_split
    from ..features import mnist_features

    mnist = load_mnist(full=False)  # the bundled subset, whatever COURSE_DATA says
    x_fit, _ = validation_split(mnist.x_train, seed=0)
    return x_fit, mnist_features(mnist.x_test[:TEMPERATURE_SAMPLES])


def held_out_frechet(model, temperatures) -> dict[float, float]:
    """The check's measurement: Fréchet distance to 600 held-out test images of 600 decoded
    samples of ``GaussianCodes`` fitted to the model's codes of the fit split, covariance times
    each temperature."""
    import keras

    from ..features import mnist_features
    from ..generation import frechet_distance
    from ..latent import GaussianCodes

    x_fit, held_out = _held_out()
    codes = keras.ops.convert_to_numpy(model.encoder(x_fit))
    fitted = GaussianCodes.fit(codes)
    result = {}
    for t in temperatures:
        z = GaussianCodes(fitted.mean, fitted.cov * t).sample(TEMPERATURE_SAMPLES, seed=1)
        images = np.clip(keras.ops.convert_to_numpy(model.decoder(z)), 0, 1)
        result[float(t)] = frechet_distance(held_out, mnist_features(images))
    return result


def _check_temperature(temperature, model) -> str:
    import keras

    if isinstance(temperature, (list, tuple, dict, np.ndarray)):
        raise Incorrect(f"TEMPERATURE should be the one number you chose; found "
                        f"{describe(temperature)}.")
    t = require_number(temperature, "TEMPERATURE")
    if t <= 0:
        raise Incorrect(f"TEMPERATURE is {t:g}: it scales a covariance, so it must be positive "
                        "(at 0 every sample is the mean code, one single image).")
    if t > 100:
        raise Incorrect(f"TEMPERATURE is {t:g}: far outside the grid (0.25 to 64). Did you set "
                        "it to a Fréchet distance instead of the temperature that gave it?")
    model = require_model(model, "ae")
    if not isinstance(getattr(model, "encoder", None), keras.layers.Layer) or not isinstance(
            getattr(model, "decoder", None), keras.layers.Layer):
        raise Incorrect("The model needs an `.encoder` and a `.decoder` (the check samples "
                        "codes and decodes them): build it with `dense_autoencoder`.")
    scores = call_learner(held_out_frechet, model, (*TEMPERATURE_GRID, t),
                          name="the check's sampling with your autoencoder")
    best_t = min(scores, key=scores.get)
    best, found = scores[best_t], scores[t]
    table = ", ".join(f"{k:g}: {v:.1f}" for k, v in sorted(scores.items()))
    measured = (f"Held-out Fréchet distance with TEMPERATURE={t:g}: {found:.1f}; the best on "
                f"the grid is {best:.1f} at {best_t:g} (all: {table}).")
    if found <= TEMPERATURE_TOLERANCE * best:
        return f"{measured} Within 10 % of the best: a good choice."
    if t < best_t:
        advice = (" T = 1 is the fitted Gaussian as it is; the validation Fréchet distance "
                  "asks for another scale." if np.isclose(t, 1.0) else "")
        raise Incorrect(f"{measured} Too cold: the samples crowd near the mean code.{advice} "
                        "If you chose by precision, it always prefers the coldest samples; "
                        "choose by the Fréchet distance on the validation images.")
    raise Incorrect(f"{measured} Too hot: the samples leave the region of the codes. Recall "
                    "grows with the spread, so choosing by recall pushes towards hot samples; "
                    "choose by the Fréchet distance on the validation images.")


frechet = Exercise(
    lesson=LESSON,
    name="frechet",
    title="the Fréchet distance, by hand",
    checker=_check_frechet,
    hints=[
        "Means: `features.mean(axis=0)`. Covariances: `np.cov(features, rowvar=False)`, a "
        "(d, d) matrix (rows are samples).",
        "d^2 = ||mu_a - mu_b||^2 + tr(C_a) + tr(C_b) - 2 tr(sqrtm(C_a @ C_b)); `scipy.linalg."
        "sqrtm` may return a complex matrix with a tiny imaginary part: keep `.real`.",
        "`diff = mu_a - mu_b; root = linalg.sqrtm(c_a @ c_b).real; return diff @ diff + "
        "np.trace(c_a) + np.trace(c_b) - 2 * np.trace(root)`",
    ],
)

sample_codes = Exercise(
    lesson=LESSON,
    name="sample_codes",
    title="new codes from a Gaussian fitted to the codes",
    checker=_check_sample_codes,
    hints=[
        "Fit: the mean of each code unit (axis=0) and the full covariance matrix, (units, "
        "units). Then draw n codes from N(mean, covariance).",
        "`np.cov(codes, rowvar=False)`; `np.random.default_rng(seed).multivariate_normal(mean, "
        "cov, size=n)` takes the covariance, not standard deviations.",
        "`rng = np.random.default_rng(seed); return rng.multivariate_normal(codes.mean(axis=0), "
        "np.cov(codes, rowvar=False), size=n)`",
    ],
)

knn_precision = Exercise(
    lesson=LESSON,
    name="knn_precision",
    title="k-NN precision (Kynkäänniemi et al. 2019)",
    checker=_check_knn_precision,
    hints=[
        "Two steps: a radius for each *real* point (distance to its k-th nearest real "
        "neighbour), then the share of *fake* points inside at least one real ball.",
        "`np.sort(cdist(real, real), axis=1)[:, k]`: column 0 is each point's distance to "
        "itself (0), so the k-th neighbour is column k.",
        "`radii = np.sort(cdist(real, real), axis=1)[:, k]; return (cdist(fake, real) <= "
        "radii[None, :]).any(axis=1).mean()`",
    ],
)

modes_covered = Exercise(
    lesson=LESSON,
    name="modes_covered",
    title="mode coverage from predicted digits",
    checker=_check_modes_covered,
    hints=[
        "The share of digit d is (number of samples classified as d) / (number of samples).",
        "`np.bincount(digits, minlength=10) / len(digits)` gives the ten shares at once; a "
        "digit counts when its share is >= min_share.",
        "`shares = np.bincount(np.asarray(digits), minlength=10) / len(digits); return "
        "int((shares >= min_share).sum())`",
    ],
)

temperature = Exercise(
    lesson=LESSON,
    name="temperature",
    title="a sampling temperature chosen on validation images",
    checker=_check_temperature,
    hints=[
        "For each T in TEMPERATURES: sample codes from `GaussianCodes(fitted.mean, fitted.cov * "
        "T)`, decode them, and compute the Fréchet distance to the validation images' features.",
        "Use enough samples (600 or more) and the same seed for every T, so that the "
        "differences come from T and not from chance.",
        "`TEMPERATURE = min(fd, key=fd.get)` picks the key of a dict {T: validation Fréchet "
        "distance} with the smallest value.",
    ],
)


EXERCISES = (
    frechet,
    sample_codes,
    knn_precision,
    modes_covered,
    temperature,
)
