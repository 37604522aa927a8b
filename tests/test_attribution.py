"""Integrated gradients, the decoder Jacobian and slerp on cases with known answers."""

import keras
import numpy as np
import pytest
from keras import ops

from course_utils.attribution import (
    completeness_error,
    decoder_jacobian,
    integrated_gradients,
    slerp,
)

W = np.random.default_rng(0).normal(size=(28, 28)).astype(np.float32)


def cubic(batch):
    return ops.sum(W * batch**3, axis=(1, 2))


def test_integrated_gradients_match_the_closed_form():
    x = np.random.default_rng(1).random((28, 28)).astype(np.float32)
    baseline = np.full((28, 28), 0.2, np.float32)
    found = integrated_gradients(cubic, x, baseline, steps=64)
    np.testing.assert_allclose(found, W * (x.astype(np.float64) ** 3 - 0.2**3), rtol=2e-3,
                               atol=1e-4)
    assert completeness_error(cubic, x, found, baseline) < 1e-3


def test_linear_function_is_exact_with_one_step():
    x = np.random.default_rng(2).random((28, 28)).astype(np.float32)
    linear = lambda batch: ops.sum(W * batch, axis=(1, 2))  # noqa: E731
    found = integrated_gradients(linear, x, steps=1)
    np.testing.assert_allclose(found, W * x, rtol=1e-5, atol=1e-6)


def test_completeness_error_falls_with_more_steps():
    x = np.random.default_rng(3).random((28, 28)).astype(np.float32)
    f = lambda batch: ops.sum(ops.tanh(3 * W * batch), axis=(1, 2))  # noqa: E731
    errors = [completeness_error(f, x, integrated_gradients(f, x, steps=s)) for s in (2, 64)]
    assert errors[1] < errors[0] and errors[1] < 0.01


def test_steps_must_be_positive():
    with pytest.raises(ValueError, match="steps"):
        integrated_gradients(cubic, np.zeros((28, 28)), steps=0)


def test_decoder_jacobian_of_a_linear_decoder_is_its_kernel():
    keras.utils.set_random_seed(0)
    decoder = keras.Sequential([keras.Input((3,)), keras.layers.Dense(784),
                                keras.layers.Reshape((28, 28))])
    kernel = decoder.layers[0].kernel.numpy()  # (3, 784)
    found = decoder_jacobian(decoder, np.zeros((2, 3), np.float32))
    assert found.shape == (2, 3, 28, 28)
    np.testing.assert_allclose(found[1], kernel.reshape(3, 28, 28), rtol=1e-5, atol=1e-6)


def test_slerp_ends_norm_and_fallback():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=8), rng.normal(size=8)
    b = b / np.linalg.norm(b) * np.linalg.norm(a)
    path = slerp(a, b, np.linspace(0, 1, 9))
    np.testing.assert_allclose(path[0], a)
    np.testing.assert_allclose(path[-1], b)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), np.linalg.norm(a))
    assert slerp(a, a, 0.5) == pytest.approx(a)
    assert slerp(a, b, 0.5).shape == (8,)
