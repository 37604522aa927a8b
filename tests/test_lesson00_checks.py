"""Lesson 00 checks: the reference answers pass, typical mistakes get specific messages."""

import numpy as np
import pytest

from course_utils.checks import Outcome
from course_utils.checks import lesson00 as checks


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x: x.astype("float32") / 255.0, Outcome.CORRECT, "exactly once"),
        (lambda x: x.astype("float32") / 255.0 / 255.0, Outcome.INCORRECT, "divided by 255 twice"),
        (lambda x: x / 255 / 255, Outcome.INCORRECT, "divided by 255 twice"),
        (lambda x: x.astype("float32"), Outcome.INCORRECT, "not scaled"),
        (lambda x: x / 255, Outcome.INCORRECT, "float32"),
        (lambda x: x.astype("float32") / 127.5 - 1, Outcome.INCORRECT, "[0, 1]"),
        (lambda x: x.astype("float32")[:1] / 255, Outcome.INCORRECT, "shape"),
    ],
)
def test_scale_pixels(answer, outcome, phrase):
    feedback = checks.scale_pixels.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def test_scale_pixels_in_place_division_is_reported_as_raised():
    def in_place(images):
        images /= 255
        return images

    feedback = checks.scale_pixels.evaluate(in_place)
    assert feedback.outcome is Outcome.RAISED
    assert "images /= 255" in feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x: x.reshape(len(x), -1), Outcome.CORRECT, "row-major"),
        (lambda x: x.reshape(-1), Outcome.INCORRECT, "Keep the batch axis"),
        (lambda x: x.transpose(0, 2, 1).reshape(len(x), -1), Outcome.INCORRECT, "order"),
        (lambda x: x.reshape(5, 784), Outcome.RAISED, "cannot reshape"),
        (lambda x: x.reshape(len(x), -1).T, Outcome.INCORRECT, "shape (5, 784)"),
    ],
)
def test_flatten_images(answer, outcome, phrase):
    feedback = checks.flatten_images.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda v: v.reshape(-1, 28, 28), Outcome.CORRECT, "28x28"),
        (lambda v: v.reshape(-1, 28, 28).transpose(0, 2, 1), Outcome.INCORRECT, "transposed"),
        (lambda v: v.reshape(-1, 784, 1), Outcome.INCORRECT, "shape (4, 28, 28)"),
    ],
)
def test_unflatten_images(answer, outcome, phrase):
    feedback = checks.unflatten_images.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x, y: np.stack([x[y == d].mean(0) for d in range(10)]), Outcome.CORRECT, "0 to 9"),
        (lambda x, y: np.stack([x.mean(0)] * 10), Outcome.INCORRECT, "averaged every image"),
        (lambda x, y: np.stack([x[y == d].mean(0) for d in range(9, -1, -1)]), Outcome.INCORRECT,
         "differs"),
        (lambda x, y: x.mean(0), Outcome.INCORRECT, "shape (10, 28, 28)"),
    ],
)
def test_class_means(answer, outcome, phrase):
    feedback = checks.class_means.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message


def test_solution_text_comes_from_the_solutions_notebook():
    feedback = checks.scale_pixels.solution_feedback()
    assert "def scale_pixels(images):" in feedback.details
    assert "astype" in feedback.details and "###" not in feedback.details
