"""Lesson 01 checks: the reference answers pass, typical mistakes get specific messages."""

import keras
import pytest

from course_utils.checks import Outcome
from course_utils.checks import lesson01 as checks


def _encoder(*dense_layers, flatten=True, input_shape=(28, 28)):
    layers = [keras.Input(shape=input_shape)]
    layers += [keras.layers.Flatten()] if flatten else []
    return keras.Sequential(layers + list(dense_layers))


def _dense(units, activation=None):
    return keras.layers.Dense(units, activation=activation)


def _pairs(sizes):
    return zip(sizes[:-1], sizes[1:], strict=True)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda s: sum(a * b + b for a, b in _pairs(s)), Outcome.CORRECT, "Weights plus biases"),
        (lambda s: sum(a * b for a, b in _pairs(s)), Outcome.INCORRECT, "not the biases"),
        (lambda s: sum(a * b + a for a, b in _pairs(s)), Outcome.INCORRECT, "*output* unit"),
        (lambda s: s[0] * s[1] + s[1], Outcome.INCORRECT, "consecutive pairs"),
        (lambda s: str(sum(a * b + b for a, b in _pairs(s))), Outcome.INCORRECT, "single number"),
        (lambda s: None, Outcome.NOT_ATTEMPTED, "YOUR CODE HERE"),
    ],
)
def test_count_dense_params(answer, outcome, phrase):
    feedback = checks.count_dense_params.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda k: _encoder(_dense(128, "relu"), _dense(k)), Outcome.CORRECT, "linear code"),
        (lambda k: _encoder(_dense(128, "relu"), _dense(k), flatten=False), Outcome.INCORRECT,
         "Add `keras.layers.Flatten()`"),
        (lambda k: _encoder(_dense(128, "relu"), _dense(k + 1)), Outcome.INCORRECT,
         "`code_size` = 16 units"),
        (lambda k: _encoder(_dense(k)), Outcome.INCORRECT, "parameters"),
        (lambda k: _encoder(_dense(128), _dense(k)), Outcome.INCORRECT,
         "seems to use no activation (linear); it should use ReLU"),
        (lambda k: _encoder(_dense(128, "relu"), _dense(k, "relu")), Outcome.INCORRECT,
         "it should use no activation"),
        (lambda k: _encoder(_dense(128, "relu"), _dense(k), flatten=False, input_shape=(784,)),
         Outcome.INCORRECT, "keras.Input(shape=(28, 28))"),
        (lambda k: "encoder", Outcome.INCORRECT, "Keras model"),
    ],
)
def test_build_encoder(answer, outcome, phrase):
    feedback = checks.build_encoder.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def _encode(encoder, images):
    if images.ndim == 2:
        images = images[None]
    return encoder.predict(images, verbose=0)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (_encode, Outcome.CORRECT, "single image"),
        (lambda e, x: e.predict(x, verbose=0), Outcome.INCORRECT, "images[None]"),
        (lambda e, x: e(x), Outcome.INCORRECT, "NumPy array"),
        (lambda e, x: _encode(e, x)[0] if x.ndim == 2 else _encode(e, x), Outcome.INCORRECT,
         "shape (1, 5)"),
        (lambda e, x: _encode(e, x) * 2, Outcome.INCORRECT, "differs"),
        (lambda e, x: x.reshape(len(x), -1), Outcome.INCORRECT, "shape (7, 5)"),
    ],
)
def test_encode(answer, outcome, phrase):
    feedback = checks.encode.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def _article(flatten=True, code_activation="relu"):
    return _encoder(_dense(128, "relu"), _dense(64, "relu"), _dense(32, code_activation),
                    flatten=flatten)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda: _article(), Outcome.CORRECT, "Both bugs fixed"),
        (lambda: _article(flatten=False), Outcome.INCORRECT, "still the article's bug"),
        (lambda: _article(code_activation=None), Outcome.INCORRECT, "Layer 3"),
        (lambda: _encoder(_dense(128, "relu"), _dense(32, "relu")), Outcome.INCORRECT,
         "parameters"),
    ],
)
def test_article_encoder(answer, outcome, phrase):
    feedback = checks.article_encoder.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def test_article_bug_layers_sequential_is_reported_as_raised():
    def article():
        from keras import layers

        return layers.Sequential([layers.Dense(32)])

    feedback = checks.article_encoder.evaluate(article)
    assert feedback.outcome is Outcome.RAISED
    assert "AttributeError" in feedback.message


def test_dense_params():
    assert checks.dense_params([784, 128, 32]) == 784 * 128 + 128 + 128 * 32 + 32
