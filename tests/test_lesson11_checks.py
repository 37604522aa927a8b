"""Lesson 11 checks: reference answers pass, typical mistakes get specific feedback."""

import numpy as np
import pytest
from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

from course_utils import disentanglement
from course_utils.checks import Outcome
from course_utils.checks import lesson11 as checks


# -- discretize ----------------------------------------------------------------------------------
def discretize(codes, bins, inner=lambda e: e[1:-1], per_unit=True):
    codes = np.asarray(codes)
    if not per_unit:
        return np.digitize(codes, inner(np.histogram_bin_edges(codes, bins)))
    return np.stack([np.digitize(c, inner(np.histogram_bin_edges(c, bins))) for c in codes.T],
                    axis=1)


def floor_bins(codes, bins):
    low, high = codes.min(axis=0), codes.max(axis=0)
    return np.floor((codes - low) / (high - low) * bins).astype(int)


def per_row(codes, bins):
    return discretize(codes.T, bins).T


def in_place(codes, bins):
    codes -= codes.min(axis=0)
    return discretize(codes, bins)


# -- normalised_mi -------------------------------------------------------------------------------
def entropy(f, base=np.e):
    p = np.bincount(f) / len(f)
    p = p[p > 0]
    return -np.sum(p * np.log(p)) / np.log(base)


def normalised(labels, factors, divide=lambda u, f: entropy(f), transpose=False):
    info = np.array([[mutual_info_score(f, u) / divide(u, f) for f in factors.T]
                     for u in labels.T])
    return info.T if transpose else info


# -- mig_from_info -------------------------------------------------------------------------------
def mig(info):
    ordered = np.sort(info, axis=0)
    return float(np.mean(ordered[-1] - ordered[-2]))


# -- unit_controlling_x --------------------------------------------------------------------------
def traversal_movement(decoder, code_size, measure):
    movement = []
    for unit in range(code_size):
        codes = np.zeros((9, code_size), dtype="float32")
        codes[:, unit] = np.linspace(-2, 2, 9)
        images = np.asarray(decoder(codes))
        values = [measure(image) for image in images]
        movement.append(max(values) - min(values))
    return np.array(movement)


def centre_x(image):
    return (image.sum(axis=0) * np.arange(image.shape[1])).sum() / image.sum()


def centre_y(image):
    return (image.sum(axis=1) * np.arange(image.shape[0])).sum() / image.sum()


def unit_controlling_x(decoder, code_size, measure=centre_x, offset=0):
    return int(np.argmax(traversal_movement(decoder, code_size, measure))) + offset


def largest_change(decoder, code_size):
    movement = []
    for unit in range(code_size):
        codes = np.zeros((2, code_size), dtype="float32")
        codes[:, unit] = (-2, 2)
        images = np.asarray(decoder(codes))
        movement.append(np.abs(images[1] - images[0]).sum())
    return int(np.argmax(movement))


def brightest_centre(image):  # where the brightest pixel is: the size unit moves nothing
    return float(np.unravel_index(np.argmax(image), image.shape)[1])


# -- choose_beta ---------------------------------------------------------------------------------
def choose_beta(results, max_reconstruction):
    ok = [b for b in results if np.mean(results[b]["reconstruction"]) <= max_reconstruction]
    return max(ok, key=lambda b: np.mean(results[b]["mig"]))


def ignore_target(results, max_reconstruction):
    return max(results, key=lambda b: np.mean(results[b]["mig"]))


def best_seed(results, max_reconstruction):
    ok = [b for b in results if np.mean(results[b]["reconstruction"]) <= max_reconstruction]
    return max(ok, key=lambda b: max(results[b]["mig"]))


def target_on_best_seed(results, max_reconstruction):
    ok = [b for b in results if min(results[b]["reconstruction"]) <= max_reconstruction]
    return max(ok, key=lambda b: np.mean(results[b]["mig"]))


def returns_mig(results, max_reconstruction):
    return np.mean(results[choose_beta(results, max_reconstruction)]["mig"])


def lowest_reconstruction(results, max_reconstruction):
    return min(results, key=lambda b: np.mean(results[b]["reconstruction"]))


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.discretize, discretize),
        (checks.discretize, disentanglement.discretize),
        (checks.discretize, lambda c, b: np.minimum(floor_bins(c, b), b - 1)),
        (checks.normalised_mi, normalised),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: mutual_info_score(b, b))),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: entropy(b, 2))
         / np.log(2)),
        (checks.mig_from_info, mig),
        (checks.mig_from_info, lambda info: np.mean(-np.diff(np.sort(info, 0)[::-1][:2], axis=0))),
        (checks.unit_controlling_x, unit_controlling_x),
        (checks.choose_beta, choose_beta),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_the_course_mig_agrees_with_the_exercises():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 4, (500, 3))
    codes = factors @ rng.normal(size=(3, 5)) + rng.normal(0, 0.5, (500, 5))
    info = normalised(discretize(codes, 20), factors)
    assert disentanglement.mig(codes, factors) == pytest.approx(mig(info))
    np.testing.assert_allclose(disentanglement.mutual_info_matrix(codes, factors)
                               / disentanglement.factor_entropy(factors), info)


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.discretize, lambda c, b: discretize(c, b, per_unit=False), "whole matrix"),
        (checks.discretize, per_row, "per image"),
        (checks.discretize, lambda c, b: discretize(c, b, inner=lambda e: e[:-1]),
         "one too large"),
        (checks.discretize, lambda c, b: discretize(c, b, inner=lambda e: e), "left edge"),
        (checks.discretize, lambda c, b: discretize(c, b, inner=lambda e: e[1:]),
         "bin of its own"),
        (checks.discretize, floor_bins, "clip the labels"),
        (checks.discretize, lambda c, b: discretize(c, b, inner=lambda e: e[1:-1])
         .astype(float)[:, :2], "shape"),
        (checks.discretize,
         lambda c, b: np.stack([np.digitize(x, np.quantile(x, np.linspace(0, 1, b + 1))[1:-1])
                                for x in c.T], axis=1), "equal-*count*"),
        (checks.discretize, in_place, "changed the codes"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: 1.0), "not divided"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: entropy(b, 2)),
         "entropy is in bits"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: 1.0) / np.log(2)
         / np.array([entropy(x) for x in f.T]), "mutual information is in bits"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: entropy(a)),
         "entropy of the code unit"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: np.log(len(np.unique(b)))), "uniform"),
        (checks.normalised_mi,
         lambda u, f: np.array([[normalized_mutual_info_score(x, y) for x in f.T] for y in u.T]),
         "normalized_mutual_info_score"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, transpose=True), "units x factors"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: 1.0)
         / normalised(u, f, lambda a, b: 1.0).max(axis=0), "largest value"),
        (checks.mig_from_info, lambda i: np.mean(i.max(0) - i.mean(0)), "*mean* of all units"),
        (checks.mig_from_info,
         lambda i: np.mean(np.sort(i, 0)[-1] - np.sort(i, 0)[:-1].mean(0)), "mean of the other"),
        (checks.mig_from_info, lambda i: np.mean(i[0] - i[1]), "sort each"),
        (checks.mig_from_info, lambda i: np.mean(np.sort(i, 1)[:, -1] - np.sort(i, 1)[:, -2]),
         "axis 0"),
        (checks.mig_from_info, lambda i: np.mean(np.sort(i, 0)[0] - np.sort(i, 0)[1]),
         "ascending order"),
        (checks.mig_from_info, lambda i: np.mean(np.sort(i, 0)[-2] - np.sort(i, 0)[-1]),
         "sign is flipped"),
        (checks.mig_from_info, lambda i: np.sum(np.sort(i, 0)[-1] - np.sort(i, 0)[-2]), "sum"),
        (checks.mig_from_info, lambda i: np.sort(i, 0)[-1] - np.sort(i, 0)[-2], "one per factor"),
        (checks.mig_from_info, lambda i: np.mean(i.max(0) - i.min(0)), "*worst*"),
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, n, centre_y), "up and down"),
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, n, offset=1),
         "Off by one"),
        (checks.unit_controlling_x, largest_change, "background brightness"),
        (checks.unit_controlling_x, lambda d, n: 3, "does nothing"),
        (checks.unit_controlling_x,
         lambda d, n: traversal_movement(d, n, centre_x), "one unit index"),
        (checks.unit_controlling_x, lambda d, n: 2.5, "whole number"),
        (checks.choose_beta, ignore_target, "above the target"),
        (checks.choose_beta, best_seed, "best single seed"),
        (checks.choose_beta, target_on_best_seed, "not to the best seed"),
        (checks.choose_beta, returns_mig, "That is a MIG value"),
        (checks.choose_beta, lowest_reconstruction, "lowest reconstruction"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert words in feedback.message, feedback.message


def test_the_check_decoders_make_the_pixel_change_mistake_visible():
    for roles in checks._DECODER_ROLES:
        decoder = checks.blob_decoder(roles)
        assert largest_change(decoder, 6) == roles["brightness"]
        assert unit_controlling_x(decoder, 6, centre_y) == roles["y"]
        assert unit_controlling_x(decoder, 6) == roles["x"]
