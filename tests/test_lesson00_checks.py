"""Lesson 00: the reference answers pass, realistic mistakes get specific messages."""


import numpy as np
import pytest

from course_utils.checks import Outcome
from course_utils.checks import lesson00 as checks

WRONG = Outcome.INCORRECT  # shown to learners as "Not quite yet"


def _assert(feedback, outcome, phrase):
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message, feedback.message
    if outcome is WRONG:
        assert str(feedback).startswith("[Not quite yet]"), str(feedback)


def _in_place(images):
    images /= 255
    return images


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x: x.astype("float32") / 255.0, Outcome.CORRECT, "exactly once"),
        (lambda x: (x / 255.0).astype("float32"), Outcome.CORRECT, "exactly once"),
        (lambda x: x.astype("float32") / 255.0 / 255.0, WRONG, "divided by 255 twice"),
        (lambda x: x / 255 / 255, WRONG, "divided by 255 twice"),
        (lambda x: x.astype("float32"), WRONG, "not scaled"),
        (lambda x: x.copy(), WRONG, "not scaled"),
        (lambda x: x / 255, WRONG, "float32"),
        (lambda x: x.astype("float32") / 127.5 - 1, WRONG, "[0, 1]"),
        (lambda x: x.astype("float32")[:1] / 255, WRONG, "shape"),
        (lambda x: x.astype("float32") / x.max(), WRONG, "divided by the largest pixel"),
        (lambda x: x / np.max(x, axis=(1, 2), keepdims=True), WRONG, "divided by the largest"),
        (lambda x: ((x - x.min()) / (x.max() - x.min())).astype("float32"), WRONG,
         "min-max normalisation"),
        (lambda x: x // 255, WRONG, "integer division"),
        (lambda x: (x / 255).astype("uint8"), WRONG, "integer division"),
        (lambda x: x.astype("float32") / 256, WRONG, "divided by 256"),
        (lambda x: 1 - x.astype("float32") / 255, WRONG, "inverted"),
        (lambda x: x.astype("float16") / 255, WRONG, "float32"),
    ],
)
def test_scale_pixels(answer, outcome, phrase):
    _assert(checks.scale_pixels.evaluate(answer), outcome, phrase)


def test_scale_pixels_keeps_the_readme_example_message():
    feedback = checks.scale_pixels.evaluate(lambda x: x / 255 / 255)
    assert "The largest value is 0.00392, about 1/255" in feedback.message


def test_scale_pixels_in_place_division_is_reported_as_raised():
    feedback = checks.scale_pixels.evaluate(_in_place)
    assert feedback.outcome is Outcome.RAISED
    assert "images /= 255" in feedback.message


def test_scale_pixels_that_changes_its_input_is_told_so():
    def overwrite(images):
        out = images.astype("float32") / 255
        images[...] = 0
        return out

    _assert(checks.scale_pixels.evaluate(overwrite), WRONG, "changed the array")


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x: x.reshape(len(x), -1), Outcome.CORRECT, "any image size"),
        (lambda x: np.stack([image.ravel() for image in x]), Outcome.CORRECT, "any image size"),
        (lambda x: x.reshape(-1), WRONG, "Keep the batch axis"),
        (lambda x: x.flatten(), WRONG, "Keep the batch axis"),
        (lambda x: x.transpose(0, 2, 1).reshape(len(x), -1), WRONG, "column order"),
        (lambda x: x.reshape(len(x), -1, order="F"), WRONG, "column order"),
        (lambda x: x[:, ::-1].reshape(len(x), -1), WRONG, "another order"),
        (lambda x: x.reshape(5, -1), WRONG, "written into the code"),
        (lambda x: x.reshape(len(x), 784), WRONG, "written into the code"),
        (lambda x: x.reshape(-1, 28 * 28), WRONG, "written into the code"),
        (lambda x: x.reshape(len(x), -1).T, WRONG, "shape (5, 784)"),
    ],
)
def test_flatten_images(answer, outcome, phrase):
    _assert(checks.flatten_images.evaluate(answer), outcome, phrase)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda v: v.reshape(-1, int(np.sqrt(v.shape[1])), int(np.sqrt(v.shape[1]))),
         Outcome.CORRECT, "whatever their size"),
        (lambda v: v.reshape(-1, 28, 28).transpose(0, 2, 1), WRONG, "transposed"),
        (lambda v: v.reshape(-1, 784, 1), WRONG, "shape (4, 28, 28)"),
        (lambda v: v.reshape(-1, 28, 28), WRONG, "written into the code"),
        (lambda v: v.reshape(4, 28, 28), WRONG, "written into the code"),
        (lambda v: v.reshape(len(v), 28, -1), WRONG, "Is 28 written into your code"),
    ],
)
def test_unflatten_images(answer, outcome, phrase):
    _assert(checks.unflatten_images.evaluate(answer), outcome, phrase)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x, y: np.stack([x[y == d].mean(0) for d in range(10)]), Outcome.CORRECT, "0 to 9"),
        (lambda x, y: np.stack([x.mean(0)] * 10), WRONG, "averaged every image"),
        (lambda x, y: np.stack([x[y == d].mean(0) for d in range(9, -1, -1)]), WRONG,
         "wrong place"),
        (lambda x, y: np.stack([x[y == d].mean(0) for d in dict.fromkeys(y)]), WRONG,
         "wrong place"),
        (lambda x, y: np.stack([x[y == d].sum(0) for d in range(10)]), WRONG, "sums, not averages"),
        (lambda x, y: np.stack([np.median(x[y == d], 0) for d in range(10)]), WRONG, "medians"),
        (lambda x, y: x.mean(0), WRONG, "shape (10, 28, 28)"),
        (lambda x, y: np.stack([x[y == d].mean(0) for d in range(9)]), WRONG, "shape (10, 28, 28)"),
    ],
)
def test_class_means(answer, outcome, phrase):
    _assert(checks.class_means.evaluate(answer), outcome, phrase)


def _axes(x):
    return tuple(range(1, np.ndim(x)))


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda x, r: ((x - r) ** 2).mean(axis=_axes(x)), Outcome.CORRECT, "One mean squared"),
        (lambda x, r: ((x - r) ** 2).reshape(len(x), -1).mean(axis=1), Outcome.CORRECT,
         "One mean squared"),
        (lambda x, r: np.mean((x - r) ** 2), WRONG, "one number for the whole batch"),
        (lambda x, r: ((x - r) ** 2).sum(axis=_axes(x)), WRONG, "sums of squared differences"),
        (lambda x, r: np.sqrt(((x - r) ** 2).sum(axis=_axes(x))), WRONG, "norm ||x - x_hat||"),
        (lambda x, r: np.sqrt(((x - r) ** 2).mean(axis=_axes(x))), WRONG, "root mean squared"),
        (lambda x, r: np.abs(x - r).mean(axis=_axes(x)), WRONG, "mean absolute difference"),
        (lambda x, r: (x - r).mean(axis=_axes(x)) ** 2, WRONG, "squared the mean difference"),
        (lambda x, r: ((x - r) ** 2).mean(axis=(1, 2)), WRONG, "raised on shape (3, 784)"),
        (lambda x, r: ((x - r) ** 2).mean(axis=0), WRONG, "shape (5,)"),
    ],
)
def test_image_mse(answer, outcome, phrase):
    _assert(checks.image_mse.evaluate(answer), outcome, phrase)


@pytest.fixture(scope="module")
def nearest_mean():
    """The right accuracy and the numbers realistic slips give, computed independently."""
    from course_utils.data import load_mnist, validation_split

    data = load_mnist()
    means_train = np.stack([data.x_train[data.y_train == d].mean(0) for d in range(10)])
    means_test = np.stack([data.x_test[data.y_test == d].mean(0) for d in range(10)])
    x_fit, x_val, y_fit, y_val = validation_split(data.x_train, data.y_train)
    means_fit = np.stack([x_fit[y_fit == d].mean(0) for d in range(10)])

    def errors(images, means, power=2):
        return (np.abs(images[:, None] - means[None]) ** power).mean(axis=(2, 3))

    def accuracy(predicted, labels):
        return float((predicted == labels).mean())

    return {
        "right": accuracy(errors(data.x_test, means_train).argmin(1), data.y_test),
        "test_means": accuracy(errors(data.x_test, means_test).argmin(1), data.y_test),
        "train_images": accuracy(errors(data.x_train, means_train).argmin(1), data.y_train),
        "argmax": accuracy(errors(data.x_test, means_train).argmax(1), data.y_test),
        "absolute": accuracy(errors(data.x_test, means_train, power=1).argmin(1), data.y_test),
        "first_200": accuracy(errors(data.x_test[:200], means_train).argmin(1),
                              data.y_test[:200]),
        # A learner who reaches for validation_split out of habit:
        "fit_val": accuracy(errors(x_val, means_fit).argmin(1), y_val),
        "fit_test": accuracy(errors(data.x_test, means_fit).argmin(1), data.y_test),
        "train_val": accuracy(errors(x_val, means_train).argmin(1), y_val),
        "fit_fit": accuracy(errors(x_fit, means_fit).argmin(1), y_fit),
    }


def test_nearest_mean_accuracy_right_answer(nearest_mean):
    right = nearest_mean["right"]
    _assert(checks.nearest_mean_accuracy.evaluate(right), Outcome.CORRECT, "mean image")
    _assert(checks.nearest_mean_accuracy.evaluate(np.float32(right)), Outcome.CORRECT, "mean")


@pytest.mark.parametrize(
    ("slip", "phrase"),
    [
        ("percent", "percentage"),
        ("error_rate", "error rate"),
        ("test_means", "computed from the test images"),
        ("train_images", "measured on the training images"),
        ("argmax", "LARGEST error"),
        ("absolute", "absolute differences"),
        ("first_200", "not the accuracy of the nearest-mean classifier"),
        ("count", "fraction between 0 and 1"),
        ("fit_val", "this exercise chooses nothing, it reports a test score"),
        ("fit_test", "only the fit part of a validation split"),
        ("train_val", "those images are training images"),
        ("fit_fit", "same fit images"),
    ],
)
def test_nearest_mean_accuracy_slips(nearest_mean, slip, phrase):
    right = nearest_mean["right"]
    value = {"percent": 100 * right, "error_rate": 1 - right,
             "count": right * 1000 + 5}.get(slip, nearest_mean.get(slip))
    if slip not in ("percent", "error_rate", "count") and abs(value - right) < 0.003:
        pytest.skip(f"on this data the slip {slip!r} happens to give the right number")
    _assert(checks.nearest_mean_accuracy.evaluate(value), WRONG, phrase)


def test_nearest_mean_accuracy_fit_validation_answer_is_not_called_a_test_leak(nearest_mean):
    """Means from the fit split, accuracy on the validation split: no test image was used."""
    feedback = checks.nearest_mean_accuracy.evaluate(nearest_mean["fit_val"])
    _assert(feedback, WRONG, "the means come from the fit part of a validation split")
    assert "the accuracy from its validation part" in feedback.message
    assert "test images" not in feedback.message
    assert "measured on the training images" not in feedback.message


def test_nearest_mean_accuracy_bad_values():
    _assert(checks.nearest_mean_accuracy.evaluate(None), Outcome.NOT_ATTEMPTED, "None")
    _assert(checks.nearest_mean_accuracy.evaluate("0.8"), WRONG, "single number")
    _assert(checks.nearest_mean_accuracy.evaluate(np.array([0.8, 0.7])), WRONG, "single number")


def test_solution_text_comes_from_the_solutions_notebook():
    feedback = checks.scale_pixels.solution_feedback()
    assert "def scale_pixels(images):" in feedback.details
    assert "astype" in feedback.details and "###" not in feedback.details


# -- a written function that forgets `return` is not "not attempted" ------------------------
def _scale_no_return(raw_images):
    scaled = raw_images.astype("float32") / 255.0
    print(scaled.max())


def _class_means_no_return(images, labels):
    means = np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])
    print(means.shape)


def _image_mse_no_return(x, x_hat):
    errors = ((x - x_hat) ** 2).reshape(len(x), -1).mean(axis=1)
    print(errors)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.scale_pixels, _scale_no_return),
        (checks.class_means, _class_means_no_return),
        (checks.image_mse, _image_mse_no_return),
    ],
)
def test_forgotten_return_is_named(exercise, answer):
    _assert(exercise.evaluate(answer), WRONG, "Did you forget `return`?")


def test_stub_is_not_attempted():
    _assert(checks.class_means.evaluate(lambda images, labels: None), Outcome.NOT_ATTEMPTED,
            "still the stub")
