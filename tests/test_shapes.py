"""The procedurally generated shapes dataset: deterministic, in range, factors that show."""

import time

import numpy as np
import pytest

from course_utils.shapes import FACTOR_NAMES, FACTOR_SIZES, make_shapes, render, traverse_factor


def test_shapes_have_the_documented_layout():
    data = make_shapes(500, seed=3)
    assert data.images.shape == (500, 28, 28) and data.images.dtype == np.float32
    assert data.factors.shape == (500, 5) and len(data) == 500
    assert data.factor_names == FACTOR_NAMES and data.factor_sizes == FACTOR_SIZES
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    assert data.images.max() == 1.0 and data.images.min() == 0.0
    for column, size in zip(data.factors.T, FACTOR_SIZES, strict=True):
        assert set(np.unique(column)) == set(range(size))  # every value drawn
    assert [len(v) for v in data.factor_values] == list(FACTOR_SIZES)


def test_the_same_seed_gives_the_same_images_and_another_seed_others():
    a, b, c = make_shapes(200, seed=1), make_shapes(200, seed=1), make_shapes(200, seed=2)
    assert np.array_equal(a.images, b.images) and np.array_equal(a.factors, b.factors)
    assert not np.array_equal(a.factors, c.factors)


def test_a_few_thousand_images_take_about_a_second():
    start = time.process_time()  # CPU seconds: the machine may be shared
    make_shapes(4000, seed=0)
    assert time.process_time() - start < 2.0  # about 0.3 s


def test_every_shape_stays_inside_the_image():
    corners = np.array([[s, 5, r, x, y] for s in range(3) for r in range(8)
                        for x in (0, 7) for y in (0, 7)])
    images = render(corners)
    assert images[:, 0, :].max() == 0 and images[:, -1, :].max() == 0
    assert images[:, :, 0].max() == 0 and images[:, :, -1].max() == 0


def test_each_factor_changes_the_image_in_its_own_way():
    base = [0, 2, 0, 3, 3]
    ink = {k: render(traverse_factor(base, k)) for k in range(5)}
    area = ink[1].sum(axis=(1, 2))
    assert np.all(np.diff(area) > 0)  # scale: more ink at each step
    cols = np.arange(28)
    centre_x = (ink[3].sum(axis=1) * cols).sum(axis=1) / ink[3].sum(axis=(1, 2))
    centre_y = (ink[4].sum(axis=2) * cols).sum(axis=1) / ink[4].sum(axis=(1, 2))
    assert np.all(np.diff(centre_x) > 1) and np.all(np.diff(centre_y) > 1)
    for k in (0, 2):  # shape and rotation: all images different
        flat = ink[k].reshape(len(ink[k]), -1)
        assert len(np.unique(flat.round(3), axis=0)) == FACTOR_SIZES[k]


def test_bad_factors_are_refused():
    with pytest.raises(ValueError, match="shape"):
        render(np.zeros((3, 4), dtype=int))
    with pytest.raises(ValueError, match="below"):
        render(np.array([[3, 0, 0, 0, 0]]))
    with pytest.raises(ValueError, match="n must be"):
        make_shapes(0)
