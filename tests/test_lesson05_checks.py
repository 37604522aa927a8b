"""Lesson 05 checks: reference answers pass, typical mistakes get specific feedback."""

import keras
import numpy as np
import pytest

from course_utils.checks import Outcome
from course_utils.checks import lesson05 as checks
from course_utils.models import dense_autoencoder
from course_utils.noise import add_gaussian_noise as course_gaussian
from course_utils.noise import add_masking_noise as course_masking
from course_utils.sparsity import KLSparsity, kl_sparsity


def _numpy(weight):
    return keras.ops.convert_to_numpy(weight)


def penalty(model, l1, l2, keep=lambda path: path.endswith("kernel")):
    return sum(l1 * np.abs(_numpy(w)).sum() + l2 * np.square(_numpy(w)).sum()
               for w in model.weights if keep(w.path))


def kl(codes, rho, axis=0, clip=True):
    rho_hat = codes.mean(axis=axis)
    if clip:
        rho_hat = np.clip(rho_hat, 1e-6, 1 - 1e-6)
    with np.errstate(divide="ignore"):  # the unclipped mistake divides by 0
        return np.sum(rho * np.log(rho / rho_hat)
                      + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))


def sparse_ae(regularizer=None, activation="sigmoid"):
    return lambda: dense_autoencoder(100, hidden=(), code_activation=activation,
                                     activity_regularizer=regularizer)


def gaussian(images, std, rng):
    return np.clip(images + rng.normal(0.0, std, images.shape), 0.0, 1.0).astype("float32")


def masking(images, fraction, rng):
    return np.where(rng.random(images.shape) < fraction, 0.0, images).astype("float32")


def _outcome(exercise, answer):
    return exercise.evaluate(answer)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.weight_penalty, penalty),
        (checks.kl_sparsity_penalty, kl),
        (checks.kl_sparsity_penalty, kl_sparsity),  # keras.ops tensors are fine too
        (checks.build_sparse_autoencoder, sparse_ae(KLSparsity(rho=0.05, weight=3e-3))),
        (checks.add_gaussian_noise, gaussian),
        (checks.add_gaussian_noise, lambda images, std, rng: course_gaussian(images, std, rng=rng)),
        (checks.add_masking_noise, masking),
        (checks.add_masking_noise, lambda images, p, rng: course_masking(images, p, rng=rng)),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_the_sparse_check_is_deterministic_and_close_to_the_measured_reference():
    messages = {_outcome(checks.build_sparse_autoencoder,
                         sparse_ae(KLSparsity(rho=0.05, weight=3e-3))).message for _ in range(2)}
    assert len(messages) == 1
    assert "0 dead units" in messages.pop()


@pytest.mark.parametrize(
    ("exercise", "answer", "words"),
    [
        (checks.weight_penalty, lambda m, l1, l2: penalty(m, l1, l2, keep=lambda p: True),
         "biases too"),
        (checks.weight_penalty, lambda m, l1, l2: penalty(m, l2, l1), "swapped"),
        (checks.weight_penalty,
         lambda m, l1, l2: sum(l1 * np.abs(_numpy(w)).sum() + l2 * np.linalg.norm(_numpy(w))
                               for w in m.weights if w.path.endswith("kernel")),
         "square root"),
        (checks.weight_penalty, lambda m, l1, l2: [1.0, 2.0], "single number"),
        (checks.kl_sparsity_penalty, lambda c, rho: kl(c, rho, clip=False), "Clip rho_hat"),
        (checks.kl_sparsity_penalty, lambda c, rho: kl(c, rho, axis=1), "axis=0"),
        (checks.kl_sparsity_penalty, lambda c, rho: kl(c, rho) / c.shape[1], "*sums*"),
        (checks.kl_sparsity_penalty,
         lambda c, rho: np.sum(np.clip(c.mean(0), 1e-6, 1) * np.log(np.clip(c.mean(0), 1e-6, 1)
                                                                     / rho)
                               + (1 - c.mean(0)) * np.log((1 - c.mean(0)) / (1 - rho))),
         "wrong way round"),
        (checks.kl_sparsity_penalty,
         lambda c, rho: np.sum(rho * np.log(rho / np.clip(c.mean(0), 1e-6, 1))),
         "second term"),
        (checks.build_sparse_autoencoder, sparse_ae(), "at most 35 active units"),
        (checks.build_sparse_autoencoder, sparse_ae(keras.regularizers.L1(1e-3)), "dead"),
        (checks.build_sparse_autoencoder, sparse_ae(KLSparsity(rho=0.05, weight=3e-2)),
         "MSE must be at most"),
        (checks.build_sparse_autoencoder, sparse_ae(KLSparsity(), activation=None),
         "code_activation='sigmoid'"),
        (checks.build_sparse_autoencoder, lambda: dense_autoencoder(32, hidden=(),
                                                                    code_activation="sigmoid"),
         "100 units"),
        (checks.build_sparse_autoencoder, lambda: keras.Sequential([
            keras.Input((28, 28)), keras.layers.Flatten(),
            keras.layers.Dense(784, activation="sigmoid"), keras.layers.Reshape((28, 28))]),
         "`.encoder`"),
        (checks.add_gaussian_noise,
         lambda x, std, rng: np.clip(x + np.random.normal(0, std, x.shape), 0, 1),
         "not from `np.random` directly"),
        (checks.add_gaussian_noise,
         lambda x, std, rng: np.clip(x + np.random.default_rng(0).normal(0, std, x.shape), 0, 1),
         "ignores `rng`"),
        (checks.add_gaussian_noise, lambda x, std, rng: gaussian(x, std**2, rng), "variance"),
        (checks.add_gaussian_noise, lambda x, std, rng: x + rng.normal(0, std, x.shape),
         "np.clip"),
        (checks.add_gaussian_noise,
         lambda x, std, rng: np.clip(x + rng.normal(0, std, x.shape[1:]), 0, 1),
         "same noise"),
        (checks.add_gaussian_noise, lambda x, std, rng: x, "unchanged"),
        (checks.add_masking_noise,
         lambda x, p, rng: np.where(rng.random(x.shape) < p, x, 0.0), "kept that fraction"),
        (checks.add_masking_noise,
         lambda x, p, rng: np.where(rng.random(x.shape) < p, 0.0, x / (1 - p)), "rescaling"),
        (checks.add_masking_noise,
         lambda x, p, rng: np.where(rng.random(x.shape[1:]) < p, 0.0, x), "every image"),
        (checks.add_masking_noise,
         lambda x, p, rng: np.where(np.random.random(x.shape) < p, 0.0, x), "np.random"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert words in feedback.message, feedback.message


def _in_place(x, std, rng):
    x += rng.normal(0, std, x.shape).astype(x.dtype)
    return np.clip(x, 0, 1)


def test_changing_the_input_is_reported():
    feedback = _outcome(checks.add_gaussian_noise, _in_place)
    assert feedback.outcome is Outcome.INCORRECT and "changed the images" in feedback.message


def test_learner_errors_during_the_checks_training_are_reported_as_theirs():
    class Broken(keras.regularizers.Regularizer):
        def __call__(self, x):
            raise ValueError("my regulariser is broken")

    feedback = _outcome(checks.build_sparse_autoencoder, sparse_ae(Broken()))
    assert feedback.outcome is Outcome.RAISED and "broken" in feedback.message
