"""Lesson 06 checks: reference answers pass (NumPy and TensorFlow, float32 and float64), and
realistic mistakes get specific feedback."""

import re

import numpy as np
import pytest
import tensorflow as tf
from scipy.spatial.distance import cdist
from sklearn.neighbors import NearestNeighbors

from course_utils.checks import Outcome
from course_utils.checks import lesson06 as checks
from course_utils.generation import frechet_distance
from course_utils.latent import GaussianCodes


def _correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def _incorrect(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message
    return feedback


# -- sample_codes --------------------------------------------------------------------------------
def sample(codes, n, seed=0, *, kind="full"):
    rng = np.random.default_rng(seed)
    mean, cov = codes.mean(axis=0), np.cov(codes, rowvar=False)
    if kind == "diagonal":
        return rng.normal(mean, np.sqrt(np.diag(cov)), size=(n, len(mean)))
    if kind == "std as variance":
        return rng.multivariate_normal(mean, np.diag(codes.std(axis=0)), size=n)
    if kind == "variance as scale":
        return rng.normal(mean, np.diag(cov), size=(n, len(mean)))
    if kind == "no mean":
        return rng.multivariate_normal(np.zeros_like(mean), cov, size=n)
    if kind == "wrong axis":
        return rng.multivariate_normal(codes.mean(axis=1), np.cov(codes), size=n)
    if kind == "wrong axis, mean right":
        return rng.multivariate_normal(mean, np.cov(codes), size=n)
    if kind == "resampled":
        return codes[rng.integers(0, len(codes), n)]
    if kind == "unseeded":
        return np.random.default_rng().multivariate_normal(mean, cov, size=n)
    if kind == "seed ignored":
        return np.random.default_rng(0).multivariate_normal(mean, cov, size=n)
    if kind == "population covariance":
        return rng.multivariate_normal(mean, np.cov(codes, rowvar=False, ddof=0), size=n)
    if kind == "one draw for all samples":
        return np.tile(rng.multivariate_normal(mean, cov), (n, 1))
    if kind == "one number for all units":
        return mean + rng.standard_normal((n, 1)) * np.sqrt(np.diag(cov))
    if kind == "n ignored":
        return rng.multivariate_normal(mean, cov, size=1000)
    return rng.multivariate_normal(mean, cov, size=n)


def sample_tf(codes, n, seed=0):
    """The same Gaussian in TensorFlow: Cholesky factor times standard normals."""
    x = tf.constant(codes, tf.float64)
    mean = tf.reduce_mean(x, axis=0)
    centred = x - mean
    cov = tf.transpose(centred) @ centred / (x.shape[0] - 1)
    z = tf.random.stateless_normal((n, x.shape[1]), seed=[seed, 6], dtype=tf.float64)
    return mean + z @ tf.transpose(tf.linalg.cholesky(cov))


@pytest.mark.parametrize("answer", [
    sample,
    lambda c, n, seed=0: GaussianCodes.fit(c).sample(n, seed=seed),  # float32 result
    sample_tf,
])
def test_sample_codes_accepts_correct_answers(answer):
    _correct(checks.sample_codes, answer)


@pytest.mark.parametrize(("kind", "words"), [
    ("diagonal", "diagonal covariance"),
    ("std as variance", "standard deviation"),
    ("variance as scale", "squares of the codes' variances"),
    ("no mean", "add the codes' mean"),
    ("wrong axis", r"one column per \*image\*"),
    ("wrong axis, mean right", "wrong axis"),
    ("resampled", "copies of the training codes"),
    ("unseeded", "same seed gave different"),
    ("seed ignored", "Seeds 1 and 2 gave the same"),
    ("population covariance", r"divides by n \(`np.var`"),
    ("one draw for all samples", "All your samples are the same code"),
    ("one number for all units", "perfectly correlated"),
    ("n ignored", "returned 1000 codes; it should return n"),
])
def test_sample_codes_mistakes(kind, words):
    _incorrect(checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind=kind), words)


# -- judge_codes ---------------------------------------------------------------------------------
def judge(samples, codes, val_codes, *, order="support first", use_spread=True, use_back=True,
          fixed=None, tight=False):
    from course_utils.latent import nearest_distances, spread_ratio

    samples = np.asarray(samples, dtype=np.float64)
    distance = np.median(nearest_distances(samples, codes))
    support = distance / np.median(nearest_distances(val_codes, codes))
    back = np.median(nearest_distances(codes, samples)) / np.median(
        nearest_distances(codes, val_codes))
    spread = spread_ratio(samples, codes)
    off = distance > fixed if fixed is not None else support > (1.005 if tight else 2)
    wrong = (use_spread and not 0.5 <= spread <= 2) or (use_back and back > 2)
    if order == "scale first" and wrong:
        return "wrong scale"
    if off:
        return "off support"
    return "wrong scale" if wrong else "fits"


def judge_tf(samples, codes, val_codes):
    """The same rule with TensorFlow distances, on float32."""
    def median_nearest(a, b):
        a = tf.cast(tf.convert_to_tensor(a), tf.float32)
        b = tf.cast(tf.convert_to_tensor(b), tf.float32)
        d = tf.reduce_min(tf.norm(a[:, None] - b[None], axis=-1), axis=1)
        return float(np.median(d.numpy()))

    support = median_nearest(samples, codes) / median_nearest(val_codes, codes)
    back = median_nearest(codes, samples) / median_nearest(codes, val_codes)
    samples = tf.cast(tf.convert_to_tensor(samples), tf.float32)
    spread = float(np.median(tf.math.reduce_std(samples, axis=0)
                             / tf.math.reduce_std(tf.cast(codes, tf.float32), axis=0)))
    if support > 2:
        return "off support"
    return "wrong scale" if not 0.5 <= spread <= 2 or back > 2 else "fits"


@pytest.mark.parametrize("answer", [judge, judge_tf, lambda *a: judge(*a).title()])
def test_judge_codes_accepts_correct_answers(answer):
    _correct(checks.judge_codes, answer)


@pytest.mark.parametrize(("options", "words"), [
    ({"use_spread": False, "use_back": False}, "A support test .* cannot see the scale"),
    ({"use_spread": False}, "is 'wrong scale'; your rule said 'fits'"),
    ({"order": "scale first"}, "Judge support first"),
    ({"fixed": 12.0}, "not (with )?a fixed number"),  # the lesson's scale: far too large here
    ({"tight": True}, "your limits are too tight"),
])
def test_judge_codes_mistakes(options, words):
    _incorrect(checks.judge_codes, lambda *a: judge(*a, **options), words)


def test_judge_codes_wants_a_label():
    _incorrect(checks.judge_codes, lambda *a: "scale", "return one of the strings")


# -- knn_precision -------------------------------------------------------------------------------
def precision(real, fake, k, *, column=None, radii_from="real", swap=False, strict=False):
    if swap:
        real, fake = fake, real
    others = real if radii_from == "real" else fake
    radii = np.sort(cdist(real, others), axis=1)[:, k if column is None else column]
    distances = cdist(fake, real)
    inside = distances < radii[None, :] if strict else distances <= radii[None, :]
    return inside.any(axis=1).mean()


def precision_sklearn(real, fake, k):
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(real).kneighbors(real)
    return float((cdist(fake, real) <= distances[:, k][None, :]).any(axis=1).mean())


def precision_tf(real, fake, k, dtype=tf.float64):
    r, f = tf.constant(real, dtype), tf.constant(fake, dtype)
    radii = tf.sort(tf.norm(r[:, None] - r[None], axis=-1), axis=1)[:, k]
    inside = tf.norm(f[:, None] - r[None], axis=-1) <= radii[None, :]
    return tf.reduce_mean(tf.cast(tf.reduce_any(inside, axis=1), dtype))


@pytest.mark.parametrize("answer", [
    precision,
    precision_sklearn,
    precision_tf,
    lambda r, f, k: precision_tf(r, f, k, tf.float32),
    lambda r, f, k: np.float32(precision(np.float32(r), np.float32(f), k)),
])
def test_knn_precision_accepts_correct_answers(answer):
    _correct(checks.knn_precision, answer)


@pytest.mark.parametrize(("answer", "words"), [
    (lambda r, f, k: precision(r, f, k, column=k - 1), "its own nearest neighbour"),
    (lambda r, f, k: precision(r, f, k, column=k + 1), "one too far"),
    (lambda r, f, k: precision(r, f, k, swap=True), "recall"),
    (lambda r, f, k: precision(r, f, k, radii_from="fake", column=k - 1), "wrong set"),
    (lambda r, f, k: precision(r, f, k, strict=True), "use `<=`, not `<`"),
    (lambda r, f, k: precision(r, f, 3), "use the `k` argument"),
    (lambda r, f, k: (cdist(f, r) <= np.sort(cdist(r, r), axis=1)[:, k]).sum(axis=1).mean() / k,
     "That is the \\*density\\*"),
    (lambda r, f, k: (cdist(f, r).min(axis=1) <= np.sort(cdist(r, r), axis=1)[:, k].mean()).mean(),
     "one radius \\(the mean\\)"),
])
def test_knn_precision_mistakes(answer, words):
    _incorrect(checks.knn_precision, answer, words)


# -- modes_covered -------------------------------------------------------------------------------
def coverage(digits, min_share, *, rule="share"):
    counts = np.bincount(np.asarray(digits), minlength=10)
    n = counts.sum()
    if rule == "any":
        return int((counts > 0).sum())
    if rule == "counts":
        return int((counts >= min_share).sum())
    if rule == "strict":
        return int((counts / n > min_share).sum())
    if rule == "floor":
        return int((counts >= int(min_share * n)).sum())
    if rule == "round":
        return int((counts >= round(min_share * n)).sum())
    if rule == "five percent":
        return int((counts / n >= 0.05).sum())
    if rule == "fraction":
        return (counts / n >= min_share).sum() / 10
    return int((counts / n >= min_share).sum())


@pytest.mark.parametrize("answer", [
    coverage,
    lambda d, s: np.int64(np.sum(np.bincount(d, minlength=10) >= np.ceil(s * len(d)))),
    lambda d, s: tf.reduce_sum(tf.cast(tf.math.bincount(tf.constant(d, tf.int32), minlength=10)
                                       / len(d) >= s, tf.int32)),
])
def test_modes_covered_accepts_correct_answers(answer):
    _correct(checks.modes_covered, answer)


@pytest.mark.parametrize(("rule", "words"), [
    ("any", "with \\*any\\* sample"),
    ("counts", "a count compared with min_share"),
    ("strict", "use >=, not >"),
    ("floor", "rounded it down to 6"),
    ("round", "rounded it down to 6"),  # round(6.5) is 6 in Python
    ("five percent", "min_share = 0.1: use the argument"),
    ("fraction", "\\*fraction\\*"),
])
def test_modes_covered_mistakes(rule, words):
    _incorrect(checks.modes_covered, lambda d, s: coverage(d, s, rule=rule), words)


# -- diagnose ------------------------------------------------------------------------------------
def diagnose(s):
    if s["recall"] >= 0.8 and s["coverage"] >= 0.8:
        return "real-like"
    if s["recall"] < 0.75 * s["coverage"]:
        return "noisy"
    return "mode-dropped"


def by_recall_only(s):  # fits the lesson's five sets, fails on milder noise
    if s["recall"] >= 0.8:
        return "real-like"
    return "noisy" if s["recall"] < 0.3 else "mode-dropped"


def by_precision_and_density(s):  # "noisy images look unrealistic"
    if s["precision"] < 0.8 or s["density"] < 0.8:
        return "noisy"
    return "real-like" if s["recall"] >= 0.8 else "mode-dropped"


def by_fd_only(s):
    if s["frechet_distance"] < 20:
        return "real-like"
    return "noisy" if s["frechet_distance"] > 200 else "mode-dropped"


def by_memorised_band(s):  # coverage band around the lesson's "five digits dropped"
    if 0.45 <= s["coverage"] <= 0.6 and s["recall"] > 0.4:
        return "mode-dropped"
    return "noisy" if s["recall"] < 0.3 else "real-like"


@pytest.mark.parametrize("answer", [diagnose, lambda s: diagnose(s).upper() + " "])
def test_diagnose_accepts_correct_answers(answer):
    _correct(checks.diagnose, answer)


@pytest.mark.parametrize(("answer", "words"), [
    (by_recall_only, "is noisy; your rule said mode-dropped. Both lose recall"),
    (by_precision_and_density, "is noisy; your rule said mode-dropped"),
    (by_fd_only, "is mode-dropped; your rule said noisy|is noisy; your rule said mode-dropped"),
    (by_memorised_band, "your rule said real-like"),
    (lambda s: "noisy", "one label for everything"),
    (lambda s: "dropped", "return one of the strings"),
    (lambda s: 1, "return one of the strings"),
])
def test_diagnose_mistakes(answer, words):
    _incorrect(checks.diagnose, answer, words)


def test_diagnose_rules_that_only_fit_the_lesson_are_caught_on_unseen_sets():
    """The wrong rules above are right on the lesson's calibration sets; the check's sets differ."""
    assert {label for _, label, _ in checks.unseen_sets()} == set(checks.LABELS)
    for name, label, scores in checks.unseen_sets():
        assert diagnose(scores) == label, (name, scores)


# -- temperature ---------------------------------------------------------------------------------
def choose(sample_features, temperatures, val, test, *, choose_on="val", report="test",
           use="min", tie="first", index=False, grid=None):
    temperatures = grid or temperatures
    fd_val = [frechet_distance(val, sample_features(t)) for t in temperatures]
    fd_test = [frechet_distance(test, sample_features(t)) for t in temperatures]
    fd = fd_val if choose_on == "val" else fd_test
    best = int(np.argmin(fd) if use == "min" else np.argmax(fd))
    if tie == "last":
        best = max(i for i, v in enumerate(fd) if v <= fd[best])
    reported = {"test": fd_test[best], "val": fd_val[best], "best test": min(fd_test)}[report]
    return (best if index else temperatures[best]), reported


def choose_tf(sample_features, temperatures, val, test):
    fds = tf.constant([frechet_distance(val, sample_features(t)) for t in temperatures])
    best = temperatures[int(tf.argmin(fds))]
    return np.float32(best), tf.constant(frechet_distance(test, sample_features(best)))


@pytest.mark.parametrize("answer", [
    choose,
    choose_tf,
    lambda *a: list(choose(*a)),
    lambda *a: np.array(choose(*a), dtype=np.float64),
])
def test_temperature_accepts_correct_answers(answer):
    _correct(checks.temperature, answer)


@pytest.mark.parametrize(("options", "words"), [
    ({"choose_on": "test"}, "best on the \\*test\\* features"),
    ({"report": "val"}, "the \\*validation\\* FD"),
    ({"report": "best test"}, "best test FD over all temperatures"),
    ({"index": True}, "the \\*position\\* of the best"),
    ({"grid": (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)}, "not one of the temperatures passed in"),
    ({"use": "max"}, "\\*largest\\*"),
    ({"tie": "last"}, "tie for the smallest validation FD; keep the first"),
])
def test_temperature_mistakes(options, words):
    _incorrect(checks.temperature, lambda *a: choose(*a, **options), words)


def test_temperature_wants_two_numbers():
    _incorrect(checks.temperature, lambda *a: choose(*a)[0], "should return two numbers")


# -- every check: bad input is feedback, never an exception ----------------------------------------
def _raises(*args, **kwargs):
    raise RuntimeError("learner bug")


@pytest.mark.parametrize("exercise", checks.EXERCISES, ids=lambda e: e.name)
@pytest.mark.parametrize(("answer", "outcome"), [
    (None, Outcome.NOT_ATTEMPTED),
    ("my answer", Outcome.INCORRECT),
    (lambda *a, **k: None, Outcome.NOT_ATTEMPTED),
    (lambda *a, **k: "done", Outcome.INCORRECT),
    (_raises, Outcome.RAISED),
])
def test_bad_input_gets_a_clear_outcome(exercise, answer, outcome):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert len(feedback.message) > 20
