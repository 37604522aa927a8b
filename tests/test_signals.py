"""course_utils.signals: seeded synthetic heartbeats, normal and abnormal."""

import numpy as np
import pytest

from course_utils.signals import ABNORMAL_KINDS, LENGTH, beat, heartbeats


def test_shapes_labels_and_shares():
    beats = heartbeats(300, abnormal_fraction=0.2, seed=0)
    assert beats.signals.shape == (300, LENGTH) and beats.signals.dtype == np.float32
    assert beats.labels.sum() == 60
    assert set(beats.kinds[beats.labels == 1]) == set(ABNORMAL_KINDS)
    assert np.all(beats.kinds[beats.labels == 0] == "normal")


def test_same_seed_same_signals_other_seed_other_signals():
    a, b, c = (heartbeats(20, abnormal_fraction=0.5, seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.signals, b.signals)
    assert not np.allclose(a.signals, c.signals)


def test_each_defect_changes_the_shape_it_should():
    clean = {kind: beat(kind, rng=3, noise=0.0) for kind in ("normal", *ABNORMAL_KINDS)}
    normal = clean["normal"]
    peak = int(np.argmax(normal))
    assert clean["inverted T"][peak + 20:].min() < normal[peak + 20:].min() - 0.2
    assert clean["wide QRS"].max() < normal.max()
    before = slice(peak - 45, peak - 10)  # where the P wave sits
    assert clean["no P wave"][before].max() < normal[before].max() - 0.08
    np.testing.assert_allclose(clean["no P wave"][peak:], normal[peak:], atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind"):
        beat("flutter")
    with pytest.raises(ValueError, match="abnormal_fraction"):
        heartbeats(10, abnormal_fraction=1.5)
    assert heartbeats(0).signals.shape == (0, LENGTH)
