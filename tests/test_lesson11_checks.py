"""Lesson 11 checks: reference answers pass, typical mistakes get specific feedback."""

import numpy as np
import pytest
import tensorflow as tf
from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

from course_utils import disentanglement
from course_utils.checks import Outcome
from course_utils.checks import lesson11 as checks
from course_utils.disentanglement import mig as course_mig


# -- unseen_share --------------------------------------------------------------------------------
def unseen_share(train_factors, factors):
    seen = {tuple(row) for row in np.asarray(train_factors).tolist()}
    return float(np.mean([tuple(row) not in seen for row in np.asarray(factors).tolist()]))


def unseen_share_broadcast(train_factors, factors):  # float32 result, no Python sets
    train, other = np.asarray(train_factors), np.asarray(factors)
    seen = (other[:, None, :] == train[None, :, :]).all(axis=-1).any(axis=1)
    return np.float32(1.0 - seen.mean())


def unseen_share_tf(train_factors, factors):  # a TensorFlow scalar
    return tf.constant(unseen_share(train_factors, factors), tf.float64)


def unseen_reversed(train_factors, factors):
    return unseen_share(factors, train_factors)


def unseen_distinct(train_factors, factors):
    seen = {tuple(row) for row in np.asarray(train_factors).tolist()}
    combos = {tuple(row) for row in np.asarray(factors).tolist()}
    return len(combos - seen) / len(combos)


def unseen_per_column(train_factors, factors):
    train, other = np.asarray(train_factors), np.asarray(factors)
    return float(np.mean([not all(np.isin(other[:, k], train[:, k])[i]
                                  for k in range(other.shape[1])) for i in range(len(other))]))


def unseen_anywhere(train_factors, factors):
    train, other = np.asarray(train_factors), np.asarray(factors)
    return float(np.mean(~np.isin(other, train).all(axis=1)))


def unseen_same_index(train_factors, factors):
    train, other = np.asarray(train_factors), np.asarray(factors)
    return float(np.mean([i >= len(train) or not np.array_equal(train[i], row)
                          for i, row in enumerate(other)]))


def unseen_sorted(train_factors, factors):
    return unseen_share(np.sort(np.asarray(train_factors), axis=1),
                        np.sort(np.asarray(factors), axis=1))


# -- normalised_mi -------------------------------------------------------------------------------
def entropy(f, base=np.e):
    p = np.bincount(np.asarray(f)) / len(f)
    p = p[p > 0]
    return -np.sum(p * np.log(p)) / np.log(base)


def normalised(labels, factors, divide=lambda u, f: entropy(f), transpose=False):
    info = np.array([[mutual_info_score(f, u) / divide(u, f) for f in factors.T]
                     for u in labels.T])
    return info.T if transpose else info


# -- mig_of_active_units -------------------------------------------------------------------------
def mig_active(codes, unit_kl, factors, min_kl):
    return course_mig(np.asarray(codes)[:, np.asarray(unit_kl) >= min_kl], factors)


def mig_active_tf(codes, unit_kl, factors, min_kl):  # a float32 TensorFlow scalar
    keep = tf.constant(unit_kl) >= min_kl
    return tf.constant(course_mig(tf.boolean_mask(codes, keep, axis=1).numpy(), factors),
                       tf.float32)


# -- unit_controlling_x --------------------------------------------------------------------------
def traversal_movement(decoder, code_size, measure, signed=False):
    movement = []
    for unit in range(code_size):
        codes = np.zeros((9, code_size), dtype="float32")
        codes[:, unit] = np.linspace(-2, 2, 9)
        images = np.asarray(decoder(codes))
        values = [measure(image) for image in images]
        movement.append(values[-1] - values[0] if signed else max(values) - min(values))
    return np.array(movement)


def centre_x(image):
    return (image.sum(axis=0) * np.arange(image.shape[1])).sum() / image.sum()


def centre_y(image):
    return (image.sum(axis=1) * np.arange(image.shape[0])).sum() / image.sum()


def unit_controlling_x(decoder, code_size, measure=centre_x, offset=0, signed=False):
    return int(np.argmax(traversal_movement(decoder, code_size, measure, signed))) + offset


def unit_controlling_x_abs(decoder, code_size):  # |last - first| is right for a monotone unit
    return int(np.argmax(np.abs(traversal_movement(decoder, code_size, centre_x, True))))


def largest_change(decoder, code_size):
    movement = []
    for unit in range(code_size):
        codes = np.zeros((2, code_size), dtype="float32")
        codes[:, unit] = (-2, 2)
        images = np.asarray(decoder(codes))
        movement.append(np.abs(images[1] - images[0]).sum())
    return int(np.argmax(movement))


# -- choose_beta ---------------------------------------------------------------------------------
def choose_beta(results, max_reconstruction):
    mean = {b: np.mean(r["mig"]) for b, r in results.items()}
    sd = {b: np.std(r["mig"], ddof=1) for b, r in results.items()}
    ok = [b for b in results if np.mean(results[b]["reconstruction"]) <= max_reconstruction]
    best = max(ok, key=mean.get)
    return min(b for b in ok if mean[best] - mean[b] <= max(sd[best], sd[b]))


def choose_beta_tf(results, max_reconstruction):  # means from TensorFlow, returns a tf scalar
    mean = {b: float(tf.reduce_mean(tf.constant(r["mig"], tf.float64))) for b, r in
            results.items()}
    sd = {b: float(np.std(np.asarray(r["mig"], np.float64), ddof=1)) for b, r in results.items()}
    ok = [b for b in results if np.mean(results[b]["reconstruction"]) <= max_reconstruction]
    best = max(ok, key=mean.get)
    return tf.constant(min(b for b in ok if mean[best] - mean[b] <= max(sd[best], sd[b])))


def choose_variant(**options):
    return lambda results, target: checks._reference_choose(results, target, **options)


def lowest_reconstruction(results, max_reconstruction):
    return min(results, key=lambda b: np.mean(results[b]["reconstruction"]))


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.unseen_share, unseen_share),
        (checks.unseen_share, unseen_share_broadcast),
        (checks.unseen_share, unseen_share_tf),
        (checks.normalised_mi, normalised),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: mutual_info_score(b, b))),
        (checks.normalised_mi, lambda u, f: (normalised(u, f, lambda a, b: entropy(b, 2))
                                             / np.log(2)).astype(np.float32)),
        (checks.normalised_mi, lambda u, f: tf.constant(normalised(u, f))),
        (checks.mig_of_active_units, mig_active),
        (checks.mig_of_active_units, mig_active_tf),
        (checks.mig_of_active_units,
         lambda c, k, f, m: np.float32(disentanglement.mig(c[:, k >= m], f, bins=20))),
        (checks.unit_controlling_x, unit_controlling_x),
        (checks.unit_controlling_x, unit_controlling_x_abs),
        (checks.unit_controlling_x, lambda d, n: np.int64(unit_controlling_x(d, n))),
        (checks.choose_beta, choose_beta),
        (checks.choose_beta, choose_beta_tf),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_the_course_mig_agrees_with_the_exercises():
    rng = np.random.default_rng(0)
    factors = rng.integers(0, 4, (500, 3))
    codes = factors @ rng.normal(size=(3, 5)) + rng.normal(0, 0.5, (500, 5))
    info = normalised(disentanglement.discretize(codes, 20), factors)
    ordered = np.sort(info, axis=0)
    assert disentanglement.mig(codes, factors) == pytest.approx(np.mean(ordered[-1] - ordered[-2]))
    np.testing.assert_allclose(disentanglement.mutual_info_matrix(codes, factors)
                               / disentanglement.factor_entropy(factors), info)


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        # unseen_share
        (checks.unseen_share, unseen_reversed, "direction is reversed"),
        (checks.unseen_share, unseen_distinct, "*distinct*"),
        (checks.unseen_share, lambda t, f: 1 - unseen_share(t, f), "*was* seen"),
        (checks.unseen_share, lambda t, f: 100 * unseen_share(t, f), "percentage"),
        (checks.unseen_share, lambda t, f: unseen_share(t, f) * len(np.asarray(f)),
         "number of unseen rows"),
        (checks.unseen_share, unseen_per_column, "each factor on its own"),
        (checks.unseen_share, unseen_anywhere, "Compare whole rows"),
        (checks.unseen_share, unseen_same_index, "training row i only"),
        (checks.unseen_share, unseen_sorted, "sorted the values"),
        (checks.unseen_share, lambda t, f: "35 %", "single number"),
        (checks.unseen_share, lambda t, f: float("nan"), "not a finite number"),
        # normalised_mi
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: 1.0), "not divided"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: entropy(b, 2)),
         "entropy is in bits"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: 1.0) / np.log(2)
         / np.array([entropy(x) for x in f.T]), "mutual information is in bits"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, lambda a, b: entropy(a)),
         "entropy of the code unit"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: min(entropy(a), entropy(b))),
         "smaller of the two"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: max(entropy(a), entropy(b))),
         "larger of the two"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: np.sqrt(entropy(a) * entropy(b))),
         "sqrt(H(unit) * H(factor))"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: np.log(len(np.unique(b)))), "uniform"),
        (checks.normalised_mi,
         lambda u, f: np.array([[normalized_mutual_info_score(x, y) for x in f.T] for y in u.T]),
         "normalized_mutual_info_score"),
        (checks.normalised_mi, lambda u, f: normalised(u, f, transpose=True), "units x factors"),
        (checks.normalised_mi,
         lambda u, f: normalised(u, f, lambda a, b: 1.0)
         / normalised(u, f, lambda a, b: 1.0).max(axis=0), "largest value"),
        (checks.normalised_mi, lambda u, f: normalised(u, f)[:, :2], "should have shape"),
        # mig_of_active_units
        (checks.mig_of_active_units, lambda c, k, f, m: course_mig(c, f), "MIG of all units"),
        (checks.mig_of_active_units, lambda c, k, f, m: course_mig(c[:, k > m], f),
         "equals min_kl exactly"),
        (checks.mig_of_active_units,
         lambda c, k, f, m: course_mig(c[:, np.var(c, axis=0) > 0.01], f), "variance"),
        (checks.mig_of_active_units, lambda c, k, f, m: course_mig(c[:, k < m], f),
         "kept the switched-off units"),
        (checks.mig_of_active_units, lambda c, k, f, m: course_mig(c[:, k >= 0.1], f),
         "threshold of 0.1"),
        (checks.mig_of_active_units,
         lambda c, k, f, m: course_mig(c[:, k >= m], f, bins=10), "10 bins"),
        (checks.mig_of_active_units,
         lambda c, k, f, m: disentanglement.mig_per_factor(c[:, k >= m], f), "one gap per factor"),
        (checks.mig_of_active_units, lambda c, k, f, m: course_mig(c[k >= m], f),
         "IndexError"),
        # unit_controlling_x
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, n, centre_y), "up and down"),
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, n, offset=1),
         "Off by one"),
        (checks.unit_controlling_x, largest_change, "background brightness"),
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, n, signed=True),
         "not the signed change"),
        (checks.unit_controlling_x, lambda d, n: unit_controlling_x(d, 6),
         "takes codes of shape (m, 8)"),
        (checks.unit_controlling_x, lambda d, n: 3, "does nothing"),
        (checks.unit_controlling_x,
         lambda d, n: traversal_movement(d, n, centre_x), "one unit index"),
        (checks.unit_controlling_x, lambda d, n: 2.5, "whole number"),
        # choose_beta
        (checks.choose_beta, choose_variant(use_target=False), "ignored the reconstruction"),
        (checks.choose_beta, choose_variant(target_on=min), "not to the best seed"),
        (checks.choose_beta, choose_variant(strict=True), "exactly equal to the target"),
        (checks.choose_beta, choose_variant(best_of=max, tie_rule=False), "best single seeds"),
        (checks.choose_beta, choose_variant(tie_rule=False), "without asking"),
        (checks.choose_beta, choose_variant(pick=max), "*smallest*"),
        (checks.choose_beta, choose_variant(ddof=0), "ddof=1"),
        (checks.choose_beta, choose_variant(spread=min), "not the smaller"),
        (checks.choose_beta, choose_variant(tie_strict=True), "exactly equal to the larger"),
        (checks.choose_beta,
         lambda r, t: np.mean(r[checks._reference_choose(r, t)]["mig"]), "That is a MIG value"),
        (checks.choose_beta, lowest_reconstruction, "lowest reconstruction"),
        (checks.choose_beta, lambda r, t: 3.5, "Return one of the betas"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome in (Outcome.INCORRECT, Outcome.RAISED), feedback
    assert words in feedback.message, feedback.message


@pytest.mark.parametrize("exercise", checks.EXERCISES, ids=lambda e: e.name)
def test_bad_input_gets_a_clear_message_never_an_exception(exercise):
    assert exercise.evaluate(None).outcome is Outcome.NOT_ATTEMPTED
    assert exercise.evaluate("my answer").outcome is Outcome.INCORRECT

    def stub(*args):
        return None

    assert exercise.evaluate(stub).outcome is Outcome.NOT_ATTEMPTED

    def broken(*args):
        raise ValueError("oops")

    feedback = exercise.evaluate(broken)
    assert feedback.outcome is Outcome.RAISED and "oops" in feedback.message


def test_the_check_decoders_make_each_mistake_visible():
    for roles, code_size, direction in checks._DECODER_ROLES:
        decoder = checks.blob_decoder(roles, code_size, direction)
        assert largest_change(decoder, code_size) == roles["brightness"]
        assert unit_controlling_x(decoder, code_size, centre_y) == roles["y"]
        assert unit_controlling_x(decoder, code_size) == roles["x"]
    roles, code_size, direction = checks._DECODER_ROLES[1]
    decoder = checks.blob_decoder(roles, code_size, direction)
    assert unit_controlling_x(decoder, code_size, signed=True) == roles["x_small"]


def test_every_choose_beta_mistake_gives_its_own_answers():
    tables = checks._BETA_TABLES
    vectors = [tuple(checks._reference_choose(t, m) for m, t in tables)]
    vectors += [tuple(checks._reference_choose(t, m, **o) for m, t in tables)
                for o, _ in checks._CHOOSE_MISTAKES]
    assert len(set(vectors)) == len(vectors)
    assert all(answer is not None for vector in vectors for answer in vector)


def test_every_active_unit_rule_gives_another_mig():
    for seed, min_kl, dtype in checks._ACTIVE_CASES:
        codes, kl, factors = checks._active_case(seed, min_kl, dtype)
        rules = checks._active_rules(codes, kl, factors, min_kl)
        wrong = [v for k, v in rules.items() if k not in ("correct", "gaps") and np.isfinite(v)]
        assert all(abs(v - rules["correct"]) > 0.01 for v in wrong if v != rules["correct"])
    codes, kl, factors = checks._active_case(1, 0.0625, np.float64)
    rules = checks._active_rules(codes, kl, factors, 0.0625)
    assert len({round(float(v), 6) for k, v in rules.items() if k != "gaps"}) == len(rules) - 1
