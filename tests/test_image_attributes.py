"""Image attributes measured from the pixels: known answers on drawn shapes."""

import numpy as np
import pytest

from course_utils.image_attributes import (
    ink_mass,
    measure_attributes,
    slant,
    stroke_thickness,
    width,
)


def bar(thickness: int, shear: float = 0.0, left: int = 12) -> np.ndarray:
    """A vertical bar of ``thickness`` columns over rows 4-23, sheared right towards the top."""
    image = np.zeros((28, 28))
    for row in range(4, 24):
        start = left + int(round(-shear * (row - 13.5)))
        image[row, start:start + thickness] = 1.0
    return image


def test_ink_mass_is_the_pixel_sum():
    images = np.random.default_rng(0).random((3, 28, 28))
    np.testing.assert_allclose(ink_mass(images), images.sum(axis=(1, 2)))
    assert ink_mass(images[0]).shape == (1,)


@pytest.mark.parametrize("thickness", [1, 2, 3, 5])
def test_stroke_thickness_of_a_bar(thickness):
    found = stroke_thickness(bar(thickness))[0]
    # 2 * area / perimeter = 2 * 20 t / (2 (20 + t)): close to t for a long bar
    assert found == pytest.approx(20 * thickness / (20 + thickness))


def test_thicker_strokes_measure_thicker_and_blank_is_zero():
    values = stroke_thickness(np.stack([bar(1), bar(3), np.zeros((28, 28))]))
    assert values[0] < values[1] and values[2] == 0


def test_slant_sign_and_size():
    upright, right, left = slant(np.stack([bar(2), bar(2, 0.5), bar(2, -0.5)]))
    assert abs(upright) < 1e-9
    assert right == pytest.approx(0.5, abs=0.05) and left == pytest.approx(-0.5, abs=0.05)


def test_slant_does_not_depend_on_position():
    assert slant(bar(2, 0.4, left=6))[0] == pytest.approx(slant(bar(2, 0.4, left=16))[0])


def test_width_counts_inked_columns():
    assert width(bar(3))[0] == 3
    assert width(bar(1, 0.5))[0] == pytest.approx(11, abs=1)
    assert width(np.zeros((1, 28, 28)))[0] == 0


def test_measure_attributes_on_mnist_like_batch():
    images = np.random.default_rng(1).random((5, 28, 28))
    found = measure_attributes(images)
    assert set(found) == {"ink mass", "thickness", "slant", "width"}
    assert all(v.shape == (5,) for v in found.values())


def test_bad_shape_is_refused():
    with pytest.raises(ValueError, match="shape"):
        ink_mass(np.zeros(28))
