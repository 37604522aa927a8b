"""Checks for lesson 08, "GANs vs autoencoders"."""

from __future__ import annotations

import math

import numpy as np

from .common import to_numpy
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    require_function,
    require_number,
)

LESSON = "08"


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _pair(value, name: str, what: str) -> tuple:
    """A learner's answer that must be a pair (tuple or list of two items)."""
    if value is None:
        require_number(value, name)  # raises NotAttempted
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise Incorrect(f"{name} should be a pair {what}; found {describe(value)}.")
    return value


def _first_match(found: float, mistakes, *, rtol: float = 1e-4, atol: float = 1e-6):
    """The message of the first typical mistake whose value equals ``found``, else None."""
    for value, message in mistakes:
        if np.isclose(found, value, rtol=rtol, atol=atol):
            return message
    return None


# -- gan_losses ------------------------------------------------------------------------------
def _reference_losses(real, fake) -> tuple[float, float]:
    real, fake = real.astype(np.float64), fake.astype(np.float64)
    d_loss = _softplus(-real).mean() + _softplus(fake).mean()
    return float(d_loss), float(_softplus(-fake).mean())


def _loss_inputs() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(8)
    # 1: a discriminator that is winning (real logits high, fake logits very low); 2: a mixed one.
    winning = (rng.normal(3.0, 1.0, (16, 1)), rng.normal(-6.0, 1.5, (16, 1)))
    mixed = (rng.normal(0.5, 2.0, (12, 1)), rng.normal(-0.5, 2.0, (12, 1)))
    return [(r.astype(np.float32), f.astype(np.float32)) for r, f in (winning, mixed)]


def _check_gan_losses(gan_losses) -> str:
    fn = require_function(gan_losses, "gan_losses")
    for real, fake in _loss_inputs():
        before = (real.copy(), fake.copy())
        answer = _pair(call_learner(fn, real, fake, name="gan_losses(real_logits, fake_logits)"),
                       "The result of `gan_losses`", "(d_loss, g_loss)")
        if not (np.array_equal(real, before[0]) and np.array_equal(fake, before[1])):
            raise Incorrect("Your function changed the logits it was given; compute new arrays "
                            "instead of changing them in place.")
        d_found = require_number(to_numpy_safe(answer[0]), "d_loss")
        g_found = require_number(to_numpy_safe(answer[1]), "g_loss")
        d_loss, g_loss = _reference_losses(real, fake)
        r64, f64 = real.astype(np.float64), fake.astype(np.float64)
        probs = (_sigmoid(r64), _sigmoid(f64))
        if not np.isclose(d_found, d_loss, rtol=1e-4, atol=1e-6):
            mistakes = [
                (_softplus(r64).mean() + _softplus(-f64).mean(),
                 "the labels are swapped: real samples have label 1 (loss softplus(-D(x))), "
                 "generated samples label 0 (loss softplus(D(G(z))))."),
                (_softplus(-probs[0]).mean() + _softplus(probs[1]).mean(),
                 "that is what you get when the inputs are first turned into probabilities "
                 "(sigmoid) and then treated as logits again. The discriminator's outputs here "
                 "are logits already: apply softplus (or BCE with from_logits=True) to them "
                 "directly."),
                (d_loss / 2, "that is half the answer: the mean over the real and the fake "
                 "batch put together. Average each half separately and add the two means."),
                (_softplus(-r64).mean(), "the fake-sample term softplus(D(G(z))) is missing."),
            ]
            message = _first_match(d_found, mistakes) or (
                "d_loss should be mean(softplus(-real_logits)) + mean(softplus(fake_logits)), "
                "binary cross-entropy with label 1 for real and 0 for generated samples.")
            raise Incorrect(f"d_loss: expected {d_loss:.6g}, found {d_found:.6g}; {message}")
        if not np.isclose(g_found, g_loss, rtol=1e-4, atol=1e-6):
            mistakes = [
                (-_softplus(f64).mean(), "that is the saturating minimax loss "
                 "log(1 - D(G(z))) = -softplus(D(G(z))). When the discriminator wins (fake "
                 "logits very negative) its gradient vanishes; the non-saturating loss is "
                 "-log D(G(z)) = softplus(-D(G(z)))."),
                (_softplus(f64).mean(), "the generator's label is wrong: it wants its samples "
                 "called real (label 1), so its loss is softplus(-D(G(z)))."),
                (_softplus(-probs[1]).mean(), "the fake logits were turned into probabilities "
                 "(sigmoid) and then treated as logits: apply softplus to the logits directly."),
                (-_softplus(-f64).mean(), "the sign is flipped: the generator *minimises* "
                 "softplus(-D(G(z))), a positive number."),
            ]
            message = _first_match(g_found, mistakes) or (
                "g_loss should be the non-saturating loss mean(softplus(-fake_logits)).")
            raise Incorrect(f"g_loss: expected {g_loss:.6g}, found {g_found:.6g}; {message}")
    # Numerical stability: a discriminator that wins by a mile.
    real = np.full((4, 1), 120.0, dtype=np.float32)
    fake = np.full((4, 1), -120.0, dtype=np.float32)
    answer = _pair(call_learner(fn, real, fake, name="gan_losses(real_logits, fake_logits)"),
                   "The result of `gan_losses`", "(d_loss, g_loss)")
    values = np.array([_finite_or_nan(answer[0]), _finite_or_nan(answer[1])])
    if not np.all(np.isfinite(values)) or not np.isclose(values[1], 120.0, rtol=1e-3):
        raise Incorrect(
            f"With real logits 120 and fake logits -120 (a discriminator that wins by far) your "
            f"losses are d_loss={values[0]:.6g}, g_loss={values[1]:.6g}; expected about 0 and "
            "120. log(sigmoid(x)) underflows to log(0) for very negative x: use "
            "`keras.ops.softplus` (or `np.logaddexp(0, x)`), which stays finite.")
    return ("Both losses match, and they stay finite when the discriminator wins by far. Note "
            "g_loss on the first input: large, so the generator still gets a strong gradient.")


def to_numpy_safe(value):
    """A learner's tensor or number as NumPy (values that cannot be converted are returned)."""
    if value is None or isinstance(value, str | bytes | bool):
        return value
    try:
        return to_numpy(value)
    except Exception:  # noqa: BLE001 - strings and other odd objects: require_number says why
        return value


def _finite_or_nan(value) -> float:
    try:
        return float(np.asarray(to_numpy(value), dtype=np.float64).reshape(()))
    except Exception:  # noqa: BLE001 - not a number: reported as NaN
        return float("nan")


# -- generator_step --------------------------------------------------------------------------
STEP_LEARNING_RATE = 0.05
STEP_LATENT = 4


def _step_setup(seed: int):
    """A small generator and discriminator with fixed random weights, an SGD optimizer, noise."""
    import keras

    from ..gan import mlp_discriminator, mlp_generator

    generator = mlp_generator(STEP_LATENT, (16,))
    discriminator = mlp_discriminator(2, (16,))
    rng = np.random.default_rng(seed)
    for model in (generator, discriminator):
        model.set_weights([rng.normal(0.0, 0.5, w.shape).astype(np.float32)
                           for w in model.get_weights()])
    noise = rng.normal(size=(32, STEP_LATENT)).astype(np.float32)
    return generator, discriminator, keras.optimizers.SGD(STEP_LEARNING_RATE), noise


def _generator_gradients(generator, discriminator, noise, saturating: bool = False):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        score = discriminator(generator(noise, training=True), training=False)
        loss = (-tf.reduce_mean(tf.math.softplus(score)) if saturating
                else tf.reduce_mean(tf.math.softplus(-score)))
    grads = tape.gradient(loss, generator.trainable_weights)
    return float(loss), [g.numpy().astype(np.float64) for g in grads]


def _weights(model) -> list[np.ndarray]:
    return [to_numpy(w).copy() for w in model.weights]


def _check_generator_step(generator_step) -> str:
    fn = require_function(generator_step, "generator_step")
    for seed in (0, 1):
        generator, discriminator, optimizer, noise = _step_setup(seed)
        g_before, d_before = _weights(generator), _weights(discriminator)
        loss, grads = _generator_gradients(generator, discriminator, noise)
        _, saturating = _generator_gradients(generator, discriminator, noise, saturating=True)
        shown = "generator_step(generator, discriminator, optimizer, noise)"
        found_loss = require_number(to_numpy_safe(call_learner(
            fn, generator, discriminator, optimizer, noise, name=shown)), f"The loss {shown} "
            "returned")
        d_after = _weights(discriminator)
        changed = [w.path for w, a, b in zip(discriminator.weights, d_before, d_after, strict=True)
                   if not np.allclose(a, b, rtol=0, atol=1e-7)]
        if changed:
            raise Incorrect(
                f"Your step also changed the discriminator's weights ({', '.join(changed[:3])}). "
                "A generator step must update only `generator.trainable_weights`: compute the "
                "gradients for those and pass only them to `optimizer.apply_gradients`.")
        deltas = [a - b for a, b in zip(_weights(generator), g_before, strict=True)]
        if all(np.allclose(d, 0.0, atol=1e-9) for d in deltas):
            raise Incorrect(
                "The generator's weights did not change: nothing was updated. Call "
                "`optimizer.apply_gradients(zip(grads, generator.trainable_weights))` with the "
                "gradients from the tape.")
        step = [-STEP_LEARNING_RATE * g for g in grads]

        def same(expected, deltas=deltas):
            return all(np.allclose(d, e, rtol=1e-3, atol=1e-6)
                       for d, e in zip(deltas, expected, strict=True))

        if not same(step):
            if same([-s for s in step]):
                raise Incorrect(
                    "The generator moved *up* its loss: the update has the wrong sign. Minimise "
                    "softplus(-D(G(z))) (apply the gradients as they are); do not negate them or "
                    "maximise the loss.")
            if same([-STEP_LEARNING_RATE * g for g in saturating]):
                raise Incorrect(
                    "Your step follows the saturating loss log(1 - D(G(z))); use the "
                    "non-saturating loss mean(softplus(-D(G(z)))).")
            raise Incorrect(
                "The generator's weights moved, but not by one step of the optimizer along the "
                "gradient of mean(softplus(-D(G(z)))) for the noise given. Use the `noise` "
                "argument (do not draw new noise), take one gradient step, and use the optimizer "
                "you were given.")
        if not np.isclose(found_loss, loss, rtol=1e-3, atol=1e-6):
            raise Incorrect(
                f"The weights moved correctly, but the loss you returned is {found_loss:.6g}; "
                f"the generator's loss before the step was {loss:.6g}. Return the loss computed "
                "inside the tape.")
    return ("One optimizer step on the generator only, along the non-saturating loss; the "
            "discriminator's weights stayed exactly as they were.")


# -- ring_scores -----------------------------------------------------------------------------
RING_STD = 0.05


def _centres(angles: np.ndarray, radius: float) -> np.ndarray:
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def _scores(samples, centres, threshold: float, min_count: int | None, *,
            use_distance: bool = True) -> tuple[int, float]:
    distances = np.linalg.norm(samples[:, None, :] - centres[None, :, :], axis=-1)
    nearest, distance = distances.argmin(axis=1), distances.min(axis=1)
    good = distance <= threshold
    n_modes = len(centres)
    if min_count is None:
        min_count = max(1, math.ceil(0.2 * len(samples) / n_modes))
    counted = nearest[good] if use_distance else nearest
    counts = np.bincount(counted, minlength=n_modes)
    return int(np.sum(counts >= min_count)), float(good.mean())


def _ring_cases() -> list[tuple[np.ndarray, float, float]]:
    """Sample sets with a mode reached only by strays, points between modes, wide noise."""
    from ..toy_data import ring_of_gaussians

    rng = np.random.default_rng(11)
    cases = []
    # The first set has a few strays at mode 3, the second many points between the modes.
    for radius, seed, n_strays, n_between in ((2.0, 1, 6, 80), (3.0, 2, 0, 400)):
        ring = ring_of_gaussians(800, radius=radius, std=RING_STD * 1.3, seed=seed)
        angles = np.arctan2(ring[:, 1], ring[:, 0])
        k = np.round(angles / (2 * np.pi / 8)) % 8
        ring = ring[k != 3]  # mode 3 empty but for the strays
        strays = _centres(np.full(n_strays, 3 * np.pi / 4), radius)
        strays = strays + rng.normal(0, RING_STD, strays.shape)
        between = _centres(2 * np.pi * (np.arange(n_between) % 8 + 0.5) / 8, radius)
        between = between + rng.normal(0, RING_STD, between.shape)
        samples = np.concatenate([ring, strays, between]).astype(np.float32)
        cases.append((samples[rng.permutation(len(samples))], RING_STD, radius))
    return cases


def _check_ring_scores(ring_scores) -> str:
    fn = require_function(ring_scores, "ring_scores")
    for samples, std, radius in _ring_cases():
        shown = f"ring_scores(samples, std={std}, radius={radius})"
        answer = _pair(call_learner(fn, samples.copy(), std, radius=radius, name=shown),
                       f"The result of `{shown}`", "(modes covered, high-quality share)")
        modes = require_number(to_numpy_safe(answer[0]), "modes covered")
        share = require_number(to_numpy_safe(answer[1]), "the high-quality share")
        right = np.linspace(0, 2 * np.pi, 8, endpoint=False)
        centres = _centres(right, radius)
        expected = _scores(samples, centres, 3 * std, None)
        lin = _scores(samples, _centres(np.linspace(0, 2 * np.pi, 8), radius), 3 * std, None)
        one_sigma = _scores(samples, centres, std, None)
        any_sample = _scores(samples, centres, 3 * std, 1)
        no_distance = _scores(samples, centres, 3 * std, None, use_distance=False)
        if 1 < share <= 100 and np.isclose(share / 100, expected[1], atol=1e-3):
            raise Incorrect(f"The high-quality share should be a fraction between 0 and 1; "
                            f"found {share:.4g}, a percentage.")
        if np.isclose(share, expected[1], atol=1e-3) and modes == expected[0]:
            continue
        head = (f"On a test set of {len(samples)} points (ring radius {radius}, std {std}) "
                f"expected {expected[0]} modes covered and a share of {expected[1]:.3f}; found "
                f"{modes:g} and {share:.3f}.")
        if (modes, round(share, 3)) == (lin[0], round(lin[1], 3)):
            raise Incorrect(f"{head} That is what np.linspace(0, 2*pi, 8) gives: its first and "
                            "last angle are the same point, so it has only 7 distinct modes. "
                            "Use the angles 2*pi*k/8 for k = 0..7.")
        if np.isclose(share, one_sigma[1], atol=1e-3):
            raise Incorrect(f"{head} That share counts samples within 1 std of a mode; a "
                            "high-quality sample lies within 3 std.")
        if not np.isclose(share, expected[1], atol=1e-3):
            raise Incorrect(f"{head} The share is the fraction of all samples whose nearest "
                            "mode centre is at most 3 * std away.")
        if modes == any_sample[0] and any_sample[0] != expected[0]:
            raise Incorrect(f"{head} You counted a mode as covered as soon as one sample reached "
                            "it; a mode needs at least ceil(0.2 * n / 8) high-quality samples "
                            "(a fifth of a fair share), so a few strays do not count.")
        if modes == no_distance[0]:
            raise Incorrect(f"{head} You counted every sample by its nearest mode, however far "
                            "away; only high-quality samples (within 3 std) count towards a "
                            "mode.")
        raise Incorrect(f"{head} A mode is covered when at least ceil(0.2 * n / 8) samples lie "
                        "within 3 std of it.")
    return ("Both numbers match on sets with stray samples, points between the modes and a "
            "second radius.")


# -- gradient_penalty ------------------------------------------------------------------------
GP_SEEDS = (3, 4)


def _quadratic_critic(x):
    import keras

    return 0.5 * keras.ops.sum(x**2, axis=1, keepdims=True)


def _mlp_critic():
    from ..gan import mlp_discriminator

    critic = mlp_discriminator(2, (16,))
    rng = np.random.default_rng(5)
    critic.set_weights([rng.normal(0.0, 0.7, w.shape).astype(np.float32)
                        for w in critic.get_weights()])
    return critic


def _gradient_norms(critic, points: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    x = tf.convert_to_tensor(points.astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = critic(x)
    grads = tape.gradient(score, x).numpy().astype(np.float64)
    return np.sqrt(np.sum(grads**2, axis=1))


def _gp_points(seed: int) -> tuple[np.ndarray, np.ndarray]:
    from ..toy_data import ring_of_gaussians

    rng = np.random.default_rng(seed + 100)
    real = ring_of_gaussians(48, std=0.02, seed=seed)
    fake = rng.normal(0.0, 0.7, (48, 2)).astype(np.float32)
    return real, fake


def _check_gradient_penalty(gradient_penalty) -> str:
    fn = require_function(gradient_penalty, "gradient_penalty")
    for critic_name, critic in (("D(x) = ||x||^2 / 2", _quadratic_critic),
                                ("a small MLP critic", _mlp_critic())):
        for seed in GP_SEEDS:
            real, fake = _gp_points(seed)
            shown = "gradient_penalty(critic, real, fake, rng)"
            found = require_number(to_numpy_safe(call_learner(
                fn, critic, real.copy(), fake.copy(), np.random.default_rng(seed), name=shown)),
                f"The penalty `{shown}` returned")
            eps = np.random.default_rng(seed).uniform(size=(len(real), 1))
            mixed = real + eps * (fake - real)
            norms = _gradient_norms(critic, mixed)
            expected = float(np.mean((norms - 1.0) ** 2))
            if np.isclose(found, expected, rtol=1e-3, atol=1e-6):
                continue
            one_eps = real + eps[0, 0] * (fake - real)
            mistakes = [
                (np.mean(norms), "you penalised the gradient norm itself; WGAN-GP penalises "
                 "its distance from 1, (||grad|| - 1)^2, so that the critic stays 1-Lipschitz "
                 "without being pushed flat."),
                (np.mean(norms**2), "you penalised the squared norm ||grad||^2; the penalty is "
                 "(||grad|| - 1)^2."),
                (np.mean((_gradient_norms(critic, one_eps) - 1.0) ** 2), "that is what one "
                 "epsilon for the whole batch gives (`rng.uniform()`); draw one per sample, "
                 "`rng.uniform(size=(n, 1))`, so the mixes fill the space between the sets."),
                (np.mean((_gradient_norms(critic, real) - 1.0) ** 2), "that is the penalty at "
                 "the real points; take the gradient with respect to the interpolates "
                 "real + eps * (fake - real) (watch them on the tape)."),
                (np.mean((_gradient_norms(critic, fake) - 1.0) ** 2), "that is the penalty at "
                 "the generated points; take the gradient with respect to the interpolates."),
                (np.sum((norms - 1.0) ** 2), "that is the sum over the batch; take the mean."),
                (float(np.mean(np.abs(norms - 1.0))), "you forgot the square: (||grad|| - "
                 "1)^2."),
            ]
            message = _first_match(found, mistakes, rtol=1e-3) or (
                "compute eps = rng.uniform(size=(n, 1)), the interpolates real + eps * (fake - "
                "real), the critic's gradient there, its norm per sample, then the mean of "
                "(norm - 1)^2.")
            raise Incorrect(f"With {critic_name}: expected {expected:.6g}, found {found:.6g}; "
                            f"{message}")
    return "Matches the reference on a quadratic critic and on a small MLP critic."


# -- winners ---------------------------------------------------------------------------------
TIE = "tie"


def _reference_winners(results: dict, lower_is_better: dict, *, direction: bool = True,
                       skip_nan: bool = True, ties: bool = True, ddof: int = 0) -> dict:
    answer = {}
    for column, lower in lower_is_better.items():
        lower = lower if direction else False
        stats = []
        for model, columns in results.items():
            values = np.asarray(columns[column], dtype=np.float64)
            if skip_nan and not np.all(np.isfinite(values)):
                continue
            std = float(np.std(values, ddof=ddof)) if len(values) > ddof else 0.0
            stats.append((model, float(np.mean(values)), std))
        if not stats:
            answer[column] = None
            continue
        key = (lambda s: s[1]) if lower else (lambda s: -s[1])
        if not skip_nan:  # np.argmin/argmax style: a NaN wins
            nan = [s for s in stats if np.isnan(s[1])]
            ordered = nan + sorted([s for s in stats if not np.isnan(s[1])], key=key)
        else:
            ordered = sorted(stats, key=key)
        best = ordered[0]
        if ties and len(ordered) > 1:
            runner = ordered[1]
            if abs(best[1] - runner[1]) <= max(best[2], runner[2]):
                answer[column] = TIE
                continue
        answer[column] = best[0]
    return answer


LOWER_IS_BETTER = {"reconstruction MSE": True, "Fréchet distance": True, "precision": False,
                   "recall": False, "training seconds": True}


def _winner_tables() -> list[dict]:
    nan = float("nan")
    return [
        {"AE + Gaussian": {"reconstruction MSE": [0.010, 0.011], "Fréchet distance": [40.0, 44.0],
                           "precision": [0.50, 0.56], "recall": [0.30, 0.31],
                           "training seconds": [3.0, 3.2]},
         "VAE": {"reconstruction MSE": [0.030, 0.031], "Fréchet distance": [30.0, 31.0],
                 "precision": [0.60, 0.64], "recall": [0.50, 0.52],
                 "training seconds": [4.0, 4.1]},
         "GAN": {"reconstruction MSE": [nan, nan], "Fréchet distance": [60.0, 90.0],
                 "precision": [0.62, 0.63], "recall": [0.10, 0.20],
                 "training seconds": [9.0, 9.5]}},
        {"A": {"reconstruction MSE": [0.02, 0.02, 0.02], "Fréchet distance": [10.0, 12.0, 11.0],
               "precision": [0.9, 0.8, 0.7], "recall": [0.2, 0.3, 0.25],
               "training seconds": [5.0, 5.0, 5.0]},
         "B": {"reconstruction MSE": [nan, nan, nan], "Fréchet distance": [20.0, 21.0, 19.0],
               "precision": [0.71, 0.72, 0.70], "recall": [0.6, 0.7, 0.65],
               "training seconds": [2.0, 2.1, 1.9]}},
    ]


def _check_winners(winners) -> str:
    fn = require_function(winners, "winners")
    for table in _winner_tables():
        copy = {m: {c: list(v) for c, v in cols.items()} for m, cols in table.items()}
        found = call_learner(fn, copy, dict(LOWER_IS_BETTER),
                             name="winners(results, lower_is_better)")
        if found is None:
            require_number(found, "The result of `winners`")
        if not isinstance(found, dict):
            raise Incorrect(f"`winners` should return a dict {{column: model name or 'tie'}}; "
                            f"found {describe(found)}.")
        expected = _reference_winners(table, LOWER_IS_BETTER)
        if set(found) != set(expected):
            raise Incorrect(f"The dict should have one entry per column, {sorted(expected)}; "
                            f"found the keys {sorted(map(str, found))}.")
        found = {c: (v.strip() if isinstance(v, str) else v) for c, v in found.items()}
        if found == expected:
            continue
        wrong = [c for c in expected if found[c] != expected[c]]
        column = wrong[0]
        head = (f"For the column '{column}' of a test table with models {sorted(table)}, "
                f"expected {expected[column]!r}, found {found[column]!r}.")
        variants = [
            (dict(direction=False), "Lower is better for the Fréchet distance, the "
             "reconstruction MSE and the training seconds: use `lower_is_better[column]`."),
            (dict(skip_nan=False), "A model whose value is NaN in a column (reconstruction MSE "
             "of a GAN: it has no encoder) has no number there and cannot win: skip it."),
            (dict(ties=False), "The best mean wins only when it beats the runner-up by more "
             "than the larger of their two seed standard deviations; otherwise it is a 'tie'."),
            (dict(ddof=1), "Use np.std with its default (ddof=0) for the seed spread."),
        ]
        for options, message in variants:
            variant = _reference_winners(table, LOWER_IS_BETTER, **options)
            if found[column] == variant[column] and variant[column] != expected[column]:
                raise Incorrect(f"{head} {message}")
        raise Incorrect(f"{head} Per column: skip models with NaN, take the best mean in the "
                        "right direction, and call it a 'tie' when the gap to the runner-up is "
                        "not larger than the larger of their seed standard deviations.")
    return "Right on both test tables, ties and undefined cells included."


gan_losses = Exercise(
    lesson=LESSON,
    name="gan_losses",
    title="the discriminator loss and the non-saturating generator loss, from logits",
    checker=_check_gan_losses,
    hints=[
        "Binary cross-entropy on a logit s with label 1 is softplus(-s); with label 0 it is "
        "softplus(s). Real samples have label 1, generated ones label 0.",
        "The generator wants its samples called real: its non-saturating loss is the label-1 "
        "loss on the fake logits, softplus(-fake_logits), averaged.",
        "`d = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))`, "
        "`g = ops.mean(ops.softplus(-fake_logits))` with `from keras import ops`.",
    ],
)

generator_step = Exercise(
    lesson=LESSON,
    name="generator_step",
    title="one training step of the generator only",
    checker=_check_generator_step,
    hints=[
        "Inside a `tf.GradientTape()`: generate from `noise`, score with the discriminator, "
        "compute mean(softplus(-score)).",
        "Take the gradient with respect to `generator.trainable_weights` only, and give only "
        "those to `optimizer.apply_gradients`.",
        "`grads = tape.gradient(loss, generator.trainable_weights)`; "
        "`optimizer.apply_gradients(zip(grads, generator.trainable_weights))`; `return loss`.",
    ],
)

ring_scores = Exercise(
    lesson=LESSON,
    name="ring_scores",
    title="modes covered and high-quality share on the ring",
    checker=_check_ring_scores,
    hints=[
        "The centres sit at angles 2*pi*k/8 for k = 0..7 "
        "(`np.linspace(0, 2*np.pi, 8, endpoint=False)`), at distance `radius` from 0.",
        "For each sample: the distance to every centre (shape (n, 8)), the nearest centre and "
        "its distance. High quality: that distance is at most 3 * std.",
        "`counts = np.bincount(nearest[good], minlength=8)`; covered modes: "
        "`np.sum(counts >= max(1, math.ceil(0.2 * n / 8)))`; share: `good.mean()`.",
    ],
)

gradient_penalty = Exercise(
    lesson=LESSON,
    name="gradient_penalty",
    title="the WGAN-GP gradient penalty",
    checker=_check_gradient_penalty,
    hints=[
        "eps = rng.uniform(size=(n, 1)) gives every sample its own mixing weight; the "
        "interpolates are real + eps * (fake - real).",
        "Convert the interpolates to a tensor, `tape.watch` it inside a `tf.GradientTape()`, "
        "score it with the critic, and take `tape.gradient(score, mixed)`: shape (n, 2).",
        "`norms = tf.sqrt(tf.reduce_sum(grads**2, axis=1))`; "
        "`return tf.reduce_mean((norms - 1.0) ** 2)`.",
    ],
)

winners = Exercise(
    lesson=LESSON,
    name="winners",
    title="the best model per column, or a tie, from numbers over seeds",
    checker=_check_winners,
    hints=[
        "Per column, skip the models whose values are not all finite (np.isfinite), then "
        "compute each remaining model's mean and np.std over its seeds.",
        "Sort by mean, ascending when lower_is_better[column] is True, descending otherwise; "
        "the first is the best, the second the runner-up.",
        "`answer[column] = best if abs(best_mean - runner_mean) > max(best_std, runner_std) "
        "else 'tie'` (a single model with numbers wins its column).",
    ],
)

EXERCISES = (gan_losses, generator_step, ring_scores, gradient_penalty, winners)
