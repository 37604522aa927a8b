"""Shared check helpers: a Dense stack is judged by what it computes, and its layers are named."""

import keras
import numpy as np
import pytest

from course_utils.checks.common import random_images, require_dense_stack
from course_utils.checks.validate import Incorrect


def _encoder(*activations):
    sizes = (10, 4)
    layers = [keras.layers.Dense(n, activation=a) for n, a in zip(sizes, activations, strict=True)]
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), *layers])


def _judge(model):
    images = random_images(5, seed=0)
    outputs = np.asarray(model(images))
    require_dense_stack(model, "the encoder", [784, 10, 4], ["relu", None], images, outputs)


def test_the_right_stack_passes():
    _judge(_encoder("relu", None))


@pytest.mark.parametrize(
    ("activations", "message"),
    [
        (("sigmoid", None), "Layer 1 of the encoder (784 -> 10 units) seems to use sigmoid"),
        (("relu", "relu"), "Layer 2 of the encoder (10 -> 4 units) seems to use ReLU"),
        # An activation the checker does not simulate is named, not called an extra layer.
        (("elu", None), "Layer 1 of the encoder (784 -> 10 units) uses the elu activation"),
        (("relu", "softplus"), "Layer 2 of the encoder (10 -> 4 units) uses the softplus"),
    ],
)
def test_a_wrong_activation_is_named(activations, message):
    with pytest.raises(Incorrect, match=message.replace("(", r"\(").replace(")", r"\)")):
        _judge(_encoder(*activations))


def test_an_extra_layer_is_called_an_extra_layer():
    model = keras.Sequential([
        keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="relu"),
        keras.layers.Dense(4), keras.layers.Dense(4),
    ])
    with pytest.raises(Incorrect, match="another layer or change the order"):
        _judge(model)
