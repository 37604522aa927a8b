"""Lesson 08 checks: right answers pass (NumPy or TensorFlow, float32 or float64), each typical
wrong rule gets its own message, bad input gets a clear one."""

import math

import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import Outcome
from course_utils.checks import lesson08 as checks
from course_utils.toy_data import high_quality_share, modes_covered, ring_centres


def _raises(*args, **kwargs):
    raise RuntimeError("learner bug")


# -- diagnose_run ----------------------------------------------------------------------------
def diagnose(window_stat=np.min, losses=("d_loss", "g_loss"), finite=np.isfinite, fixed=None,
             order=("quality", "modes"), strict=False, whole=False, last=False):
    def diagnose_run(log, modes=8, quality=0.8, window=3):
        modes, quality, window = {**dict(modes=modes, quality=quality, window=window),
                                  **(fixed or {})}.values()
        if not all(np.all(finite(np.asarray(log[key]))) for key in losses):
            return "diverged"
        n = len(log["step"]) if whole else (1 if last else window)
        share = window_stat(np.asarray(log["high_quality"])[-n:])
        covered = np.min(np.asarray(log["modes_covered"])[-n:])
        tests = {"quality": (share <= quality) if strict else (share < quality),
                 "modes": covered < modes}
        labels = {"quality": "not converged", "modes": "mode collapse"}
        for name in order:
            if tests[name]:
                return labels[name]
        return "healthy"

    return diagnose_run


def diagnose_tf(log, modes=8, quality=0.8, window=3):
    losses = tf.concat([tf.cast(log["d_loss"], tf.float64), tf.cast(log["g_loss"], tf.float64)], 0)
    if not bool(tf.reduce_all(tf.math.is_finite(losses))):
        return "diverged"
    if float(tf.reduce_min(tf.cast(log["high_quality"][-window:], tf.float64))) < quality:
        return "not converged"
    if int(tf.reduce_min(log["modes_covered"][-window:])) < modes:
        return "mode collapse"
    return np.str_("healthy")


# -- choose_budget ---------------------------------------------------------------------------
def budget(data="validation", score=lambda v: v.mean() + v.std(ddof=1), meets=np.less_equal,
           pick=min, as_index=False, dtype=np.float64):
    def choose_budget(table, target):
        fd = np.asarray(table[data], dtype=dtype)
        ok = [i for i, row in enumerate(fd) if meets(score(row), target)]
        if not ok:
            return None
        best = pick(ok, key=lambda i: table["seconds"][i])
        return best if as_index else table["seconds"][best]

    return choose_budget


def budget_tf(table, target):
    fd = tf.constant(table["validation"], dtype=tf.float32)
    n = tf.cast(tf.shape(fd)[1], tf.float32)
    mean = tf.reduce_mean(fd, axis=1)
    sd = tf.sqrt(tf.reduce_sum((fd - mean[:, None]) ** 2, axis=1) / (n - 1.0))
    ok = tf.logical_and(mean + sd <= target, tf.reduce_all(tf.math.is_finite(fd), axis=1))
    chosen = tf.boolean_mask(tf.constant(table["seconds"], tf.float32), ok)
    return None if int(tf.size(chosen)) == 0 else tf.reduce_min(chosen)


# -- ring_scores -----------------------------------------------------------------------------
def scores(samples, std, modes=8, radius=2.0):
    centres = ring_centres(modes, radius)
    return modes_covered(samples, centres, std), high_quality_share(samples, centres, std)


def ring(angles="right", compare=np.less_equal, sigmas=3, need=math.ceil, at_least=True,
         use_distance=True, percent=False, modes_fixed=None):
    def ring_scores(samples, std, modes=8, radius=2.0):
        modes = modes_fixed or modes
        a = (np.linspace(0, 2 * np.pi, modes) if angles == "linspace"
             else np.linspace(0, 2 * np.pi, modes, endpoint=False))
        centres = radius * np.stack([np.cos(a), np.sin(a)], axis=1)
        d = np.linalg.norm(samples[:, None] - centres[None], axis=-1)
        nearest, good = d.argmin(1), compare(d.min(1), sigmas * std)
        k = max(1, need(0.2 * len(samples) / modes))
        counts = np.bincount(nearest[good] if use_distance else nearest, minlength=modes)
        covered = counts >= k if at_least else counts > k
        return int(covered.sum()), float(good.mean() * (100 if percent else 1))

    return ring_scores


def ring_tf(samples, std, modes=8, radius=2.0):
    x = tf.constant(samples, dtype=tf.float32)
    angles = 2 * math.pi * tf.range(modes, dtype=tf.float32) / modes
    centres = radius * tf.stack([tf.cos(angles), tf.sin(angles)], axis=1)
    d = tf.norm(x[:, None, :] - centres[None, :, :], axis=-1)
    good = tf.reduce_min(d, axis=1) <= 3 * std
    counts = tf.math.bincount(tf.boolean_mask(tf.argmin(d, axis=1, output_type=tf.int32), good),
                              minlength=modes)
    need = max(1, math.ceil(0.2 * len(samples) / modes))
    return (tf.reduce_sum(tf.cast(counts >= need, tf.int32)),
            tf.reduce_mean(tf.cast(good, tf.float32)))


# -- gradient_penalty ------------------------------------------------------------------------
def penalty(kind="right", training=None):
    def gradient_penalty(critic, real, fake, rng):
        n = len(real)
        size = {"one epsilon": None, "per coordinate": (n, 2)}.get(kind, (n, 1))
        eps = rng.uniform(size=size)
        mixed = real + eps * (fake - real)
        if kind == "reversed":
            mixed = fake + eps * (real - fake)
        if kind == "at real":
            mixed = real
        mixed = tf.convert_to_tensor(np.asarray(mixed, dtype="float32"))
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = critic(mixed) if training is None else critic(mixed, training=training)
        grads = tape.gradient(score, mixed)
        norms = tf.sqrt(tf.reduce_sum(grads**2, axis=1))
        if kind == "norm":
            return tf.reduce_mean(norms)
        if kind == "squared norm":
            return tf.reduce_mean(norms**2)
        if kind == "sum":
            return tf.reduce_sum((norms - 1.0) ** 2)
        return tf.reduce_mean((norms - 1.0) ** 2)

    return gradient_penalty


def penalty_float64(critic, real, fake, rng):
    eps = rng.uniform(size=(len(real), 1))
    mixed = tf.constant(real + eps * (fake - real), dtype=tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(mixed)
        score = critic(mixed, training=False)
    grads = tape.gradient(score, mixed).numpy()
    return float(np.mean((np.linalg.norm(grads, axis=1) - 1.0) ** 2))


# -- winners ---------------------------------------------------------------------------------
def winners_variant(direction="right", skip_nan=True, ddof=1, tie=np.less_equal, spread=max,
                    ties=True):
    def winners(results, lower_is_better):
        answer = {}
        for column, lower in lower_is_better.items():
            lower = {"right": lower, "lower": True}[direction]
            stats = []
            for model, columns in results.items():
                values = np.asarray(columns[column], dtype=float)
                if skip_nan and not np.isfinite(values).all():
                    continue
                stats.append((model, values.mean(), values.std(ddof=ddof)))
            if not stats:
                answer[column] = None
                continue
            stats.sort(key=lambda s: s[1] if lower else -s[1])
            if len(stats) == 1:
                answer[column] = stats[0][0]
                continue
            (best, m1, s1), (_, m2, s2) = stats[0], stats[1]
            answer[column] = "tie" if ties and tie(abs(m1 - m2), spread(s1, s2)) else best
        return answer

    return winners


def winners_tf(results, lower_is_better):
    answer = {}
    for column, lower in lower_is_better.items():
        stats = []
        for model, columns in results.items():
            v = tf.constant(columns[column], dtype=tf.float32)
            if not bool(tf.reduce_all(tf.math.is_finite(v))):
                continue
            mean = tf.reduce_mean(v)
            sd = tf.sqrt(tf.reduce_sum((v - mean) ** 2) / (tf.cast(tf.size(v), tf.float32) - 1))
            stats.append((model, float(mean), float(sd)))
        stats.sort(key=lambda s: s[1] if lower else -s[1])
        if len(stats) > 1 and abs(stats[0][1] - stats[1][1]) <= max(stats[0][2], stats[1][2]):
            answer[column] = "tie"
        else:
            answer[column] = stats[0][0] if stats else None
    return answer


# -- right answers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.diagnose_run, diagnose()),
        (checks.diagnose_run, diagnose_tf),
        (checks.choose_budget, budget()),
        (checks.choose_budget, budget(dtype=np.float32)),
        (checks.choose_budget, budget_tf),
        (checks.ring_scores, scores),
        (checks.ring_scores, ring()),
        (checks.ring_scores, ring_tf),
        (checks.gradient_penalty, penalty()),
        (checks.gradient_penalty, penalty(training=True)),
        (checks.gradient_penalty, penalty(training=False)),
        (checks.gradient_penalty, penalty_float64),
        (checks.winners, winners_variant()),
        (checks.winners, winners_tf),
    ],
    ids=["diagnose-numpy", "diagnose-tf", "budget-numpy", "budget-float32", "budget-tf",
         "ring-toy-data", "ring-numpy", "ring-tf-float32", "gp-tf", "gp-training-true",
         "gp-training-false", "gp-float64", "winners-numpy", "winners-tf-float32"],
)
def test_right_answers_are_correct(exercise, answer):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


# -- wrong answers ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        # diagnose_run
        (checks.diagnose_run, diagnose(last=True), "last log entry alone"),
        (checks.diagnose_run, diagnose(whole=True), "judging the whole log"),
        (checks.diagnose_run, diagnose(window_stat=np.mean), "*mean* over the window"),
        (checks.diagnose_run, diagnose(strict=True), "compare with >=, not >"),
        (checks.diagnose_run, diagnose(order=("modes", "quality")), "Test the quality before"),
        (checks.diagnose_run, diagnose(losses=("d_loss",)), "only looked at d_loss"),
        (checks.diagnose_run, diagnose(finite=lambda a: ~np.isnan(a)), "only looked for NaN"),
        (checks.diagnose_run, diagnose(fixed={"modes": 8}), "Use the `modes` argument"),
        (checks.diagnose_run, diagnose(fixed={"window": 3}), "Use the `window` argument"),
        (checks.diagnose_run, lambda log, *a: "collapsed", "the labels are exactly"),
        (checks.diagnose_run, lambda log, *a: 2, "should return a text label"),
        # choose_budget
        (checks.choose_budget, budget(data="test"), "*test* FD"),
        (checks.choose_budget, budget(score=np.min), "*best seed*"),
        (checks.choose_budget, budget(score=np.mean), "the mean alone"),
        (checks.choose_budget, budget(score=lambda v: v.mean() + v.std()), "ddof=0"),
        (checks.choose_budget, budget(meets=np.less), "compare with <=, not <"),
        (checks.choose_budget, budget(score=np.max), "*worst* seed"),
        (checks.choose_budget, budget(meets=np.greater_equal), "*at least* the target"),
        (checks.choose_budget, budget(score=lambda v: np.nanmean(v) + np.nanstd(v, ddof=1)),
         "ignoring the NaN"),
        (checks.choose_budget, budget(pick=lambda ok, key: ok[0]), "order the table lists"),
        (checks.choose_budget, budget(as_index=True), "*position*"),
        # ring_scores
        (checks.ring_scores, ring(angles="linspace"), "np.linspace(0, 2*pi, modes)"),
        (checks.ring_scores, ring(compare=np.less), "compare with <=, not <"),
        (checks.ring_scores, ring(sigmas=1), "within 1 std"),
        (checks.ring_scores, ring(need=round), "rounded *up*"),
        (checks.ring_scores, ring(need=math.floor), "int() and // round down"),
        (checks.ring_scores, ring(at_least=False), "compare the counts with >="),
        (checks.ring_scores, ring(use_distance=False), "however far"),
        (checks.ring_scores, ring(percent=True), "not a percentage"),
        (checks.ring_scores, ring(modes_fixed=8), "Use the `modes` argument"),
        # gradient_penalty
        (checks.gradient_penalty, penalty("norm"), "norm itself"),
        (checks.gradient_penalty, penalty("squared norm"), "squared norm"),
        (checks.gradient_penalty, penalty("one epsilon"), "one epsilon for the whole batch"),
        (checks.gradient_penalty, penalty("per coordinate"), "per *coordinate*"),
        (checks.gradient_penalty, penalty("reversed"), "other way round"),
        (checks.gradient_penalty, penalty("at real"), "at the real points"),
        (checks.gradient_penalty, penalty("sum"), "sum over the batch"),
        # winners
        (checks.winners, winners_variant(direction="lower"), "Lower is not always better"),
        (checks.winners, winners_variant(skip_nan=False), "cannot win: skip it"),
        (checks.winners, winners_variant(ties=False), "best mean always wins"),
        (checks.winners, winners_variant(ddof=0), "ddof=0"),
        (checks.winners, winners_variant(tie=np.less), "exactly equal to the spread is a 'tie'"),
        (checks.winners, winners_variant(spread=lambda a, b: a + b), "*sum* of the two sds"),
        (checks.winners, winners_variant(spread=lambda a, b: b), "runner-up's sd only"),
        (checks.winners, lambda results, lower: list(results), "should return a dict"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = exercise.evaluate(answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert words in feedback.message, feedback.message


def test_winners_hard_coded_directions_are_caught():
    def hard_coded(results, lower_is_better):
        return winners_variant()(results, {c: checks.LOWER_IS_BETTER.get(c, True)
                                           for c in lower_is_better})

    feedback = checks.winners.evaluate(hard_coded)
    assert feedback.outcome is Outcome.INCORRECT
    assert "Use the `lower_is_better` dict" in feedback.message


def test_choose_budget_hard_coded_target_is_caught():
    feedback = checks.choose_budget.evaluate(lambda table, target: budget()(table, 30.0))
    assert feedback.outcome is Outcome.INCORRECT
    assert "Use the `target` argument" in feedback.message


def test_ring_scores_checks_every_argument_and_the_boundaries():
    cases = checks._ring_cases()
    assert {c[3] for c in cases} == {6, 8, 12} and len({c[2] for c in cases}) == 2
    assert len({c[4] for c in cases}) == 3
    assert {c[1].dtype for c in cases} == {np.dtype("float32"), np.dtype("float64")}
    samples, std, modes, radius = cases[0][1:]
    distances = np.linalg.norm(samples.astype(np.float64) - [radius, 0.0], axis=1)
    assert np.sum(distances == 3 * std) == 2  # points exactly on the boundary


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("exercise", checks.EXERCISES, ids=lambda e: e.name)
def test_none_is_not_attempted(exercise):
    assert exercise.evaluate(None).outcome is Outcome.NOT_ATTEMPTED
    assert exercise.evaluate(lambda *a, **k: None).outcome is Outcome.NOT_ATTEMPTED


@pytest.mark.parametrize("exercise", checks.EXERCISES, ids=lambda e: e.name)
def test_a_string_gets_a_clear_message(exercise):
    feedback = exercise.evaluate("my answer")
    assert feedback.outcome is Outcome.INCORRECT
    assert "should be the function itself" in feedback.message


@pytest.mark.parametrize("exercise", checks.EXERCISES, ids=lambda e: e.name)
def test_code_that_raises_is_reported_with_its_line(exercise):
    feedback = exercise.evaluate(_raises)
    assert feedback.outcome is Outcome.RAISED
    assert "RuntimeError: learner bug" in feedback.message and "_raises" in feedback.message


def test_ring_scores_single_number_and_nan():
    feedback = checks.ring_scores.evaluate(lambda *a, **k: 3)
    assert feedback.outcome is Outcome.INCORRECT and "should be a pair" in feedback.message
    feedback = checks.ring_scores.evaluate(lambda *a, **k: (8, float("nan")))
    assert feedback.outcome is Outcome.INCORRECT and "not a finite number" in feedback.message


def test_choose_budget_string_answer():
    feedback = checks.choose_budget.evaluate(lambda table, target: "60 s")
    assert feedback.outcome is Outcome.INCORRECT and "single number" in feedback.message


def test_winners_missing_column():
    feedback = checks.winners.evaluate(lambda results, lower: {"precision": "VAE"})
    assert feedback.outcome is Outcome.INCORRECT and "one entry per column" in feedback.message


def test_practice_data_has_one_run_of_each_kind_and_a_reachable_target():
    logs = checks.practice_logs()
    labels = {name: checks._diagnose(log, 8, 0.8, 3) for name, log in logs.items()}
    assert sorted(labels.values()) == ["healthy", "mode collapse", "not converged"]
    table = checks.practice_budget_table()
    assert checks._choose(table, 30.0) is not None
    assert checks._choose(table, 30.0) != checks._choose(table, 30.0, stat="mean")
