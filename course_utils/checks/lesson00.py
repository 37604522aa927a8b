"""Checks for lesson 00, "Welcome & data": pixels, shapes, mean images and a first error measure.

Test inputs are chosen so that common mistakes give a different answer: one batch never
reaches 255 (dividing by the batch's largest pixel is then wrong), images of another size
(a hard-coded 784 or 28 breaks), flat and square inputs (a fixed axis breaks).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .exercise import Exercise
from .validate import (
    Incorrect,
    LearnerCodeError,
    call_function,
    require_array,
    require_close,
    require_function,
    require_number,
)

LESSON = "00"


def _raw_batch(n: int, seed: int, low: int = 0, high: int = 255) -> np.ndarray:
    """Random raw uint8 'images' whose smallest value is ``low`` and largest ``high``."""
    raw = np.random.default_rng(seed).integers(low, high + 1, size=(n, 28, 28), dtype=np.uint8)
    raw[0, 0, 0], raw[0, 0, 1] = low, high
    return raw


# A full-range batch first (so a double scaling shows the textbook 0.00392), then a faint
# batch whose ink never reaches 255 and whose paper is not 0, then a single image.
_SCALE_BATCHES = ((6, 0, 0, 255), (4, 1, 30, 200), (1, 2, 0, 255))


def _check_scale_pixels(scale_pixels) -> str:
    fn = require_function(scale_pixels, "scale_pixels")
    outputs = []
    for n, seed, low, high in _SCALE_BATCHES:
        raw = _raw_batch(n, seed, low, high)
        given = raw.copy()
        out = require_array(
            call_function(fn, given, name="scale_pixels(raw_images)"),
            "The value `scale_pixels` returned",
            shape=raw.shape,
        )
        if not np.array_equal(given, raw):
            raise Incorrect(
                "Your function changed the array it was given. Return a new array (for example "
                "`images.astype('float32') / 255.0`) and leave the raw pixels as they were."
            )
        _diagnose_scaling(out, raw)
        outputs.append(out)
    for out in outputs:  # values first: a float64 result may also hide a wrong divisor
        if out.dtype != np.float32:
            raise Incorrect(
                "The values are right, but the result should be float32 (what Keras computes "
                f"in); found {out.dtype}. Convert with `.astype('float32')` before dividing."
            )
    return "float32 pixels in [0, 1], scaled exactly once, by 255 whatever the batch holds."


def _diagnose_scaling(out: np.ndarray, raw: np.ndarray) -> None:
    values = out.astype(np.float64)
    pixels = raw.astype(np.float64)
    largest, smallest, brightest = float(values.max()), float(values.min()), int(raw.max())

    def same(candidate: np.ndarray) -> bool:
        return bool(np.allclose(values, candidate, rtol=1e-5, atol=1e-6))

    if np.issubdtype(out.dtype, np.integer) or out.dtype == bool:
        if largest <= 1:
            raise Incorrect(
                f"The result holds whole numbers ({out.dtype}) from {smallest:g} to {largest:g}: "
                "integer division (//) or a cast to an integer type after dividing rounds every "
                "pixel to 0 or 1. Divide with / and keep the result as float32."
            )
        raise Incorrect(
            f"The result holds whole numbers ({out.dtype}) up to {largest:g}: the pixels were "
            "not scaled. Convert to float32 and divide by 255."
        )
    if same(pixels):
        raise Incorrect(
            f"The largest value is {largest:g}: the pixels were not scaled. Divide by 255."
        )
    if 0 < largest < 0.01:
        raise Incorrect(
            f"The largest value is {largest:.5f}, about 1/255: the pixels were divided by 255 "
            "twice. Scale exactly once (this double-scaling bug leaves images almost blank)."
        )
    if same(1.0 - pixels / 255.0):
        raise Incorrect(
            "The pixels are inverted (1 - x/255): ink became 0 and paper 1. Keep 0 for paper "
            "and 1 for ink: just divide by 255."
        )
    if largest > 1.0 + 1e-6 or smallest < -1e-6:
        raise Incorrect(
            f"Values should lie in [0, 1]; found {smallest:g} to {largest:g}. Divide the raw "
            "0-255 pixels by 255 and do nothing else to them."
        )
    if brightest < 255 and (same(pixels / brightest)
                            or same(pixels / pixels.max(axis=(1, 2), keepdims=True))):
        raise Incorrect(
            f"In a test batch whose largest raw pixel is {brightest} (none reaches 255) your "
            f"largest value is {largest:g}: it looks like you divided by the largest pixel "
            "found (images.max()) instead of by 255. Then every batch is scaled differently "
            "and faint digits look darker than they are. Divide by 255, the largest value a "
            "pixel can have."
        )
    span = pixels.max() - pixels.min()
    if pixels.min() > 0 and span > 0 and same((pixels - pixels.min()) / span):
        raise Incorrect(
            f"In a test batch whose pixels run from {int(raw.min())} to {brightest} your values "
            "run from 0 to 1: that is min-max normalisation, which stretches every batch "
            "differently. Divide by 255 and nothing else."
        )
    if same(pixels / 256.0):
        raise Incorrect(
            f"The largest value is {largest:.5f}, a little below 1 for a pixel of 255: it looks "
            "like you divided by 256. Pixels run from 0 to 255, so divide by 255."
        )
    if out.dtype.itemsize < 4 and np.allclose(values, pixels / 255.0, atol=2e-3):
        raise Incorrect(
            f"The values are nearly right, but stored as {out.dtype}, which rounds them. The "
            "result should be float32 (what Keras computes in): `.astype('float32')`."
        )
    require_close(out, pixels / 255.0, "The scaled pixels", rtol=1e-6, atol=1e-6)


def _call_on_other_size(fn, batch, name: str, first_size: str, other_size: str):
    """Call ``fn`` on a batch of another image size; a crash there is most likely a fixed size."""
    try:
        return call_function(fn, batch, name=name)
    except LearnerCodeError as err:
        raise Incorrect(
            f"Your function works for {first_size} but raised on {other_size} ({err.summary}). "
            "It looks like a size (784 or 28) or a batch size is written into the code: let "
            "NumPy work it out from the input (`len(...)`, `.shape`, `-1`)."
        ) from err


def _check_flatten_images(flatten_images) -> str:
    fn = require_function(flatten_images, "flatten_images")
    rng = np.random.default_rng(2)
    cases = ((5, 28, "a batch of 5 images of 28x28"), (1, 28, "a batch of 5 images of 28x28"),
             (3, 14, "28x28 images"))
    for n, side, works_for in cases:
        images = rng.random((n, side, side), dtype=np.float32)
        shown = f"flatten_images(images of shape {images.shape})"
        if (n, side) == (5, 28):
            out = call_function(fn, images.copy(), name=shown)
        else:
            what = "a single image (n = 1)" if n == 1 else f"{side}x{side} images"
            out = _call_on_other_size(fn, images.copy(), shown, works_for, what)
        if out is not None and np.ndim(out) == 1 and np.size(out) == images.size and n > 1:
            raise Incorrect(
                f"The whole batch became one vector of length {np.size(out)}. Keep the batch "
                f"axis: {n} images should give shape ({n}, {side * side})."
            )
        flat = require_array(out, "The value `flatten_images` returned", shape=(n, side * side))
        if not np.allclose(flat, images.reshape(n, side * side)):
            if np.allclose(flat, images.transpose(0, 2, 1).reshape(n, side * side)):
                raise Incorrect(
                    "The shape is right but the pixels are in column order (the image was "
                    "transposed, or flattened with order='F'). Flatten each image row by row, "
                    "as `images.reshape(len(images), -1)` does."
                )
            raise Incorrect(
                "The shape is right but the pixels are in another order. Flatten each image "
                "row by row, as `images.reshape(len(images), -1)` does."
            )
    return "Each image is now a row of pixels, row by row, for any batch and any image size."


def _check_unflatten_images(unflatten_images) -> str:
    fn = require_function(unflatten_images, "unflatten_images")
    rng = np.random.default_rng(3)
    cases = ((4, 28, ""), (1, 28, "a single vector (n = 1)"),
             (3, 14, "vectors of 196 pixels (14x14 images)"))
    for n, side, what in cases:
        vectors = rng.random((n, side * side), dtype=np.float32)
        shown = f"unflatten_images(vectors of shape {vectors.shape})"
        if not what:
            out = call_function(fn, vectors.copy(), name=shown)
        else:
            out = _call_on_other_size(fn, vectors.copy(), shown, "a batch of 4 vectors of 784 "
                                      "pixels", what)
        if side != 28 and np.shape(out) != (n, side, side) and out is not None:
            raise Incorrect(
                f"Vectors of 196 pixels should become 14x14 images, shape ({n}, 14, 14); found "
                f"shape {np.shape(out)}. Is 28 written into your code? Work out the side from "
                "the vector length: `side = int(np.sqrt(vectors.shape[1]))`."
            )
        images = require_array(out, "The value `unflatten_images` returned",
                               shape=(n, side, side))
        if not np.allclose(images, vectors.reshape(n, side, side)):
            raise Incorrect(
                "The shape is right but the pixels landed in the wrong places (a transposed "
                "image?). Undo the flattening with a plain reshape, row by row."
            )
    return "Vectors of pixels are back to square images, whatever their size."


def _check_class_means(class_means) -> str:
    fn = require_function(class_means, "class_means")
    rng = np.random.default_rng(4)
    labels = np.concatenate([np.arange(10), rng.integers(0, 10, size=40)])
    rng.shuffle(labels)
    # Each digit gets its own brightness, so a global average is easy to tell apart.
    images = rng.random((len(labels), 28, 28), dtype=np.float32) * 0.5
    images += (labels[:, None, None] / 20.0).astype(np.float32)
    out = call_function(fn, images.copy(), labels.copy(), name="class_means(images, labels)")
    means = require_array(out, "The value `class_means` returned", shape=(10, 28, 28))
    expected = np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])
    if np.allclose(means, means[0]):
        raise Incorrect(
            "All ten mean images are the same: it looks like you averaged every image. "
            "Select the images of one digit with `images[labels == digit]` first."
        )
    sums = np.stack([images[labels == digit].sum(axis=0) for digit in range(10)])
    if np.allclose(means, sums, rtol=1e-4):
        raise Incorrect(
            "These are sums, not averages (values above 1 are the clue). Divide by the number "
            "of images of each digit, or use `.mean(axis=0)`."
        )
    if not np.allclose(means, expected, rtol=1e-4, atol=1e-5):
        close = [[np.allclose(m, e, rtol=1e-4, atol=1e-5) for e in expected] for m in means]
        if all(any(row) for row in close):
            raise Incorrect(
                "Each of your images is the mean of some digit, but in the wrong place: entry d "
                "must be the mean of the images labelled d, in the order 0, 1, ..., 9."
            )
        if np.allclose(means, np.stack([np.median(images[labels == d], axis=0)
                                         for d in range(10)])):
            raise Incorrect("These are medians; the exercise asks for the mean of each digit.")
    require_close(means, expected, "The mean images", rtol=1e-4, atol=1e-5)
    return "One mean image per digit, in the order 0 to 9."


def _image_pairs(shape: tuple[int, ...], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random(shape, dtype=np.float32), rng.random(shape, dtype=np.float32)


def _check_image_mse(image_mse) -> str:
    fn = require_function(image_mse, "image_mse")
    for shape, seed in (((5, 28, 28), 5), ((3, 784), 6), ((1, 28, 28), 7)):
        x, x_hat = _image_pairs(shape, seed)
        given = (x.copy(), x_hat.copy())
        shown = f"image_mse(images of shape {shape}, reconstructions of the same shape)"
        if shape == (5, 28, 28):
            out = call_function(fn, *given, name=shown)
        else:
            try:
                out = call_function(fn, *given, name=shown)
            except LearnerCodeError as err:
                raise Incorrect(
                    f"Your function works for (n, 28, 28) batches but raised on shape {shape} "
                    f"({err.summary}). Average over every axis except the first, e.g. "
                    "`axis=tuple(range(1, x.ndim))`, or flatten each image first."
                ) from err
        n = shape[0]
        diff = x.astype(np.float64) - x_hat.astype(np.float64)
        axes = tuple(range(1, diff.ndim))
        expected = (diff**2).mean(axis=axes)
        if out is not None and np.size(out) == 1 and n > 1:
            raise Incorrect(
                f"You returned one number for the whole batch; the exercise asks for one error "
                f"per image, shape ({n},). Average over the pixels only, not over the images "
                "(every axis except the first)."
            )
        errors = require_array(out, "The value `image_mse` returned", shape=(n,))
        if not all(np.array_equal(a, b) for a, b in zip(given, (x, x_hat), strict=True)):
            raise Incorrect("Your function changed its inputs; compute on copies instead.")
        pixels = diff[0].size
        alternatives = (
            ((diff**2).sum(axis=axes),
             f"These are sums of squared differences, {pixels} times too large: divide by the "
             "number of pixels (take the mean, not the sum)."),
            (np.sqrt((diff**2).sum(axis=axes)),
             "This is the norm ||x - x_hat|| (square root of the sum of squares), the way "
             "Article A writes its formula. The course, and Keras's loss='mse', use the mean of "
             "the squared differences: no square root, and divide by the pixels."),
            (np.sqrt(expected),
             "This is the root mean squared error: drop the square root."),
            (np.abs(diff).mean(axis=axes),
             "This is the mean absolute difference: square the differences instead of taking "
             "their absolute value."),
            (diff.mean(axis=axes) ** 2,
             "You squared the mean difference; square each pixel's difference first, then "
             "average (positive and negative differences must not cancel)."),
        )
        if not np.allclose(errors, expected, rtol=1e-4, atol=1e-7):
            for candidate, message in alternatives:
                if np.allclose(errors, candidate, rtol=1e-4, atol=1e-7):
                    raise Incorrect(message)
        require_close(errors, expected, "The errors", rtol=1e-4, atol=1e-7)
    return "One mean squared error per image, for square and flat images alike."


@lru_cache(maxsize=2)
def _nearest_mean_answers(source_key: str) -> dict[str, float]:
    """The right accuracy and what common slips give, on the data a lesson loads by default.

    The ``fit_*``/``*_val`` entries use ``validation_split(mnist.x_train, mnist.y_train)``.
    """
    from ..data import load_mnist, validation_split

    data = load_mnist()

    def accuracy(means, images, labels, pick=np.argmin) -> float:
        flat_means = means.reshape(10, -1).astype(np.float64)
        errors = np.stack([
            ((images.reshape(len(images), -1) - mean) ** 2).mean(axis=1) for mean in flat_means
        ], axis=1)
        return float((pick(errors, axis=1) == labels).mean())

    def means_of(images, labels):
        return np.stack([images[labels == d].mean(axis=0) for d in range(10)])

    train_means = means_of(data.x_train, data.y_train)
    right = accuracy(train_means, data.x_test, data.y_test)
    abs_errors = np.stack([
        np.abs(data.x_test.reshape(len(data.x_test), -1) - m.ravel()).mean(axis=1)
        for m in train_means
    ], axis=1)
    x_fit, x_val, y_fit, y_val = validation_split(data.x_train, data.y_train)
    fit_means = means_of(x_fit, y_fit)
    return {
        "right": right,
        "n_test": float(len(data.x_test)),
        "n_val": float(len(x_val)),
        "test_means": accuracy(means_of(data.x_test, data.y_test), data.x_test, data.y_test),
        "train_images": accuracy(train_means, data.x_train, data.y_train),
        "fit_val": accuracy(fit_means, x_val, y_val),
        "fit_test": accuracy(fit_means, data.x_test, data.y_test),
        "train_val": accuracy(train_means, x_val, y_val),
        "fit_fit": accuracy(fit_means, x_fit, y_fit),
        "argmax": accuracy(train_means, data.x_test, data.y_test, pick=np.argmax),
        "absolute": float((abs_errors.argmin(axis=1) == data.y_test).mean()),
    }


def _check_nearest_mean_accuracy(nearest_mean_accuracy) -> str:
    found = require_number(nearest_mean_accuracy, "nearest_mean_accuracy")
    from ..config import wants_full_mnist

    answers = _nearest_mean_answers("full" if wants_full_mnist() else "default")
    right, n_test = answers["right"], answers["n_test"]
    tolerance = 2.0 / n_test + 1e-9  # a tie or two may fall either way

    def near(value: float) -> bool:
        return abs(found - value) <= tolerance

    if near(right):
        return (f"About {100 * right:.0f}% of the test digits are closest to their own digit's "
                "mean image; an average is a crude model, and autoencoders will do far better.")
    if 1.0 < found <= 100.0 and abs(found / 100.0 - right) <= tolerance:
        raise Incorrect(
            f"You gave {found:g}: that looks like a percentage. Give the accuracy as a fraction "
            "between 0 and 1 (divide by 100)."
        )
    if near(1.0 - right):
        raise Incorrect(
            f"{found:g} is the fraction the classifier gets wrong (the error rate); the exercise "
            "asks for the fraction it gets right."
        )
    val_tolerance = 2.0 / answers["n_val"] + 1e-9
    split = "a validation split (`validation_split(mnist.x_train, mnist.y_train)`)"
    data_slips = (
        ("test_means", tolerance,
         "the mean images were computed from the test images (they must come from the "
         "training images only: the test set is for reporting, never for fitting)"),
        ("train_images", tolerance,
         "the accuracy was measured on the training images (measure it on mnist.x_test and "
         "mnist.y_test)"),
        ("fit_val", val_tolerance,
         f"the means come from the fit part of {split} and the accuracy from its validation "
         "part. A validation split is for choosing something, such as a size; this exercise "
         "chooses nothing, it reports a test score: means from all of mnist.x_train, accuracy "
         "on mnist.x_test and mnist.y_test"),
        ("fit_test", tolerance,
         f"the means come from only the fit part of {split}. Nothing is chosen here, so no "
         "images need to be held back: compute the means from all of mnist.x_train (measuring "
         "on mnist.x_test is right)"),
        ("train_val", val_tolerance,
         f"the accuracy was measured on the validation part of {split}: those images are "
         "training images, and the means were computed from them. Measure it on mnist.x_test "
         "and mnist.y_test"),
        ("fit_fit", tolerance,
         f"the means come from the fit part of {split} and the accuracy was measured on those "
         "same fit images. Compute the means from all of mnist.x_train and measure on "
         "mnist.x_test"),
    )
    # Several slips can land within a tie or two of each other: name the closest one(s).
    matches = [(abs(found - answers[key]), message) for key, tol, message in data_slips
               if abs(found - answers[key]) <= tol]
    if matches:
        closest = min(distance for distance, _ in matches)
        leaks = [message for distance, message in matches if distance <= closest + 1e-9]
        raise Incorrect(f"{found:g} is what you get when " + ", or when ".join(leaks) + ".")
    if near(answers["argmax"]):
        raise Incorrect(
            f"{found:g} is far below chance (0.1): it looks like you picked the mean with the "
            "LARGEST error (argmax). The nearest mean is the one with the smallest error: argmin."
        )
    if near(answers["absolute"]):
        raise Incorrect(
            f"{found:g} is what absolute differences give. Measure closeness with your "
            "image_mse (squared differences), as the exercise asks."
        )
    if not 0.0 <= found <= 1.0:
        raise Incorrect(
            f"An accuracy is a fraction between 0 and 1; found {found:g}. Count the test images "
            "whose predicted digit equals their label and divide by the number of test images."
        )
    raise Incorrect(
        f"{found:g} is not the accuracy of the nearest-mean classifier on this lesson's test "
        "set. Check each step: the ten mean images from the TRAINING images, the image_mse from "
        "every TEST image to each of the ten means (an array of shape (number of test images, "
        "10)), the predicted digit = the index of the smallest error, and the accuracy = the "
        "fraction of predictions equal to mnist.y_test. Use every test image, not a slice."
    )


scale_pixels = Exercise(
    lesson=LESSON,
    name="scale_pixels",
    title="scale raw pixels to [0, 1] exactly once",
    checker=_check_scale_pixels,
    hints=[
        "Raw MNIST pixels are whole numbers from 0 (white paper) to 255 (black ink).",
        "Divide by 255, the largest value a pixel CAN have, not by the largest value this "
        "batch happens to have. Convert to float32 first.",
        "`return images.astype('float32') / 255.0`",
    ],
)

flatten_images = Exercise(
    lesson=LESSON,
    name="flatten_images",
    title="turn a batch of images into rows of pixels",
    checker=_check_flatten_images,
    hints=[
        "A batch of n images has shape (n, h, w); Dense layers want (n, h*w).",
        "`reshape` keeps the order of the pixels; `-1` lets NumPy work out one axis, and "
        "`len(images)` is the batch size. Write no 784 and no 28.",
        "`return images.reshape(len(images), -1)`",
    ],
)

unflatten_images = Exercise(
    lesson=LESSON,
    name="unflatten_images",
    title="turn rows of pixels back into square images",
    checker=_check_unflatten_images,
    hints=[
        "It is a reshape again, the other way round. The images are square: a row of d pixels "
        "is a sqrt(d) x sqrt(d) image.",
        "`side = int(np.sqrt(vectors.shape[1]))`, then reshape to (-1, side, side).",
        "`side = int(np.sqrt(vectors.shape[1])); return vectors.reshape(-1, side, side)`",
    ],
)

class_means = Exercise(
    lesson=LESSON,
    name="class_means",
    title="the mean image of each digit",
    checker=_check_class_means,
    hints=[
        "Loop over the digits 0 to 9 and average the images that carry that label.",
        "`images[labels == digit]` selects the images of one digit; `.mean(axis=0)` averages "
        "them pixel by pixel.",
        "`np.stack([images[labels == d].mean(axis=0) for d in range(10)])`",
    ],
)

image_mse = Exercise(
    lesson=LESSON,
    name="image_mse",
    title="the reconstruction error of each image",
    checker=_check_image_mse,
    hints=[
        "For each image: the difference from its reconstruction, squared pixel by pixel, then "
        "averaged over that image's pixels. One number per image.",
        "Square first, then average over every axis except the first (the batch axis): "
        "`axis=tuple(range(1, x.ndim))` works for (n, 28, 28) and (n, 784) alike.",
        "`return ((x - x_hat) ** 2).mean(axis=tuple(range(1, np.ndim(x))))`",
    ],
)

nearest_mean_accuracy = Exercise(
    lesson=LESSON,
    name="nearest_mean_accuracy",
    title="measure how well the mean images recognise test digits",
    checker=_check_nearest_mean_accuracy,
    hints=[
        "Three steps: the ten mean images of the training set; for every test image its "
        "image_mse to each mean; the predicted digit is the mean with the smallest error.",
        "Build an array of errors of shape (number of test images, 10): column d is "
        "image_mse(mnist.x_test, an array filled with mean image d). `np.broadcast_to(mean, "
        "mnist.x_test.shape)` makes that array without copying.",
        "`predicted = errors.argmin(axis=1)`; the accuracy is "
        "`float((predicted == mnist.y_test).mean())`.",
    ],
)

EXERCISES = (scale_pixels, flatten_images, unflatten_images, class_means, image_mse,
             nearest_mean_accuracy)
