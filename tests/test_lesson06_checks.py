"""Lesson 06 checks: reference answers pass, typical mistakes get specific feedback."""

import re

import keras
import numpy as np
import pytest
from scipy import linalg
from scipy.spatial.distance import cdist

from course_utils.checks import Outcome
from course_utils.checks import lesson06 as checks
from course_utils.data import load_mnist, validation_split
from course_utils.generation import frechet_distance
from course_utils.latent import GaussianCodes
from course_utils.models import dense_autoencoder


# -- reference answers and their typical mistakes ------------------------------------------------
def frechet(a, b, *, factor=2.0, square=True, ddof=1, rowvar=False, real=True):
    diff = a.mean(axis=0) - b.mean(axis=0)
    c_a, c_b = np.cov(a, rowvar=rowvar, ddof=ddof), np.cov(b, rowvar=rowvar, ddof=ddof)
    root = linalg.sqrtm(c_a @ c_b)
    root = root.real if real else root.astype(complex) + 1e-3j
    mean_term = diff @ diff if square else np.sqrt(diff @ diff)
    return mean_term + np.trace(c_a) + np.trace(c_b) - factor * np.trace(root)


def frechet_of_stds(a, b):
    diff = a.mean(axis=0) - b.mean(axis=0)
    std_diff = a.std(axis=0, ddof=1) - b.std(axis=0, ddof=1)
    return diff @ diff + std_diff @ std_diff


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
    return rng.multivariate_normal(mean, cov, size=n)


def precision(real, fake, k, *, column=None, radii_from="real", swap=False):
    if swap:
        real, fake = fake, real
    others = real if radii_from == "real" else fake
    radii = np.sort(cdist(real, others), axis=1)[:, k if column is None else column]
    return (cdist(fake, real) <= radii[None, :]).any(axis=1).mean()


def coverage(digits, min_share, *, strict=False, any_sample=False, fraction=False):
    counts = np.bincount(np.asarray(digits), minlength=10)
    if any_sample:
        return int((counts > 0).sum())
    shares = counts / counts.sum()
    covered = (shares > min_share) if strict else (shares >= min_share)
    return covered.sum() / 10 if fraction else int(covered.sum())


def coverage_of_counts(digits, min_share):
    return int((np.bincount(np.asarray(digits), minlength=10) >= min_share).sum())


def _outcome(exercise, *answer):
    return exercise.evaluate(*answer)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.frechet, frechet),
        (checks.frechet, frechet_distance),  # the library itself is fine
        (checks.sample_codes, sample),
        (checks.sample_codes, lambda c, n, seed=0: GaussianCodes.fit(c).sample(n, seed=seed)),
        (checks.knn_precision, precision),
        (checks.modes_covered, coverage),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.frechet, lambda a, b: frechet(a, b, factor=1.0), "factor 2"),
        (checks.frechet, lambda a, b: frechet(a, b, factor=-2.0), "sign"),
        (checks.frechet, lambda a, b: frechet(a, b, square=False), "needs its square"),
        (checks.frechet, frechet_of_stds, "standard-deviation vectors"),
        (checks.frechet, lambda a, b: frechet(a, b, ddof=0), "divide by n - 1"),
        (checks.frechet, lambda a, b: frechet(a, b, rowvar=True), "rowvar=False"),
        (checks.frechet, lambda a, b: frechet(a, b, real=False), "real part"),
        (checks.frechet, lambda a, b: frechet(a, b) - frechet(a, b, factor=0) + np.trace(
            np.cov(a, rowvar=False)) + np.trace(np.cov(b, rowvar=False)), "mean term"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="diagonal"),
         "diagonal covariance"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="std as variance"),
         "standard deviation"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="variance as scale"),
         "squares of the codes' variances"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="no mean"),
         "add the codes' mean"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="wrong axis"),
         "one column per \\*image\\*"),
        (checks.sample_codes,
         lambda c, n, seed=0: sample(c, n, seed, kind="wrong axis, mean right"), "wrong axis"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="resampled"),
         "copies of the training codes"),
        (checks.sample_codes, lambda c, n, seed=0: sample(c, n, seed, kind="unseeded"),
         "same seed gave different"),
        (checks.knn_precision, lambda r, f, k: precision(r, f, k, column=k - 1),
         "its own nearest neighbour"),
        (checks.knn_precision, lambda r, f, k: precision(r, f, k, column=k + 1), "one too far"),
        (checks.knn_precision, lambda r, f, k: precision(r, f, k, swap=True), "recall"),
        (checks.knn_precision, lambda r, f, k: precision(r, f, k, radii_from="fake",
                                                         column=k - 1), "wrong set"),
        (checks.modes_covered, lambda d, s: coverage(d, s, any_sample=True), "any"),
        (checks.modes_covered, coverage_of_counts, "share"),
        (checks.modes_covered, lambda d, s: coverage(d, s, strict=True), "use >="),
        (checks.modes_covered, lambda d, s: coverage(d, s, fraction=True), "fraction"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert re.search(words, feedback.message), feedback.message


# -- temperature: needs a trained autoencoder ----------------------------------------------------
@pytest.fixture(scope="module")
def trained_ae():
    mnist = load_mnist(full=False)
    x_fit, _ = validation_split(mnist.x_train, seed=0)
    keras.utils.set_random_seed(1)
    model = dense_autoencoder(16, hidden=(128,))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse", steps_per_execution=32)
    model.fit(x_fit, x_fit, epochs=8, batch_size=100, verbose=0)
    return model


@pytest.fixture(scope="module", autouse=True)
def measure_each_temperature_once():
    """The check measures the whole grid on every call; the measurement is deterministic (seeded
    samples, deterministic features), so the module measures each (model, temperature) once and
    every check call still sees exactly the values it would compute itself."""
    measure, seen = checks.held_out_frechet, {}

    def cached(model, temperatures):
        missing = [t for t in temperatures if (id(model), float(t)) not in seen]
        if missing:
            for t, value in measure(model, missing).items():
                seen[id(model), t] = value
        return {float(t): seen[id(model), float(t)] for t in temperatures}

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(checks, "held_out_frechet", cached)
        yield


@pytest.fixture(scope="module")
def grid_scores(trained_ae):
    return checks.held_out_frechet(trained_ae, checks.TEMPERATURE_GRID)


def test_the_best_temperature_on_the_grid_is_correct(trained_ae, grid_scores):
    best = min(grid_scores, key=grid_scores.get)
    feedback = _outcome(checks.temperature, best, trained_ae)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_wrong_temperatures_get_specific_feedback(trained_ae, grid_scores):
    best = min(grid_scores, key=grid_scores.get)
    coldest, hottest = min(grid_scores), max(grid_scores)
    # chosen by precision (always the coldest), by recall (always the hottest)
    assert grid_scores[coldest] > 1.1 * grid_scores[best]
    assert grid_scores[hottest] > 1.1 * grid_scores[best]
    for answer, words in ((coldest, "Too cold"), (hottest, "Too hot"), (0.0, "positive"),
                          (grid_scores[coldest], "Fréchet distance instead")):
        feedback = _outcome(checks.temperature, answer, trained_ae)
        assert feedback.outcome is Outcome.INCORRECT, (answer, feedback)
        assert words in feedback.message, feedback.message
    if grid_scores[1.0] > 1.1 * grid_scores[best]:  # the untuned default, when it is off
        feedback = _outcome(checks.temperature, 1, trained_ae)
        assert "T = 1 is the fitted Gaussian" in feedback.message, feedback.message


def test_the_temperature_check_needs_an_autoencoder():
    feedback = _outcome(checks.temperature, 2.0, keras.Sequential([keras.Input((3,)),
                                                                   keras.layers.Dense(2)]))
    assert feedback.outcome is Outcome.INCORRECT
    assert "encoder" in feedback.message
