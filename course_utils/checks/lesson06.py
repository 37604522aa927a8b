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
    require_number,
)

LESSON = "06"


# -- sample_codes --------------------------------------------------------------------------------
SAMPLE_N = 20_000
CODE_MEAN = np.array([5.0, -3.0, 0.5])
CODE_STD = np.array([3.0, 0.4, 1.2])
CODE_CORR = np.array([[1.0, 0.9, -0.5], [0.9, 1.0, -0.3], [-0.5, -0.3, 1.0]])
FEW_CODES = np.array([[1.0, 2.0], [2.5, 2.0], [0.0, -1.0], [3.0, 4.5], [1.5, 0.5], [-1.0, -2.0]])


@functools.cache
def _training_codes() -> np.ndarray:
    rng = np.random.default_rng(60)
    cov = CODE_CORR * np.outer(CODE_STD, CODE_STD)
    codes = rng.multivariate_normal(CODE_MEAN, cov, size=500)
    return codes.astype(np.float32)


def _sample_cases():
    """(codes, n, seed): 500 float32 codes in 3 units; 6 float64 codes in 2 units, where a
    covariance that divides by n instead of n - 1 is 17 % too small."""
    return [(_training_codes(), SAMPLE_N, 0), (FEW_CODES.copy(), SAMPLE_N, 3)]


def _call_sample_codes(fn, codes, n, seed):
    given = codes.copy()
    shown = f"sample_codes(codes, {n}, seed={seed})"
    try:
        value = call_learner(fn, given, n, seed=seed, name=shown)
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
    if samples.ndim == 2 and samples.shape == (n, len(codes)) and len(codes) != codes.shape[1]:
        raise Incorrect(f"The samples have shape {samples.shape}: one column per *image*. "
                        "np.cov treats each row as a variable by default; rows are images here, so "
                        "use `np.cov(codes, rowvar=False)` and `codes.mean(axis=0)`.")
    if samples.ndim == 2 and samples.shape[1] == codes.shape[1] and len(samples) != n:
        raise Incorrect(f"{shown} returned {len(samples)} codes; it should return n = {n} "
                        "(draw `size=n`, do not hard-code the number).")
    require_array(samples, f"The result of {shown}", shape=(n, codes.shape[1]))
    return samples.astype(np.float64)


def _check_sample_statistics(codes: np.ndarray, samples: np.ndarray) -> float:
    """Compare the samples' mean and covariance with the codes'; return the checked correlation."""
    codes = codes.astype(np.float64)
    m = len(codes)
    rows = {tuple(row) for row in codes}
    if np.mean([tuple(row) in rows for row in samples[:500]]) > 0.5:
        raise Incorrect("Most of your samples are copies of the training codes: that resamples "
                        "the codes you have instead of drawing new ones from a fitted Gaussian.")
    if np.all(np.ptp(samples, axis=0) < 1e-9):
        raise Incorrect("All your samples are the same code: draw a new random vector for every "
                        "sample (`size=n`), not one vector repeated n times.")
    mean = codes.mean(axis=0)
    cov = np.cov(codes, rowvar=False)
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
    if m < 20 and np.all(np.abs(ratio - (m - 1) / m) < 0.04):
        raise Incorrect(f"For {m} codes the variances of your samples, {np.round(found_var, 3)}, "
                        f"are (n-1)/n = {(m - 1) / m:.2f} of the codes' sample variances "
                        f"{np.round(np.diag(cov), 3)}: your covariance divides by n (`np.var`, "
                        "`ddof=0` or `bias=True`). Use `np.cov(codes, rowvar=False)`, which "
                        "divides by n - 1 like the lesson's formula.")
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
    found_corr = found_cov / np.sqrt(np.outer(found_var, found_var))
    corr = cov / np.outer(std, std)
    off = ~np.eye(len(cov), dtype=bool)
    if np.all(np.abs(np.abs(found_corr[off]) - 1) < 0.02):
        raise Incorrect("Every pair of code units in your samples is perfectly correlated "
                        f"({np.round(found_corr[0, 1], 3)}): you drew one random number per "
                        "sample and used it for every unit. Draw one per unit and sample: "
                        "`rng.multivariate_normal(mean, cov, size=n)`.")
    if abs(found_corr[0, 1]) < 0.1 and abs(corr[0, 1]) > 0.5:
        raise Incorrect(f"Code units 1 and 2 have correlation {corr[0, 1]:.2f} in the codes but "
                        f"{found_corr[0, 1]:.2f} in your samples: you sampled each unit on its own "
                        "(a diagonal covariance). Use the full covariance `np.cov(codes, "
                        "rowvar=False)` with `rng.multivariate_normal`.")
    if np.max(np.abs(found_cov - cov) / np.outer(std, std)) > 0.1:
        raise Incorrect("The covariance of your samples differs from the codes' covariance: "
                        f"expected\n{np.round(cov, 3)}\nfound\n{np.round(found_cov, 3)}.")
    return float(found_corr[0, 1])


def _check_sample_codes(sample_codes) -> str:
    fn = require_function(sample_codes, "sample_codes")
    found_corr = 0.0
    for codes, n, seed in _sample_cases():
        samples = _call_sample_codes(fn, codes, n, seed)
        corr = _check_sample_statistics(codes, samples)
        found_corr = corr if codes.shape[1] == 3 else found_corr
    codes = _training_codes()
    first = _call_sample_codes(fn, codes, 5, 1)
    again = _call_sample_codes(fn, codes, 5, 1)
    other = _call_sample_codes(fn, codes, 5, 2)
    _call_sample_codes(fn, codes, 7, 1)  # any n, not only the ones above
    if not np.allclose(first, again):
        raise Incorrect("Two calls with the same seed gave different samples: draw them with "
                        "`np.random.default_rng(seed)`.")
    if np.allclose(first, other):
        raise Incorrect("Seeds 1 and 2 gave the same samples: use the `seed` argument, "
                        "`np.random.default_rng(seed)`.")
    return (f"{SAMPLE_N:,} samples with the codes' mean, variances (n - 1 in the covariance, "
            f"checked on 6 codes) and correlations (units 1 and 2: {found_corr:.2f}), any n, "
            "reproducible by seed.")


# -- judge_codes ---------------------------------------------------------------------------------
CODE_LABELS = ("fits", "wrong scale", "off support")


@functools.cache
def code_cases() -> tuple[tuple[str, str, np.ndarray, np.ndarray, np.ndarray], ...]:
    """(description, true label, samples, codes, validation codes): code clouds unlike the
    lesson's (6 units, curved, a much smaller scale), sample sets of every kind."""
    rng = np.random.default_rng(616)
    mixing = rng.normal(size=(6, 6)) * np.array([0.3, 0.15, 0.25, 0.1, 0.2, 0.35])

    def draw(n):  # one curved, correlated cloud: not a Gaussian, on a small scale
        z = rng.normal(size=(n, 6))
        z[:, 1] += 0.4 * z[:, 0] ** 2
        return z @ mixing + 2.0

    codes, val = draw(1500), draw(400)
    mean = codes.mean(axis=0)
    low, high = codes.min(axis=0), codes.max(axis=0)
    cases = [
        ("fresh codes from the same distribution", "fits", draw(400)),
        ("fresh codes, only 250 of them", "fits", draw(250)),
        ("fresh codes pulled to a fifth of their spread", "wrong scale", mean + 0.2 * (draw(400)
                                                                                    - mean)),
        ("fresh codes pulled to a third of their spread", "wrong scale",
         mean + 0.33 * (draw(400) - mean)),
        ("uniform codes in the box of the codes", "off support",
         rng.uniform(low, high, size=(400, 6))),
        ("fresh codes shifted by 1.5 along every unit", "off support", draw(400) + 1.5),
        ("fresh codes spread to 3 times their spread", "off support", mean + 3.0 * (draw(400)
                                                                                    - mean)),
    ]
    out = []
    for i, (name, label, samples) in enumerate(cases):
        dtype = np.float32 if i % 2 else np.float64
        out.append((name, label, samples.astype(dtype), codes.astype(dtype), val.astype(dtype)))
    return tuple(out)


def _code_numbers(samples, codes, val) -> str:
    from ..latent import nearest_distances, spread_ratio

    base = np.median(nearest_distances(val, codes))
    back = np.median(nearest_distances(codes, val))
    support = np.median(nearest_distances(samples, codes)) / base
    reverse = np.median(nearest_distances(codes, samples)) / back
    return (f"median distance to the nearest code {support:.2f} times the validation codes', "
            f"from the codes back to the samples {reverse:.2f} times, spread ratio "
            f"{spread_ratio(samples, codes):.2f}")


CODE_ADVICE = {
    ("wrong scale", "fits"): "A support test (how close each sample is to a code) passes it: "
    "the samples sit inside the cloud. It cannot see the scale; the spread ratio, or the "
    "distance from the codes back to the samples, can.",
    ("wrong scale", "off support"): "Its samples are as close to the codes as validation codes "
    "(or closer), so it is on the support; what is wrong is the spread.",
    ("off support", "fits"): "Its samples lie far from every code, compared with validation "
    "codes. Compare with the validation codes' distance, not with a fixed number: code clouds "
    "come in every scale.",
    ("off support", "wrong scale"): "Its samples lie far from every code, compared with the "
    "validation codes' distance (use that yardstick, not a fixed number: code clouds come in "
    "every scale). Judge support first, and call a set 'off support' when it fails that, "
    "whatever its spread.",
    ("fits", "wrong scale"): "Fresh codes from the same distribution have a spread ratio near 1 "
    "and lie as close to the codes as validation codes: your limits are too tight, or fixed "
    "numbers tuned to the lesson's scale.",
    ("fits", "off support"): "Fresh codes from the same distribution lie as close to the codes "
    "as validation codes: your limits are too tight, or fixed numbers tuned to the lesson's "
    "scale.",
}


def _check_judge_codes(judge_codes) -> str:
    fn = require_function(judge_codes, "judge_codes")
    said = set()
    for i, (name, truth, samples, codes, val) in enumerate(code_cases()):
        given = samples.copy()
        if i == 2:  # a TensorFlow tensor too, as a model's encoder returns
            import tensorflow as tf

            given = tf.constant(samples)
        shown = f"judge_codes(samples, codes, val_codes) for '{name}'"
        value = call_learner(fn, given, codes.copy(), val.copy(), name=shown)
        if value is None:
            require_number(None, shown)
        if not isinstance(value, str) or value.strip().lower() not in CODE_LABELS:
            what = repr(value) if isinstance(value, str) else describe(value)
            raise Incorrect(f"{shown} returned {what}; return one of the strings "
                            f"{', '.join(map(repr, CODE_LABELS))}.")
        found = value.strip().lower()
        said.add(found)
        if found != truth:
            raise Incorrect(f"On a code cloud you have not seen (6 units, curved, a much "
                            f"smaller scale than the lesson's): '{name}' ("
                            f"{_code_numbers(samples, codes, val)}) is '{truth}'; your rule "
                            f"said '{found}'. {CODE_ADVICE[truth, found]}")
    return (f"All {len(code_cases())} sample sets on an unseen code cloud judged correctly: "
            "support first, then scale, each measured against the validation codes.")


# -- knn_precision -------------------------------------------------------------------------------
def _sorted_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import cdist

    return np.sort(cdist(points, centres), axis=1)


def _share_inside(points, centres, radii, *, strict: bool = False) -> float:
    from scipy.spatial.distance import cdist

    distances = cdist(points, centres)
    inside = distances < radii[None, :] if strict else distances <= radii[None, :]
    return float(inside.any(axis=1).mean())


def _lattice_case() -> tuple[np.ndarray, np.ndarray]:
    """Real points on a 5 x 5 integer grid; fake points inside, outside and exactly on the edge
    of a ball (integer coordinates: every distance method gives the same exact values)."""
    real = np.array([[i, j] for i in range(5) for j in range(5)], dtype=np.float32)
    fake = np.array([[-1, 2], [2, -1], [5, 1], [2, 5], [-1, -1], [5, 5], [6, 2], [2, 2],
                     [-2, 0], [0, 7], [7, 7], [3, 6]], dtype=np.float32)
    return real, fake


def _precision_cases():
    rng = np.random.default_rng(16)
    real = rng.normal(size=(300, 2))
    fake = rng.normal(size=(200, 2)) * [0.6, 1.8] + [1.0, 0.0]
    real3 = (rng.normal(size=(250, 3)) * [1.0, 2.0, 0.5]).astype(np.float32)
    fake3 = (rng.normal(size=(150, 3)) * 1.3 + [0.5, 0.5, 0.0]).astype(np.float32)
    lattice_real, lattice_fake = _lattice_case()
    return [(real, fake, 3), (real3, fake3, 5), (lattice_real, lattice_fake, 2)]


def _precision_mistakes(real, fake, k):
    from ..generation import density_coverage, precision_recall

    own = _sorted_distances(real, real)  # column 0 is each point itself
    across = _sorted_distances(real, fake)
    mistakes = [
        (precision_recall(real, fake, k=k).recall, "That is the *recall*: real and fake are "
         "swapped. Precision asks how many fake points fall inside the real points' k-NN balls."),
        (_share_inside(fake, real, own[:, k], strict=True), "A fake point exactly on the edge of "
         "a ball (distance equal to the radius) counts as inside: use `<=`, not `<`."),
        (_share_inside(fake, real, own[:, k - 1]), "Each real point was counted as its own "
         "nearest neighbour (distance 0), so the radii are one neighbour too short: the radius is "
         "column k of the sorted distances, column 0 being the point itself."),
        (_share_inside(fake, real, own[:, k + 1]), "The radii reach the (k+1)-th neighbour: one "
         "too far. With the point itself in column 0, the k-th neighbour is column k."),
        (_share_inside(fake, real, across[:, k - 1]), "The radii come from the wrong set: each "
         "real point's radius is the distance to its k-th nearest *real* neighbour, not to the "
         "k-th nearest fake point."),
        (_share_inside(fake, real, across[:, k]), "The radii come from the wrong set: each real "
         "point's radius is the distance to its k-th nearest *real* neighbour, not to a fake "
         "point."),
        (float(np.mean(_sorted_distances(fake, real)[:, 0] <= own[:, k].mean())),
         "You used one radius (the mean) for every ball; each real point has its own radius."),
        (density_coverage(real, fake, k=k).density, "That is the *density* (balls containing "
         "each fake point, divided by k): precision asks only whether a fake point lies in at "
         "least one ball, `.any(axis=1)`."),
    ]
    if k != 3:
        mistakes.append((_share_inside(fake, real, own[:, 3]), f"Your result is the precision "
                         f"for k = 3, but the check passed k = {k}: use the `k` argument."))
    return mistakes


def _check_knn_precision(knn_precision) -> str:
    from ..generation import precision_recall

    fn = require_function(knn_precision, "knn_precision")
    for real, fake, k in _precision_cases():
        shown = f"knn_precision(real, fake, k={k})"
        found = require_number(call_learner(fn, real.copy(), fake.copy(), k, name=shown), shown)
        expected = precision_recall(real, fake, k=k).precision
        if np.isclose(found, expected, atol=1e-9):
            continue
        lattice = " (points on an integer grid, some fake points exactly on a ball's edge)"
        explain_mismatch(
            found, _precision_mistakes(real, fake, k), rtol=1e-9, atol=1e-9,
            prefix=f"With k={k} on {len(real)} real and {len(fake)} fake {real.dtype} points"
            f"{lattice if len(real) == 25 else ''}: expected {expected:.4f}, found {found:.4f}.",
            otherwise="Radius of each real point: distance to its k-th nearest other real point. "
            "Precision: the share of fake points within (<=) the radius of at least one real "
            "point.",
        )
    return ("Matches course_utils.generation.precision_recall(real, fake, k).precision for "
            "k = 3, 5 and 2, float64 and float32, and fake points exactly on a ball's edge.")


# -- modes_covered -------------------------------------------------------------------------------
COVERAGE_CASES = (
    ((50, 40, 30, 30, 20, 10, 10, 6, 4, 0), 0.05),  # digits 5 and 6 have exactly 5 %
    ((20, 20, 20, 20, 10, 5, 3, 2, 0, 0), 0.1),  # digit 4 has exactly 10 %
    ((30, 25, 20, 15, 12, 10, 7, 6, 5, 0), 0.05),  # 130 samples: 5 % is 6.5 samples
)


def _check_modes_covered(modes_covered) -> str:
    fn = require_function(modes_covered, "modes_covered")
    rng = np.random.default_rng(3)
    for case, (counts, min_share) in enumerate(COVERAGE_CASES):
        digits = rng.permutation(np.repeat(np.arange(10), counts))
        given = digits.tolist() if case == 1 else digits.astype(np.int32 if case else np.int64)
        kind = "a list" if case == 1 else f"a NumPy {given.dtype} array"
        shown = f"modes_covered(digits, min_share={min_share})"
        found = require_number(call_learner(fn, given, min_share, name=shown), shown)
        counts = np.asarray(counts)
        n = counts.sum()
        shares = counts / n
        expected = int((shares >= min_share).sum())
        if np.isclose(found, expected):
            continue
        table = ", ".join(f"{d}: {c}" for d, c in enumerate(counts))
        prefix = (f"For {n} samples ({kind}) with digit counts {{{table}}} and min_share="
                  f"{min_share}: expected {expected}, found {found:g}.")
        floor_count = int(min_share * n)
        mistakes = [
            ((counts > 0).sum(), "That is the number of digits with *any* sample (a count compared "
             "with min_share gives the same: any count beats a share): compare each digit's "
             "*share*, count / number of samples, with min_share."),
            ((shares > min_share).sum(), "A digit whose share equals min_share exactly counts as "
             "covered: use >=, not >."),
            ((counts >= floor_count).sum(), f"min_share x {n} = {min_share * n:g} samples, and "
             f"you rounded it down to {floor_count}: a digit with {floor_count} samples has a "
             f"share of {floor_count / n:.3f}, below {min_share}. Compare shares (count / "
             "number of samples >= min_share) and nothing needs rounding."),
            ((shares >= 0.05).sum(), f"That is the answer for min_share = 0.05; the check "
             f"passed min_share = {min_share}: use the argument."),
            (expected / 10, "That is the *fraction* of the 10 digits covered; return how many "
             "digits are covered."),
        ]
        explain_mismatch(found, mistakes, rtol=1e-9, prefix=prefix,
                          otherwise="Count the digits 0-9 whose share of the samples is at least "
                          "min_share.")
    return ("Counts the digits whose share is at least min_share, with shares exactly on the "
            "threshold, a min_share that is not a whole number of samples, lists and arrays.")


# -- diagnose ------------------------------------------------------------------------------------
LABELS = ("real-like", "mode-dropped", "noisy")
SCORE_KEYS = ("frechet_distance", "precision", "recall", "density", "coverage")


@functools.cache
def unseen_sets() -> tuple[tuple[str, str, dict[str, float]], ...]:
    """(description, true label, generation scores) of image sets the lesson never shows.

    The reference is another 1,000 training images than the lesson's; the sets use other images,
    other noise levels, other blur widths and other missing digits than its calibration sets.
    """
    from ..data import load_mnist
    from ..features import mnist_features
    from ..generation import blur, generation_scores

    mnist = load_mnist(full=False)  # the bundled subset, whatever COURSE_DATA says
    reference = mnist_features(mnist.x_train[1000:2000])
    pool = np.concatenate([mnist.x_train[2000:], mnist.x_test])
    labels = np.concatenate([mnist.y_train[2000:], mnist.y_test])
    order = np.random.default_rng(606).permutation(len(pool))
    pool, labels = pool[order], labels[order]
    pool_features = mnist_features(pool)  # real images: features computed once
    rng = np.random.default_rng(6060)
    first, second = pool[:1000], pool[1000:2000]

    def keep(digits):
        return pool_features[np.isin(labels, digits)][:1000]

    def noisy(images, sd):
        return mnist_features(np.clip(images + rng.normal(0, sd, images.shape), 0, 1))

    sets = [
        ("real images, set A", "real-like", pool_features[:1000]),
        ("real images, set B", "real-like", pool_features[1000:2000]),
        ("digits with noise of sd 0.2", "noisy", noisy(first, 0.2)),
        ("digits with noise of sd 0.4", "noisy", noisy(second, 0.4)),
        ("digits blurred by sigma 1", "noisy", mnist_features(blur(first, 1.0))),
        ("digits blurred by sigma 2", "noisy", mnist_features(blur(second, 2.0))),
        ("pure noise images", "noisy", mnist_features(np.clip(rng.normal(0.4, 0.3, first.shape),
                                                              0, 1))),
        ("only the digits 5-9", "mode-dropped", keep([5, 6, 7, 8, 9])),
        ("only the even digits", "mode-dropped", keep([0, 2, 4, 6, 8])),
        ("seven digits (4, 6, 8 missing)", "mode-dropped", keep([0, 1, 2, 3, 5, 7, 9])),
        ("only the digits 3, 4 and 5", "mode-dropped", keep([3, 4, 5])),
    ]
    return tuple((name, label, generation_scores(reference, features))
                 for name, label, features in sets)


CONFUSION_ADVICE = {
    ("noisy", "mode-dropped"): "Both lose recall. Dropping digits lowers recall and coverage "
    "*together* (they stay close); noise and blur lower recall far more than coverage.",
    ("noisy", "real-like"): "Precision and density can stay high on noisy digits (the noisy "
    "images still sit inside real balls), so they cannot flag noise; recall can, and it is far "
    "below the ~0.9 of real images.",
    ("mode-dropped", "real-like"): "Every image is a realistic digit (precision and density as "
    "high as for real images), but recall and coverage are well below real images' ~0.9: part "
    "of the variety is missing.",
    ("mode-dropped", "noisy"): "Recall and coverage fell *together*, as when digits are missing; "
    "noise and blur lower recall much more than coverage.",
    ("real-like", "mode-dropped"): "Real images reach recall and coverage near 0.9 or above; "
    "your rule expects more than a set of 1,000 real images gives.",
    ("real-like", "noisy"): "Real images reach recall and coverage near 0.9 or above; your rule "
    "expects more than a set of 1,000 real images gives.",
}


def _label(value, shown: str) -> str:
    if value is None:
        require_number(None, shown)  # the stub: not attempted yet
    if not isinstance(value, str) or value.strip().lower() not in LABELS:
        what = repr(value) if isinstance(value, str) else describe(value)
        raise Incorrect(f"{shown} returned {what}; return one of the strings "
                        f"{', '.join(map(repr, LABELS))}.")
    return value.strip().lower()


def _check_diagnose(diagnose) -> str:
    fn = require_function(diagnose, "diagnose")
    wrong, said = [], set()
    for i, (name, truth, scores) in enumerate(unseen_sets()):
        kind = np.float32 if i % 2 else float  # both kinds of number a learner might see
        given = {key: kind(scores[key]) for key in SCORE_KEYS}
        shown = f"diagnose(scores of '{name}')"
        found = _label(call_learner(fn, given, name=shown), shown)
        said.add(found)
        if found != truth:
            wrong.append((name, truth, found, scores))
    if not wrong:
        return (f"All {len(unseen_sets())} unseen sets diagnosed correctly: real images, noise "
                "and blur of other strengths, and other missing digits than the lesson's.")
    if len(said) == 1:
        raise Incorrect(f"Your rule called all {len(unseen_sets())} unseen sets '{said.pop()}': "
                        "one label for everything cannot tell the three kinds apart. Compare the "
                        "scores of the calibration sets above, kind by kind.")
    name, truth, found, s = wrong[0]
    numbers = ", ".join(f"{key.replace('frechet_distance', 'FD')} {s[key]:.3g}"
                        for key in SCORE_KEYS)
    others = (f" ({len(wrong) - 1} other unseen set{'s' if len(wrong) > 2 else ''} also "
              "misdiagnosed.)" if len(wrong) > 1 else "")
    raise Incorrect(f"{len(wrong)} of {len(unseen_sets())} sets you have not seen were "
                    f"misdiagnosed. '{name}' ({numbers}) is {truth}; your rule said {found}. "
                    f"{CONFUSION_ADVICE[truth, found]}{others}")


# -- temperature ---------------------------------------------------------------------------------
def _features(rng, n: int, cov: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return rng.multivariate_normal(mean, cov, size=n)


@functools.cache
def _temperature_cases():
    """(temperatures, sampler, validation features, test features): synthetic 4-D features whose
    validation and test sets favour different temperatures, so a choice made on test shows."""
    rng = np.random.default_rng(66)
    mixing = rng.normal(size=(4, 4))
    cov = mixing @ mixing.T / 4 + 0.2 * np.eye(4)
    mean = np.array([1.0, -0.5, 0.0, 2.0])
    base = np.random.default_rng(7).standard_normal((400, 4)) @ np.linalg.cholesky(cov).T

    def sampler(kind, cap=None):
        def sample_features(t):
            t = float(t) if cap is None else min(float(t), cap)
            x = mean + np.sqrt(t) * base
            if kind == "tf":
                import tensorflow as tf

                return tf.constant(x, dtype=tf.float32)
            return x.astype(kind)
        return sample_features

    return [
        ((0.5, 1.0, 2.0, 4.0, 8.0, 16.0), sampler(np.float64),
         _features(rng, 500, 2.0 * cov, mean), _features(rng, 500, 7.0 * cov, mean)),
        ((3.0, 0.75, 12.0, 1.5, 6.0), sampler(np.float32),
         _features(rng, 500, 6.0 * cov, mean).astype(np.float32),
         _features(rng, 500, 1.5 * cov, mean).astype(np.float32)),
        ((1.0, 2.0, 4.0, 8.0), sampler("tf", cap=2.0),  # 2, 4 and 8 give the same samples
         _features(rng, 500, 8.0 * cov, mean), _features(rng, 500, 8.0 * cov, mean)),
    ]


def _fd_table(sample, temperatures, features) -> dict[float, float]:
    from ..generation import frechet_distance

    return {float(t): frechet_distance(features, np.asarray(sample(t))) for t in temperatures}


def _check_temperature(choose_temperature) -> str:
    fn = require_function(choose_temperature, "choose_temperature")
    for temperatures, sample, val, test in _temperature_cases():
        shown = f"choose_temperature(sample_features, {temperatures}, val_features, test_features)"
        result = call_learner(fn, sample, temperatures, val, test, name=shown)
        if result is None:
            require_number(None, shown)
        if isinstance(result, (str, bytes, dict)) or np.ndim(result) != 1 or len(result) != 2:
            raise Incorrect(f"{shown} should return two numbers, (temperature, test Fréchet "
                            f"distance); found {describe(result)}.")
        t = require_number(result[0], "the chosen temperature")
        reported = require_number(result[1], "the reported test Fréchet distance")
        val_fd = _fd_table(sample, temperatures, val)
        test_fd = _fd_table(sample, temperatures, test)
        best = min(val_fd, key=val_fd.get)  # the first one on a tie
        table = ", ".join(f"{k:g}: {v:.3g}" for k, v in val_fd.items())
        prefix = f"For temperatures {temperatures} (validation FD {table}):"
        if not any(np.isclose(t, x) for x in temperatures):
            if float(t).is_integer() and 0 <= t < len(temperatures) and np.isclose(
                    temperatures[int(t)], best):
                raise Incorrect(f"{prefix} you returned {t:g}, the *position* of the best "
                                f"temperature in the list; return the temperature itself, "
                                f"{best:g}.")
            raise Incorrect(f"{prefix} you returned T = {t:g}, which is not one of the "
                            "temperatures passed in. Loop over the `temperatures` argument; do "
                            "not hard-code a grid.")
        tied = [x for x in val_fd if np.isclose(val_fd[x], val_fd[best], rtol=1e-12)]
        if not np.isclose(t, best):
            test_best = min(test_fd, key=test_fd.get)
            if len(tied) > 1 and any(np.isclose(t, x) for x in tied):
                raise Incorrect(f"{prefix} temperatures {tied} tie for the smallest validation "
                                f"FD; keep the first one in the list, {best:g} (you returned "
                                f"{t:g}). `min(fd, key=fd.get)` and `np.argmin` do that; a loop "
                                "with `<=` keeps the last.")
            if np.isclose(t, test_best):
                raise Incorrect(f"{prefix} the smallest validation FD is at T = {best:g}, but you "
                                f"returned {t:g}, the best on the *test* features. Choose on the "
                                "validation features; the test set only reports the chosen "
                                "temperature, once.")
            if np.isclose(t, max(val_fd, key=val_fd.get)):
                raise Incorrect(f"{prefix} you returned the temperature with the *largest* "
                                f"validation FD; lower is better: {best:g}.")
            raise Incorrect(f"{prefix} the smallest validation FD is at T = {best:g}; you "
                            f"returned {t:g}.")
        expected = test_fd[best]
        if np.isclose(reported, expected, rtol=1e-4):
            continue
        if np.isclose(reported, val_fd[best], rtol=1e-4):
            raise Incorrect(f"{prefix} you reported {reported:.4g}, the *validation* FD of "
                            f"T = {best:g}. Report the test FD of the chosen temperature "
                            f"({expected:.4g}): the validation FD was used to choose, so it is "
                            "optimistic.")
        if np.isclose(reported, min(test_fd.values()), rtol=1e-4):
            raise Incorrect(f"{prefix} you reported {reported:.4g}, the best test FD over all "
                            f"temperatures: that chooses on the test set after all. Report the "
                            f"test FD of the temperature chosen on validation ({expected:.4g}).")
        raise Incorrect(f"{prefix} the test FD of T = {best:g} is {expected:.4g}; you reported "
                        f"{reported:.4g}. Compute `frechet_distance(test_features, "
                        "sample_features(T))` once, for the chosen T.")
    return ("Chooses the temperature with the smallest validation FD (the first one on a tie, "
            "any grid, NumPy or TensorFlow samples) and reports its test FD once.")


sample_codes = Exercise(
    lesson=LESSON,
    name="sample_codes",
    title="new codes from a Gaussian fitted to the codes",
    checker=_check_sample_codes,
    hints=[
        "Fit: the mean of each code unit (axis=0) and the full covariance matrix, (units, "
        "units). Then draw n codes from N(mean, covariance), with a generator made from `seed`.",
        "`np.cov(codes, rowvar=False)` divides by n - 1 (the lesson's formula); "
        "`np.random.default_rng(seed).multivariate_normal(mean, cov, size=n)` takes the "
        "covariance, not standard deviations, and draws a new vector for every sample.",
        "`rng = np.random.default_rng(seed); return rng.multivariate_normal(codes.mean(axis=0), "
        "np.cov(codes, rowvar=False), size=n)`",
    ],
)

judge_codes = Exercise(
    lesson=LESSON,
    name="judge_codes",
    title="fits, wrong scale or off support? Sample codes judged against validation codes",
    checker=_check_judge_codes,
    hints=[
        "Measure every set the way the lesson did: the median distance from each sample to the "
        "nearest code, the median distance from each code to the nearest sample, and the "
        "spread ratio. Divide the distances by the validation codes' own distances.",
        "Support first: a set whose samples lie much farther from the codes than validation "
        "codes do (say more than twice as far) is off support. A set that passes support can "
        "still have the wrong spread: look at the spread ratio or the distance back.",
        "`s = np.median(nearest_distances(samples, codes)) / np.median(nearest_distances("
        "val_codes, codes))`; off support if s > 2; wrong scale if the spread ratio is outside "
        "0.5-2 or the distance back is more than twice the validation codes'; else fits.",
    ],
)

knn_precision = Exercise(
    lesson=LESSON,
    name="knn_precision",
    title="k-NN precision (Kynkäänniemi et al. 2019)",
    checker=_check_knn_precision,
    hints=[
        "Two steps: a radius for each *real* point (distance to its k-th nearest real "
        "neighbour), then the share of *fake* points inside (<=) at least one real ball.",
        "`np.sort(cdist(real, real), axis=1)[:, k]`: column 0 is each point's distance to "
        "itself (0), so the k-th neighbour is column k. A point exactly on the edge is inside.",
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
        "digit counts when its share is >= min_share. Compare shares, not rounded counts.",
        "`shares = np.bincount(np.asarray(digits), minlength=10) / len(digits); return "
        "int((shares >= min_share).sum())`",
    ],
)

diagnose = Exercise(
    lesson=LESSON,
    name="diagnose",
    title="real-like, mode-dropped or noisy? A rule checked on unseen sets",
    checker=_check_diagnose,
    hints=[
        "Print the five scores of every calibration set side by side. Which numbers separate "
        "real images from the rest? Which separate dropped digits from noisy or blurred ones?",
        "Precision and density stay high for noisy digits. Compare recall with coverage: "
        "dropping digits lowers both about equally, noise and blur lower recall much more.",
        "For example: real-like if recall and coverage are both >= 0.8; otherwise noisy if "
        "recall < 0.75 * coverage; otherwise mode-dropped.",
    ],
)

temperature = Exercise(
    lesson=LESSON,
    name="temperature",
    title="a sampling temperature chosen on validation, reported once on test",
    checker=_check_temperature,
    hints=[
        "Compute `frechet_distance(val_features, sample_features(t))` for every t in "
        "`temperatures`; choose the t with the smallest value.",
        "`fd = {t: ... for t in temperatures}; best = min(fd, key=fd.get)` keeps the first t "
        "on a tie. Only then touch `test_features`, once.",
        "`return best, frechet_distance(test_features, sample_features(best))`",
    ],
)


EXERCISES = (
    sample_codes,
    judge_codes,
    knn_precision,
    modes_covered,
    diagnose,
    temperature,
)
