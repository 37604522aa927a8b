"""Lesson 05 checks: reference answers pass, typical mistakes get specific feedback."""

import re
from functools import partial

import keras
import numpy as np
import pytest

from course_utils import sparsity
from course_utils.checks import Outcome
from course_utils.checks import lesson05 as checks
from course_utils.checks.common import bundled_image_split
from course_utils.models import dense_autoencoder
from course_utils.noise import NoisyBatches, add_gaussian_noise, add_masking_noise
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


def denoiser(noisy_inputs=None, *, epochs=1, fit=True, freeze=False, scale=1.0):
    """A train_denoiser answer; ``noisy_inputs(images, std, rng)`` makes its training inputs."""

    def train_denoiser(images, std):
        rng = np.random.default_rng(0)
        images = images / scale
        model = dense_autoencoder(32, hidden=(128,))
        if freeze:
            model.trainable = False
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
        if fit:
            inputs = images if noisy_inputs is None else noisy_inputs(images, std, rng)
            model.fit(inputs, images, epochs=epochs, batch_size=100, verbose=0)
        return model

    return train_denoiser


def noisy_in_noisy_out(images, std):
    model = dense_autoencoder(32, hidden=(128,))
    model.compile(optimizer="adam", loss="mse")
    noisy = add_gaussian_noise(images, std, rng=0)
    model.fit(noisy, noisy, epochs=1, batch_size=100, verbose=0)
    return model


NOTEBOOK_IMAGES = bundled_image_split(99, 1000, 0)[0]  # stands for the notebook's x_fit


def ignores_images(images, std):
    """Trains on a global array instead of its ``images`` argument."""
    model = dense_autoencoder(32, hidden=(128,))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    model.fit(add_gaussian_noise(NOTEBOOK_IMAGES, std, rng=0), NOTEBOOK_IMAGES, epochs=1,
              batch_size=100, verbose=0)
    return model


def swapped_pairs(images, std):
    model = dense_autoencoder(32, hidden=(128,))
    model.compile(optimizer="adam", loss="mse")
    model.fit(images, add_gaussian_noise(images, std, rng=0), epochs=1, batch_size=100,
              verbose=0)
    return model


def gaussian_noise_layer(images, std):
    """Noise from a Keras layer: unclipped, and fit sees clean inputs."""
    autoencoder = dense_autoencoder(32, hidden=(128,))
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.GaussianNoise(std),
                              autoencoder])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    model.fit(images, images, epochs=1, batch_size=100, verbose=0)
    return autoencoder


def fresh_noise(images, std, rng):
    return add_gaussian_noise(images, std, rng=rng)


def reference_denoiser(images, std):
    model = dense_autoencoder(32, hidden=(128,))
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse")
    batches = NoisyBatches(images, partial(add_gaussian_noise, std=std), batch_size=100, seed=0)
    model.fit(batches, epochs=20, verbose=0)
    return model


def _outcome(exercise, answer):
    return exercise.evaluate(answer)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.weight_penalty, penalty),
        (checks.kl_sparsity_penalty, kl),
        (checks.kl_sparsity_penalty, kl_sparsity),  # keras.ops tensors are fine too
        (checks.l2_strength, 3e-5),
        (checks.l2_strength, 1e-4),
        (checks.train_denoiser, reference_denoiser),
    ],
)
def test_reference_answers_are_correct(exercise, answer):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.CORRECT, feedback


REFERENCE_SPARSITY_WEIGHT = 3e-3


@pytest.fixture(scope="module")
def reference_sparse_feedbacks():
    """Two runs of the sparse check on the reference answer (each trains a model): shared."""
    return [_outcome(checks.build_sparse_autoencoder,
                     sparse_ae(KLSparsity(rho=0.05, weight=REFERENCE_SPARSITY_WEIGHT)))
            for _ in range(2)]


def test_the_sparse_reference_answer_is_correct(reference_sparse_feedbacks):
    feedback = reference_sparse_feedbacks[0]
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_the_sparse_check_is_deterministic_and_close_to_the_measured_reference(
        reference_sparse_feedbacks):
    messages = {feedback.message for feedback in reference_sparse_feedbacks}
    assert len(messages) == 1
    assert "0 dead units" in messages.pop()


@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
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
        (checks.weight_penalty,
         lambda m, l1, l2: penalty(m.encoder, l1, l2), "encoder's kernels only"),
        (checks.l2_strength, 0.0, "too weak"),
        (checks.l2_strength, 1e-3, "underfits"),  # the smallest train/validation gap
        (checks.l2_strength, keras.regularizers.L2(3e-5), "not a regulariser"),
        (checks.l2_strength, -3e-5, "cannot be negative"),
        (checks.l2_strength, 5.0, "far too strong"),
        (checks.train_denoiser, denoiser(None), "inputs equal to its targets"),
        (checks.train_denoiser, noisy_in_noisy_out, "inputs equal to its targets"),
        (checks.train_denoiser,
         denoiser(lambda x, std, rng: np.clip(x + rng.normal(0, std, x.shape[1:]), 0, 1)),
         "same noise pattern"),
        (checks.train_denoiser, denoiser(lambda x, std, rng: x + rng.normal(0, std, x.shape)),
         "clip them into [0, 1]"),
        (checks.train_denoiser, denoiser(lambda x, std, rng: fresh_noise(x, std**2, rng)),
         "not std**2"),
        (checks.train_denoiser,
         denoiser(lambda x, std, rng: add_masking_noise(x, 0.5, rng=rng)), "every pixel"),
        (checks.train_denoiser, denoiser(fresh_noise, scale=255.0), "divided by 255 again"),
        (checks.train_denoiser, denoiser(fresh_noise, fit=False), "did you call fit?"),
        (checks.train_denoiser, denoiser(fresh_noise, freeze=True), "trainable"),
        (checks.train_denoiser, denoiser(fresh_noise, epochs=1), "Train longer"),
        (checks.train_denoiser, lambda x, std: dense_autoencoder(32).fit, "Keras model"),
        (checks.train_denoiser, denoiser(lambda x, std, rng: fresh_noise(x, 0.4, rng)),
         "fixed noise level"),
        (checks.train_denoiser, ignores_images, "not the `images` your function was given"),
        (checks.train_denoiser, swapped_pairs, "swapped"),
        (checks.train_denoiser,
         denoiser(lambda x, std, rng: np.clip(x + rng.normal(0, std, (len(x), 1, 1)), 0, 1)),
         "single noise value"),
        (checks.train_denoiser,
         denoiser(lambda x, std, rng: np.clip(x + rng.uniform(0, std, x.shape), 0, 1)),
         "almost never negative"),
        (checks.train_denoiser,
         denoiser(lambda x, std, rng: np.clip(x + np.abs(rng.normal(0, std, x.shape)), 0, 1)),
         "almost never negative"),
        (checks.train_denoiser, denoiser(lambda x, std, rng: fresh_noise(x, np.sqrt(std), rng)),
         "standard deviation of about"),
        (checks.train_denoiser, gaussian_noise_layer, "GaussianNoise layer"),
    ],
)
def test_typical_mistakes_get_specific_feedback(exercise, answer, words):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert words in feedback.message, feedback.message
    assert "not quite yet" in str(feedback).lower(), str(feedback)


def test_changing_the_input_is_reported():
    def in_place(images, std):
        images += 0.1
        return denoiser(None, fit=False)(images, std)

    feedback = _outcome(checks.train_denoiser, in_place)
    assert feedback.outcome is Outcome.INCORRECT and "changed the clean images" in feedback.message


def test_frozen_weights_are_caught_by_the_sparse_check():
    def frozen():
        model = sparse_ae(KLSparsity(rho=0.05, weight=3e-3))()
        model.encoder.trainable = False
        return model

    feedback = _outcome(checks.build_sparse_autoencoder, frozen)
    assert feedback.outcome is Outcome.INCORRECT and "trainable" in feedback.message


def test_the_kl_docstring_example_meets_the_lessons_target(reference_sparse_feedbacks):
    weight = float(re.search(r"KLSparsity\(rho=0.05, weight=([0-9.e-]+)\)", sparsity.__doc__)[1])
    if weight == REFERENCE_SPARSITY_WEIGHT:  # the reference answer: its (deterministic) outcome
        feedback = reference_sparse_feedbacks[0]
    else:
        feedback = _outcome(checks.build_sparse_autoencoder, sparse_ae(KLSparsity(0.05, weight)))
    assert feedback.outcome is Outcome.CORRECT, feedback


def test_messages_never_show_a_target_and_a_finding_alike():
    feedback = _outcome(checks.l2_strength, 0.0)
    numbers = re.findall(r"held-out MSE ([0-9.]+)\..*at most ([0-9.]+)\.", feedback.message)
    assert numbers and numbers[0][0] != numbers[0][1], feedback.message


def test_learner_errors_during_the_checks_training_are_reported_as_theirs():
    class Broken(keras.regularizers.Regularizer):
        def __call__(self, x):
            raise ValueError("my regulariser is broken")

    feedback = _outcome(checks.build_sparse_autoencoder, sparse_ae(Broken()))
    assert feedback.outcome is Outcome.RAISED and "broken" in feedback.message


def test_a_gaussian_noise_layer_is_told_what_is_wrong():
    feedback = _outcome(checks.train_denoiser, gaussian_noise_layer)
    assert "not clipped" in feedback.message, feedback.message
    assert "clean images in" not in feedback.message, feedback.message


def test_the_denoiser_check_calls_with_two_settings_of_every_argument():
    calls = []

    def recording(images, std):
        calls.append((np.array(images, copy=True), std))
        return reference_denoiser(images, std)

    feedback = _outcome(checks.train_denoiser, recording)
    assert feedback.outcome is Outcome.CORRECT, feedback
    assert len({std for _, std in calls}) == 2
    (first, _), (second, _) = calls
    assert first.shape != second.shape or not np.array_equal(first, second)
    # neither call passes the images a notebook would hold
    assert not any(np.array_equal(images, NOTEBOOK_IMAGES) for images, _ in calls)


# -- a written function that forgets `return` is not "not attempted" ----------------------------
def _penalty_no_return(model, l1, l2):
    kernels = [w for w in model.trainable_weights if "kernel" in w.path]
    penalty = sum(l1 * float(np.abs(k).sum()) + l2 * float(np.square(k).sum()) for k in kernels)
    print(penalty)


def _kl_no_return(codes, rho):
    penalty = kl_sparsity(codes, rho)
    print(penalty)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [(checks.weight_penalty, _penalty_no_return), (checks.kl_sparsity_penalty, _kl_no_return)],
)
def test_forgotten_return_is_named(exercise, answer):
    feedback = _outcome(exercise, answer)
    assert feedback.outcome is Outcome.INCORRECT, feedback
    assert "Did you forget `return`?" in feedback.message, feedback
