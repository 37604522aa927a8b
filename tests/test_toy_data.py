import numpy as np
import pytest

from course_utils.toy_data import (
    high_quality_share,
    modes_covered,
    ring_centres,
    ring_of_gaussians,
)


def test_ring_has_eight_distinct_centres_on_the_circle():
    centres = ring_centres(8, 2.0)
    assert centres.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0, rtol=1e-6)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)[~np.eye(8, dtype=bool)]
    assert gaps.min() == pytest.approx(2 * 2.0 * np.sin(np.pi / 8), rel=1e-5)  # neighbours
    np.testing.assert_allclose(centres[0], [2.0, 0.0], atol=1e-6)


def test_samples_are_seeded_and_fill_every_mode():
    points = ring_of_gaussians(4000, seed=3)
    assert points.shape == (4000, 2) and points.dtype == np.float32
    np.testing.assert_array_equal(points, ring_of_gaussians(4000, seed=3))
    assert not np.array_equal(points, ring_of_gaussians(4000, seed=4))
    centres = ring_centres()
    assert modes_covered(points, centres, 0.02) == 8
    assert high_quality_share(points, centres, 0.02) > 0.99


def test_metrics_on_constructed_samples():
    centres = ring_centres()
    rng = np.random.default_rng(0)
    one_mode = centres[2] + rng.normal(0, 0.02, size=(1000, 2))
    assert modes_covered(one_mode, centres, 0.02) == 1
    assert high_quality_share(one_mode, centres, 0.02) > 0.99
    noise = rng.uniform(-3, 3, size=(1000, 2))
    assert high_quality_share(noise, centres, 0.02) < 0.05
    between = 2.0 * np.stack([np.cos(np.pi / 8), np.sin(np.pi / 8)])[None].repeat(100, axis=0)
    assert high_quality_share(between, centres, 0.02) == 0.0
    assert modes_covered(between, centres, 0.02) == 0


def test_min_count_decides_when_a_mode_counts():
    centres = ring_centres()
    points = np.concatenate([np.repeat(centres[:1], 990, axis=0), centres[1:2].repeat(10, 0)])
    assert modes_covered(points, centres, 0.02) == 1  # default: 25 of 1,000 samples
    assert modes_covered(points, centres, 0.02, min_count=10) == 2


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="modes"):
        ring_centres(0)
    with pytest.raises(ValueError, match="std"):
        ring_of_gaussians(10, std=0.0)
    with pytest.raises(ValueError, match="shape"):
        high_quality_share(np.zeros((5, 3)), ring_centres(), 0.02)


def test_bridges_and_mode_counts_on_constructed_samples():
    from course_utils.toy_data import between_modes_share, mode_counts

    centres = ring_centres(8, 2.0)
    halfway = 2.0 * np.array([[np.cos(np.pi / 8), np.sin(np.pi / 8)]])  # on the ring, between
    samples = np.concatenate([centres[:2], centres[:1], halfway, [[0.0, 0.0]]])
    assert between_modes_share(samples, centres, std=0.02) == pytest.approx(1 / 5)
    assert between_modes_share(samples, centres, std=0.02, band=2.5) == pytest.approx(2 / 5)
    counts = mode_counts(samples, centres, std=0.02)
    assert counts.tolist() == [2, 1, 0, 0, 0, 0, 0, 0]
    # a point 3 std from a centre is high quality, not a bridge (boundary included)
    edge = centres[:1] + np.array([[0.0, 0.06]])
    assert between_modes_share(edge, centres, std=0.02) == 0.0
    assert mode_counts(edge, centres, std=0.02)[0] == 1
