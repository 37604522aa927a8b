"""Attributes of digit images measured from the pixels themselves (NumPy, vectorised).

Lesson 10 asks which code units of a VAE "mean" something. Labels say only which digit an image
shows; these functions measure *how* it is written, one number per image::

    ink_mass(images)          # total ink: the sum of the pixel values
    stroke_thickness(images)  # ink area / half the ink perimeter, in pixels
    slant(images)             # shift to the right per row up, from centred moments
    width(images)             # columns spanned by ink, in pixels
    measure_attributes(images)  # all four, as a dict of arrays

Images are ``(n, h, w)`` (or one ``(h, w)`` image) with values in [0, 1], ink bright.
"""

from __future__ import annotations

import numpy as np

INK_THRESHOLD = 0.5


def _as_batch(images) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"images must have shape (n, h, w) or (h, w); got {x.shape}.")
    return x


def ink_mass(images) -> np.ndarray:
    """Total ink per image: the sum of its pixel values, shape ``(n,)``."""
    return _as_batch(images).sum(axis=(1, 2))


def stroke_thickness(images, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """Mean stroke width in pixels: ``2 * area / perimeter`` of the inked pixels (> threshold).

    A stroke of length L and width w has area L*w and a perimeter of about 2L, so the ratio is w.
    The perimeter counts the edges between an inked pixel and a blank neighbour (4-neighbours).
    An image without ink gets 0.
    """
    ink = _as_batch(images) > threshold
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    edges = (np.abs(np.diff(padded.astype(np.int8), axis=1)).sum(axis=(1, 2))
             + np.abs(np.diff(padded.astype(np.int8), axis=2)).sum(axis=(1, 2)))
    area = ink.sum(axis=(1, 2))
    return np.where(edges > 0, 2.0 * area / np.maximum(edges, 1), 0.0)


def _centred_moments(images) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mu11, mu20, mu02) per image: central second moments, normalised by the ink mass.

    x is the column (to the right), y the row (downwards); mu20 = E[(x - x̄)²],
    mu02 = E[(y - ȳ)²], mu11 = E[(x - x̄)(y - ȳ)], with the pixel values as weights.
    """
    x = _as_batch(images)
    _, h, w = x.shape
    mass = np.maximum(x.sum(axis=(1, 2)), 1e-12)
    rows = np.arange(h, dtype=np.float64)[None, :, None]
    cols = np.arange(w, dtype=np.float64)[None, None, :]
    y_bar = (x * rows).sum(axis=(1, 2)) / mass
    x_bar = (x * cols).sum(axis=(1, 2)) / mass
    dy = rows - y_bar[:, None, None]
    dx = cols - x_bar[:, None, None]
    mu11 = (x * dx * dy).sum(axis=(1, 2)) / mass
    mu20 = (x * dx * dx).sum(axis=(1, 2)) / mass
    mu02 = (x * dy * dy).sum(axis=(1, 2)) / mass
    return mu11, mu20, mu02


def slant(images) -> np.ndarray:
    """Slant: how far the ink moves to the right per row *upwards*, ``-mu11 / mu02``.

    It is the slope of the least-squares line x = a + b*y through the ink (b = mu11 / mu02), with
    the sign turned so that a digit leaning right (top to the right) gets a positive slant. A
    vertical stroke gets 0; a blank image gets 0.
    """
    mu11, _, mu02 = _centred_moments(images)
    return np.where(mu02 > 1e-12, -mu11 / np.maximum(mu02, 1e-12), 0.0)


def width(images, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """Columns from the leftmost to the rightmost inked pixel (> threshold), both included.

    An image without ink gets 0.
    """
    columns = (_as_batch(images) > threshold).any(axis=1)
    n_cols = columns.shape[1]
    first = np.argmax(columns, axis=1)
    last = n_cols - 1 - np.argmax(columns[:, ::-1], axis=1)
    return np.where(columns.any(axis=1), last - first + 1, 0).astype(np.float64)


ATTRIBUTES = {"ink mass": ink_mass, "thickness": stroke_thickness, "slant": slant,
              "width": width}


def measure_attributes(images) -> dict[str, np.ndarray]:
    """All attributes of ``images``: ``{"ink mass", "thickness", "slant", "width"}`` -> (n,)."""
    return {name: fn(images) for name, fn in ATTRIBUTES.items()}
