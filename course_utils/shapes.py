"""A small dSprites-like dataset with known factors, drawn with NumPy (no download).

Each image shows one white shape on black: a square, an ellipse or a triangle, at one of several
scales, rotations and (x, y) positions. The factor values are known for every image, so one can
ask which code unit of a model carries which factor (lesson 11).

>>> data = make_shapes(1000, seed=0)
>>> data.images.shape, data.images.dtype, data.factors.shape
((1000, 28, 28), dtype('float32'), (1000, 5))
>>> data.factor_names
('shape', 'scale', 'rotation', 'x', 'y')
>>> data.factor_sizes
(3, 6, 8, 8, 8)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHAPE_NAMES = ("square", "ellipse", "triangle")
FACTOR_NAMES = ("shape", "scale", "rotation", "x", "y")
FACTOR_SIZES = (3, 6, 8, 8, 8)
_SCALES = np.linspace(2.5, 5.0, FACTOR_SIZES[1])  # half-width of a square, in pixels
_ROTATIONS = np.linspace(0.0, 90.0, FACTOR_SIZES[2], endpoint=False)  # degrees
_EXTENT = 2 ** 0.5  # how far a shape reaches from its centre, in scales: a square's corner
_ELLIPSE_AXES = (1.2, 0.6)


@dataclass(frozen=True)
class Shapes:
    """Images and the factor index of each image.

    ``images``: (n, size, size) float32 in [0, 1]. ``factors``: (n, 5) int, column j holds the
    index (0 .. factor_sizes[j] - 1) of factor ``factor_names[j]``. ``factor_values[j]`` maps
    an index to its value (shape name, half-width in pixels, degrees, centre pixel).
    """

    images: np.ndarray
    factors: np.ndarray
    factor_names: tuple[str, ...]
    factor_sizes: tuple[int, ...]
    factor_values: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.images)


def factor_values(size: int = 28) -> tuple[np.ndarray, ...]:
    """The value behind each index of each factor, for images of ``size`` x ``size`` pixels."""
    margin = _EXTENT * _SCALES[-1] + 0.5
    positions = np.linspace(margin, size - 1 - margin, FACTOR_SIZES[3])
    return (np.array(SHAPE_NAMES), _SCALES.copy(), _ROTATIONS.copy(), positions,
            positions.copy())


def render(factors, size: int = 28) -> np.ndarray:
    """Draw the images of the given factor indices, shape (n, 5) -> (n, size, size) float32.

    Vectorised: each shape is a signed distance (negative inside) computed for every pixel of
    every image at once; the pixel value is ``clip(0.5 - distance, 0, 1)``, a one-pixel
    anti-aliased edge.
    """
    factors = np.asarray(factors)
    if factors.ndim != 2 or factors.shape[1] != len(FACTOR_NAMES):
        raise ValueError(f"factors must have shape (n, {len(FACTOR_NAMES)}); got {factors.shape}.")
    limits = np.array(FACTOR_SIZES)
    if not np.issubdtype(factors.dtype, np.integer) or (factors < 0).any() or \
            (factors >= limits).any():
        raise ValueError(f"factors must be whole-number indices below {FACTOR_SIZES}.")
    _, scales, rotations, xs, ys = factor_values(size)
    shape = factors[:, 0, None, None]
    scale = scales[factors[:, 1]][:, None, None]
    angle = np.deg2rad(rotations[factors[:, 2]])[:, None, None]
    cx, cy = xs[factors[:, 3]][:, None, None], ys[factors[:, 4]][:, None, None]
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    dx, dy = cols[None] - cx, rows[None] - cy  # y grows downwards, as in an image
    cos, sin = np.cos(angle), np.sin(angle)
    u = (cos * dx + sin * dy) / scale  # pixel coordinates in the shape's own frame
    v = (-sin * dx + cos * dy) / scale
    square = np.maximum(np.abs(u), np.abs(v)) - 1.0
    a, b = _ELLIPSE_AXES
    radius = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    ellipse = (radius - 1.0) * b  # an approximate distance, exact on the short axis
    triangle = np.full_like(u, -np.inf)
    for k in range(3):  # an equilateral triangle: the largest of three half-plane distances
        theta = np.pi / 2 + 2 * np.pi * k / 3
        triangle = np.maximum(triangle, u * np.cos(theta) + v * np.sin(theta) - 0.6)
    distance = np.where(shape == 0, square, np.where(shape == 1, ellipse, triangle))
    return np.clip(0.5 - distance * scale, 0.0, 1.0).astype(np.float32)


def make_shapes(n: int = 4000, seed: int = 0, size: int = 28) -> Shapes:
    """``n`` images whose five factors are drawn independently and uniformly (from ``seed``)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}.")
    rng = np.random.default_rng(seed)
    factors = np.stack([rng.integers(0, k, n) for k in FACTOR_SIZES], axis=1)
    return Shapes(images=render(factors, size), factors=factors, factor_names=FACTOR_NAMES,
                  factor_sizes=FACTOR_SIZES, factor_values=factor_values(size))


def traverse_factor(base, factor: int) -> np.ndarray:
    """Factor indices that copy ``base`` (5 indices) and run ``factor`` through all its values:
    shape (factor_sizes[factor], 5), ready for :func:`render`."""
    base = np.asarray(base, dtype=int).reshape(1, -1)
    rows = np.repeat(base, FACTOR_SIZES[factor], axis=0)
    rows[:, factor] = np.arange(FACTOR_SIZES[factor])
    return rows
