"""Checks for lesson 00, "Welcome & data": warm-ups on pixels and image shapes."""

from __future__ import annotations

import numpy as np

from .exercise import Exercise
from .validate import Incorrect, call_learner, require_array, require_close, require_function

LESSON = "00"


def _raw_batch(n: int, seed: int) -> np.ndarray:
    """Random raw uint8 'images' with both 0 and 255 present."""
    raw = np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    raw[0, 0, 0], raw[0, 0, 1] = 0, 255
    return raw


def _check_scale_pixels(scale_pixels) -> str:
    fn = require_function(scale_pixels, "scale_pixels")
    for n, seed in ((6, 0), (1, 1)):
        raw = _raw_batch(n, seed)
        out = require_array(
            call_learner(fn, raw.copy(), name="scale_pixels(raw_images)"),
            "The value `scale_pixels` returned",
            shape=raw.shape,
        )
        largest, smallest = float(out.max()), float(out.min())
        if largest > 200:
            raise Incorrect(
                f"The largest value is {largest:g}: the pixels were not scaled. Divide by 255."
            )
        if largest < 0.01:
            raise Incorrect(
                f"The largest value is {largest:.5f}, about 1/255: the pixels were divided by 255 "
                "twice. Scale exactly once (this double-scaling bug leaves images almost blank)."
            )
        if largest > 1.0 + 1e-6 or smallest < 0.0:
            raise Incorrect(
                f"Values should lie in [0, 1]; found {smallest:g} to {largest:g}. Divide the raw "
                "0-255 pixels by 255 and do nothing else to them."
            )
        if out.dtype != np.float32:
            raise Incorrect(
                f"The result should be float32 (what Keras computes in); found {out.dtype}. "
                "Convert with `.astype('float32')`."
            )
        require_close(out, raw / 255.0, "The scaled pixels", rtol=1e-6, atol=1e-6)
    return "float32 pixels in [0, 1], scaled exactly once."


def _check_flatten_images(flatten_images) -> str:
    fn = require_function(flatten_images, "flatten_images")
    rng = np.random.default_rng(2)
    for n in (5, 1):
        images = rng.random((n, 28, 28), dtype=np.float32)
        out = call_learner(fn, images.copy(), name="flatten_images(images)")
        if out is not None and np.ndim(out) == 1 and np.size(out) == n * 784 and n > 1:
            raise Incorrect(
                f"The whole batch became one vector of length {np.size(out)}. Keep the batch "
                f"axis: {n} images should give shape ({n}, 784)."
            )
        flat = require_array(out, "The value `flatten_images` returned", shape=(n, 784))
        if not np.allclose(flat, images.reshape(n, 784)):
            raise Incorrect(
                "The shape is right but the pixels are in another order. Flatten each image "
                "row by row, as `images.reshape(len(images), -1)` does."
            )
    return "Each 28x28 image is now a row of 784 pixels, in row-major order."


def _check_unflatten_images(unflatten_images) -> str:
    fn = require_function(unflatten_images, "unflatten_images")
    rng = np.random.default_rng(3)
    for n in (4, 1):
        vectors = rng.random((n, 784), dtype=np.float32)
        out = call_learner(fn, vectors.copy(), name="unflatten_images(vectors)")
        images = require_array(out, "The value `unflatten_images` returned", shape=(n, 28, 28))
        if not np.allclose(images, vectors.reshape(n, 28, 28)):
            raise Incorrect(
                "The shape is right but the pixels landed in the wrong places (a transposed "
                "image?). Undo the flattening with `vectors.reshape(-1, 28, 28)`."
            )
    return "Vectors of 784 pixels are back to 28x28 images."


def _check_class_means(class_means) -> str:
    fn = require_function(class_means, "class_means")
    rng = np.random.default_rng(4)
    labels = np.concatenate([np.arange(10), rng.integers(0, 10, size=40)])
    rng.shuffle(labels)
    # Each digit gets its own brightness, so a global average is easy to tell apart.
    images = rng.random((len(labels), 28, 28), dtype=np.float32) * 0.5
    images += (labels[:, None, None] / 20.0).astype(np.float32)
    out = call_learner(fn, images.copy(), labels.copy(), name="class_means(images, labels)")
    means = require_array(out, "The value `class_means` returned", shape=(10, 28, 28))
    expected = np.stack([images[labels == digit].mean(axis=0) for digit in range(10)])
    if np.allclose(means, means[0]):
        raise Incorrect(
            "All ten mean images are the same: it looks like you averaged every image. "
            "Select the images of one digit with `images[labels == digit]` first."
        )
    require_close(means, expected, "The mean images", rtol=1e-4, atol=1e-5)
    return "One mean image per digit, in the order 0 to 9."


scale_pixels = Exercise(
    lesson=LESSON,
    name="scale_pixels",
    title="scale raw pixels to [0, 1] exactly once",
    checker=_check_scale_pixels,
    hints=[
        "Raw MNIST pixels are whole numbers from 0 (white paper) to 255 (black ink).",
        "Convert to float32 first, then divide by 255.0.",
        "`return images.astype('float32') / 255.0`",
    ],
)

flatten_images = Exercise(
    lesson=LESSON,
    name="flatten_images",
    title="turn a batch of 28x28 images into rows of 784 pixels",
    checker=_check_flatten_images,
    hints=[
        "A batch of n images has shape (n, 28, 28); Dense layers want (n, 784).",
        "`reshape` keeps the order of the pixels; `-1` lets NumPy work out one axis.",
        "`return images.reshape(len(images), -1)`",
    ],
)

unflatten_images = Exercise(
    lesson=LESSON,
    name="unflatten_images",
    title="turn rows of 784 pixels back into 28x28 images",
    checker=_check_unflatten_images,
    hints=[
        "It is the same reshape as before, the other way round.",
        "`return vectors.reshape(-1, 28, 28)`",
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

EXERCISES = (scale_pixels, flatten_images, unflatten_images, class_means)
