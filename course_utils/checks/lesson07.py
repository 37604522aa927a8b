"""Checks for lesson 07, "Variational autoencoders"."""

from __future__ import annotations

import functools

import numpy as np

from .common import bundled_image_split
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_function,
    require_number,
)

LESSON = "07"


def _explain(found: np.ndarray, mistakes, *, prefix: str, otherwise: str, rtol: float = 1e-4):
    """Raise Incorrect naming the first typical mistake whose values match ``found``."""
    for values, message in mistakes:
        values = np.asarray(values, dtype=np.float64)
        if values.shape == found.shape and np.all(np.isfinite(values)) and np.allclose(
                found, values, rtol=rtol, atol=1e-6):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


def _first_difference(found: np.ndarray, expected: np.ndarray) -> str:
    gap = np.abs(found - expected)
    index = np.unravel_index(int(np.argmax(gap)), gap.shape)
    shown = tuple(int(i) for i in index)
    return f"At index {shown} expected {expected[index]:.5g}, found {found[index]:.5g}."


# -- reparameterize ------------------------------------------------------------------------------
def _reparameterisation_inputs(seed: int, n: int = 6, units: int = 4):
    rng = np.random.default_rng(seed)
    z_mean = rng.normal(0.0, 1.5, (n, units)).astype(np.float32)
    z_log_var = rng.uniform(-3.0, 1.5, (n, units)).astype(np.float32)
    eps = rng.normal(0.0, 1.0, (n, units)).astype(np.float32)
    return z_mean, z_log_var, eps


def _check_reparameterize(reparameterize) -> str:
    fn = require_function(reparameterize, "reparameterize")
    z_mean, z_log_var, eps = _reparameterisation_inputs(0)
    shown = "reparameterize(z_mean, z_log_var, eps)"
    result = call_learner(fn, z_mean.copy(), z_log_var.copy(), eps.copy(), name=shown)
    found = require_array(result, f"The result of `{shown}`", shape=z_mean.shape, finite=False)
    found = found.astype(np.float64)
    mean, log_var, noise = (a.astype(np.float64) for a in (z_mean, z_log_var, eps))
    if not np.all(np.isfinite(found)):
        if np.all(np.isnan(found) == (log_var < 0)):
            raise Incorrect("Your z is NaN exactly where z_log_var is negative: you took the "
                            "square root of the log-variance. The log-variance can be negative; "
                            "the standard deviation is exp(z_log_var / 2).")
        raise Incorrect(f"The result of `{shown}` contains NaN or infinite values.")
    expected = mean + np.exp(0.5 * log_var) * noise
    if not np.allclose(found, expected, rtol=1e-4, atol=1e-5):
        again = np.asarray(call_learner(fn, z_mean, z_log_var, eps, name=shown), dtype=np.float64)
        mistakes = [
            (mean, "That is z_mean itself: no noise, no sample. Without the noise the model is a "
             "plain autoencoder with a KL penalty; the sample is z_mean + sigma * eps."),
            (mean + np.exp(log_var) * noise, "You multiplied eps by exp(z_log_var), which is the "
             "*variance*. The standard deviation is its square root: exp(z_log_var / 2)."),
            (mean + log_var * noise, "You used z_log_var as the standard deviation. It is the "
             "logarithm of the variance: sigma = exp(z_log_var / 2)."),
            (mean + np.exp(0.5 * log_var), "You added "
             "sigma but forgot to multiply it by the noise eps."),
            (np.exp(0.5 * log_var) * noise, "The mean is missing: z = z_mean + sigma * eps."),
            (mean - np.exp(0.5 * log_var) * noise, "The noise enters with a minus sign: "
             "z = z_mean + sigma * eps (with the eps you were given)."),
        ]
        if not np.allclose(again, found):
            raise Incorrect("Called twice with the same eps, your function gave two different "
                            "results: it draws its own noise. Use the `eps` it is given (the "
                            "check needs to know the noise to compare).")
        _explain(found, mistakes, prefix=_first_difference(found, expected),
                 otherwise="Compute z_mean + exp(z_log_var / 2) * eps.")
    # Gradients must reach z_mean and z_log_var: that is the point of the trick.
    import tensorflow as tf

    mean_t, log_var_t = tf.constant(z_mean), tf.constant(z_log_var)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([mean_t, log_var_t])
        z = call_learner(fn, mean_t, log_var_t, tf.constant(eps), name=shown)
        try:
            total = tf.reduce_sum(tf.convert_to_tensor(z, dtype=tf.float32))
        except (TypeError, ValueError) as err:
            raise Incorrect(f"Called with TensorFlow tensors, your function returned "
                            f"{describe(z)}, which is not a tensor of numbers.") from err
    grads = tape.gradient(total, [mean_t, log_var_t])
    if any(g is None for g in grads):
        missing = " and ".join(name for name, g in zip(("z_mean", "z_log_var"), grads, strict=True)
                               if g is None)
        raise Incorrect(f"Your values are right, but no gradient reaches {missing}: the function "
                        "leaves TensorFlow (NumPy functions such as np.exp or np.asarray turn "
                        "tensors into plain arrays) or stops the gradient. Use keras.ops.exp, "
                        "which works on both arrays and tensors.")
    expected_grad = 0.5 * np.exp(0.5 * log_var) * noise
    if not np.allclose(grads[1].numpy(), expected_grad, rtol=1e-3, atol=1e-5):
        raise Incorrect("The values are right, but the gradient with respect to z_log_var is "
                        "not: did you stop the gradient somewhere?")
    return ("z = z_mean + exp(z_log_var / 2) * eps, and gradients flow to both z_mean and "
            "z_log_var.")


# -- kl_divergence -------------------------------------------------------------------------------
def _kl_reference(mean: np.ndarray, log_var: np.ndarray) -> np.ndarray:
    return -0.5 * np.sum(1.0 + log_var - mean**2 - np.exp(log_var), axis=-1)


def _check_kl_divergence(kl_divergence) -> str:
    fn = require_function(kl_divergence, "kl_divergence")
    rng = np.random.default_rng(7)
    # First positive log-variances (so that reading them as variances gives finite numbers),
    # then negative ones too.
    for low, high in ((0.2, 1.5), (-3.0, 1.0)):
        mean = rng.normal(0.0, 1.5, (5, 3)).astype(np.float32)
        log_var = rng.uniform(low, high, (5, 3)).astype(np.float32)
        shown = "kl_divergence(z_mean, z_log_var)"
        result = call_learner(fn, mean.copy(), log_var.copy(), name=shown)
        values = require_array(result, f"The result of `{shown}`")
        if values.size == 1:
            raise Incorrect(f"`{shown}` gave a single number for 5 images; the check expects one "
                            "KL per image, shape (5,): sum over the code units (axis=-1) only.")
        if values.shape == mean.shape:
            raise Incorrect(f"`{shown}` gave shape {values.shape}, one KL per image *and* unit. "
                            "Sum over the code units: shape (5,).")
        found = require_array(values, f"The result of `{shown}`", shape=(5,)).astype(np.float64)
        m, lv = mean.astype(np.float64), log_var.astype(np.float64)
        expected = _kl_reference(m, lv)
        if np.allclose(found, expected, rtol=1e-4, atol=1e-5):
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            as_variance = 0.5 * np.sum(lv + m**2 - 1.0 - np.log(lv), axis=-1)
        mistakes = [
            (-expected, "The sign is wrong: KL is never negative. KL = -1/2 * sum(1 + log_var "
             "- mean**2 - exp(log_var))."),
            (as_variance, "You used z_log_var as the variance. It is the log of the variance: "
             "the variance is exp(z_log_var)."),
            (expected / mean.shape[1], "That is the mean over the code units; the KL of a "
             "diagonal Gaussian is the *sum* of the units' KLs."),
            (2 * expected, "The factor 1/2 is missing."),
            (-0.5 * np.sum(1.0 + lv - m - np.exp(lv), axis=-1), "The mean enters squared: "
             "... - z_mean**2 ..."),
        ]
        _explain(found, mistakes, prefix=_first_difference(found, expected),
                 otherwise="Compute -1/2 * sum over units of (1 + z_log_var - z_mean**2 - "
                 "exp(z_log_var)).")
    return "Your KL matches the closed form, per image, for positive and negative log-variances."


# -- elbo_loss -----------------------------------------------------------------------------------
def _bce(images: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities, 1e-7, 1 - 1e-7)
    return -(images * np.log(p) + (1 - images) * np.log(1 - p))


def _check_elbo_loss(elbo_loss) -> str:
    fn = require_function(elbo_loss, "elbo_loss")
    rng = np.random.default_rng(3)
    for beta in (0.5, 3.0):
        images = rng.random((4, 28, 28)).astype(np.float32)
        images[:, :5] = 0.0  # some blank pixels, as in MNIST
        reconstructions = rng.uniform(0.05, 0.95, (4, 28, 28)).astype(np.float32)
        mean = rng.normal(0.0, 1.5, (4, 3)).astype(np.float32)
        log_var = rng.uniform(-2.0, 1.0, (4, 3)).astype(np.float32)
        shown = f"elbo_loss(images, reconstructions, z_mean, z_log_var, beta={beta})"
        result = call_learner(fn, images.copy(), reconstructions.copy(), mean.copy(),
                              log_var.copy(), beta, name=shown)
        values = require_array(result, f"The result of `{shown}`")
        if values.size == 1:
            raise Incorrect(f"`{shown}` gave one number for 4 images; the check expects one loss "
                            "per image, shape (4,). Average over the batch only when training.")
        found = require_array(values, f"The result of `{shown}`", shape=(4,)).astype(np.float64)
        x, p = images.astype(np.float64), reconstructions.astype(np.float64)
        bce = _bce(x, p).reshape(4, -1)
        kl = _kl_reference(mean.astype(np.float64), log_var.astype(np.float64))
        expected = bce.sum(axis=1) + beta * kl
        if np.allclose(found, expected, rtol=1e-4, atol=1e-3):
            continue
        mse = ((x - p) ** 2).reshape(4, -1)
        mistakes = [
            (bce.mean(axis=1) + beta * kl, "The reconstruction term is the *mean* BCE per pixel; "
             "the ELBO needs the *sum* over the 784 pixels (log p(x|z) of the whole image). With "
             "the mean the KL term is weighted 784 times too much."),
            (bce.sum(axis=1) + kl, f"beta is ignored: with beta={beta} the KL term is "
             "multiplied by beta."),
            (beta * bce.sum(axis=1) + kl, "beta multiplies the reconstruction term; it should "
             "multiply the KL term: loss = reconstruction + beta * KL."),
            (bce.sum(axis=1) - beta * kl, "The KL term is subtracted; the loss (negative ELBO) "
             "adds it: reconstruction + beta * KL."),
            (mse.sum(axis=1) + beta * kl, "That is the summed squared error; the VAE's "
             "reconstruction term here is the binary cross-entropy summed over the pixels."),
        ]
        _explain(found, mistakes, prefix=_first_difference(found, expected),
                 otherwise="Per image: sum over pixels of BCE(x, x_hat) + beta * KL.")
    return "Per image: summed BCE + beta * KL, as course_utils.vae.VAE minimises it."


# -- count_active_units --------------------------------------------------------------------------
def _activity_inputs(seed: int):
    """Codes whose units are active, barely moving (std above but variance below 0.01) or
    constant far from 0; log-variances that vary in yet another pattern."""
    rng = np.random.default_rng(seed)
    n = 300
    active = rng.normal(0.0, 1.0, (n, 4))
    small = rng.normal(0.0, 0.06, (n, 3))  # variance ~0.0036: inactive, std ~0.06 > 0.01
    constant = 2.0 + rng.normal(0.0, 0.001, (n, 5))  # inactive, but far from 0
    z_mean = np.concatenate([active, small, constant], axis=1).astype(np.float32)
    z_log_var = np.concatenate([rng.normal(-4.0, 0.02, (n, 2)), rng.normal(-0.1, 0.5, (n, 10))],
                               axis=1).astype(np.float32)
    return z_mean, z_log_var


def _check_count_active_units(count_active_units) -> str:
    fn = require_function(count_active_units, "count_active_units")
    z_mean, z_log_var = _activity_inputs(0)
    for threshold in (0.01, 0.5):
        shown = f"count_active_units(z_mean, z_log_var, threshold={threshold})"
        found = require_number(call_learner(fn, z_mean.copy(), z_log_var.copy(), threshold,
                                            name=shown), f"The result of `{shown}`")
        mean = z_mean.astype(np.float64)
        expected = int(np.sum(np.var(mean, axis=0) > threshold))
        if found == expected:
            continue
        mistakes = [
            (np.sum(np.var(mean, axis=1) > threshold), "You took the variance over the wrong "
             "axis: over the code units of each image. Take each unit's variance over the "
             "images, `np.var(z_mean, axis=0)`: a unit is active when its mean moves with x."),
            (np.sum(np.var(z_log_var.astype(np.float64), axis=0) > threshold), "You measured "
             "z_log_var. Activity (Burda et al. 2016) is about the posterior *means*: how much "
             "E[z_u | x] = z_mean[:, u] varies from image to image."),
            (np.sum(np.std(mean, axis=0) > threshold), "You compared the standard deviation "
             "with the threshold; the measure compares the *variance*."),
            (np.sum(np.abs(mean).mean(axis=0) > threshold), "You looked at the size of the "
             "means; a unit with a large but constant mean ignores the image. Use the variance "
             "over the images."),
            (np.sum(np.var(mean, axis=0) < threshold), "You counted the inactive units (variance "
             "below the threshold)."),
        ]
        prefix = f"With threshold={threshold}: expected {expected} active units, found {found:g}."
        for value, message in mistakes:
            if found == value:
                raise Incorrect(f"{prefix} {message}")
        raise Incorrect(f"{prefix} Count the units u with var over images of z_mean[:, u] > "
                        "threshold.")
    return "Active units counted from the variance of the posterior means over the images."


# -- beta ----------------------------------------------------------------------------------------
BETA_CODE = 16
BETA_HIDDEN = (128,)
BETA_EPOCHS, BETA_BATCH, BETA_LEARNING_RATE = 10, 100, 3e-3
TARGET_RATE = 8.0  # held-out KL (nats per image), at most
TARGET_DISTORTION = 205.0  # held-out reconstruction (summed BCE, nats per image), at most


def train_beta_vae(images, beta: float, *, seed: int = 0):
    """The recipe of exercise 5: ``dense_vae(16, hidden=(128,), beta=beta)``, Adam (learning rate
    3e-3), 10 epochs of batches of 100 ``images``. Returns the trained VAE.

    The check trains exactly this way, on its own 600 images, and measures on 300 others.
    """
    import keras

    from ..vae import dense_vae

    keras.utils.set_random_seed(seed)
    vae = dense_vae(BETA_CODE, hidden=BETA_HIDDEN, beta=beta, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(BETA_LEARNING_RATE), steps_per_execution=6)
    vae.fit(np.asarray(images, dtype=np.float32), epochs=BETA_EPOCHS, batch_size=BETA_BATCH,
            verbose=0, shuffle=True)
    return vae


def rate_distortion(vae, images) -> tuple[float, float]:
    """(rate, distortion) of a VAE on ``images``: mean KL and mean summed BCE per image, nats."""
    result = vae.evaluate(np.asarray(images, dtype=np.float32), batch_size=500, verbose=0,
                          return_dict=True)
    return float(result["kl"]), float(result["reconstruction"])


def _check_images() -> tuple[np.ndarray, np.ndarray]:
    """600 training and 300 held-out images from the bundled MNIST subset, always the same."""
    return bundled_image_split(7, 600, 300)


@functools.cache
def _beta_result(beta: float) -> tuple[float, float]:
    x_train, x_held_out = _check_images()
    return rate_distortion(train_beta_vae(x_train, beta), x_held_out)


def _check_beta(beta) -> str:
    found = require_number(beta, "BETA")
    if found < 0:
        raise Incorrect(f"BETA is {found:g}: the weight of the KL term cannot be negative.")
    if found > 100:
        raise Incorrect(f"BETA is {found:g}: far too large (useful values lie between about 0.1 "
                        "and 20). Did you store a KL or a reconstruction instead of beta?")
    rate, distortion = _beta_result(found)
    rate_text, rate_target = distinct_numbers(rate, TARGET_RATE)
    dist_text, dist_target = distinct_numbers(distortion, TARGET_DISTORTION)
    measured = (f"With beta={found:g} the check's VAE reached, on held-out images, a rate (KL) of "
                f"{rate_text} nats and a distortion (reconstruction) of {dist_text} nats.")
    if rate > TARGET_RATE:
        raise Incorrect(f"{measured} The rate must be at most {rate_target}: the code carries "
                        "too much information. A larger beta makes the KL term cost more.")
    if distortion > TARGET_DISTORTION:
        raise Incorrect(f"{measured} The distortion must be at most {dist_target}: beta is so "
                        "large that the code carries too little. Take a smaller beta.")
    return f"{measured} Both targets met (rate <= {rate_target}, distortion <= {dist_target})."


# -- exercises -----------------------------------------------------------------------------------
reparameterize = Exercise(
    lesson=LESSON,
    name="reparameterize",
    title="the reparameterisation trick",
    checker=_check_reparameterize,
    hints=[
        "The sample is the mean plus the standard deviation times the noise you are given.",
        "z_log_var is log(sigma**2), so sigma = exp(z_log_var / 2), not exp(z_log_var).",
        "return z_mean + keras.ops.exp(0.5 * z_log_var) * eps",
    ],
)

kl_divergence = Exercise(
    lesson=LESSON,
    name="kl_divergence",
    title="the closed-form KL against N(0, I)",
    checker=_check_kl_divergence,
    hints=[
        "Per unit: KL(N(mu, sigma**2) || N(0, 1)) = 1/2 (sigma**2 + mu**2 - 1 - log sigma**2). "
        "Here log sigma**2 is z_log_var itself.",
        "Sum the units' KLs over the last axis: one number per image.",
        "return -0.5 * keras.ops.sum(1 + z_log_var - z_mean**2 - keras.ops.exp(z_log_var), "
        "axis=-1)",
    ],
)

elbo_loss = Exercise(
    lesson=LESSON,
    name="elbo_loss",
    title="the beta-weighted negative ELBO per image",
    checker=_check_elbo_loss,
    hints=[
        "Two terms per image: the binary cross-entropy summed over all 784 pixels, and beta "
        "times the KL of exercise 2.",
        "keras.ops.binary_crossentropy(images, reconstructions) gives one value per pixel "
        "(shape (n, 28, 28)); sum it over axes 1 and 2.",
        "bce = keras.ops.sum(keras.ops.binary_crossentropy(images, reconstructions), axis=(1, 2)); "
        "return bce + beta * kl_divergence(z_mean, z_log_var)",
    ],
)

count_active_units = Exercise(
    lesson=LESSON,
    name="count_active_units",
    title="active units from the posterior means",
    checker=_check_count_active_units,
    hints=[
        "A unit is active when its posterior mean changes with the image: look at z_mean only.",
        "np.var(z_mean, axis=0) gives one variance per unit (over the images).",
        "return int(np.sum(np.var(z_mean, axis=0) > threshold))",
    ],
)

beta = Exercise(
    lesson=LESSON,
    name="beta",
    title="a beta chosen for a rate and a distortion target",
    checker=_check_beta,
    hints=[
        "For each beta in BETAS: vae = checks.train_beta_vae(x_small, beta), then "
        "checks.rate_distortion(vae, x_val) gives (rate, distortion) on validation images.",
        "The rate falls and the distortion rises as beta grows: keep the betas that meet both "
        "targets on validation images.",
        "The check measures on other images, so its numbers differ from yours by a few nats. "
        "Among the betas that meet both targets, take the one with the largest margin to the "
        "nearer target (relative margins: 1 - rate / TARGET_RATE, 1 - distortion / "
        "TARGET_DISTORTION).",
    ],
)

EXERCISES = (
    reparameterize,
    kl_divergence,
    elbo_loss,
    count_active_units,
    beta,
)
