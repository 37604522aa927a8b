"""Toy superposition data: shapes, sparsity, known directions, seeds."""

import numpy as np
import pytest

from course_utils.superposition import (
    feature_directions,
    interference,
    represented_features,
    superposition_data,
    train_toy_model,
)


def test_samples_are_sparse_features_times_unit_directions():
    toy = superposition_data(2000, n_features=32, n_dims=8, p_active=0.05, seed=1)
    assert toy.activations.shape == (2000, 8) and toy.directions.shape == (32, 8)
    assert np.allclose(np.linalg.norm(toy.directions, axis=1), 1.0, atol=1e-6)
    assert np.allclose(toy.activations, toy.features @ toy.directions, atol=1e-5)
    assert toy.features.min() >= 0 and toy.features.max() <= 1
    assert abs((toy.features > 0).sum(axis=1).mean() - 0.05 * 32) < 0.15


def test_seeds_change_samples_but_not_directions():
    a = superposition_data(100, seed=1)
    b = superposition_data(100, seed=2)
    assert np.array_equal(a.directions, b.directions)
    assert not np.array_equal(a.activations, b.activations)
    assert np.array_equal(a.activations, superposition_data(100, seed=1).activations)


def test_interference_of_orthogonal_and_random_directions():
    assert interference(np.eye(4)) == 0.0
    assert 0.0 < interference(feature_directions(32, 8)) < 1.0


@pytest.mark.parametrize("kwargs", [{"n_samples": 0}, {"n_samples": 10, "p_active": 0.0},
                                    {"n_samples": 10, "directions": np.ones((3, 3))}])
def test_bad_arguments_get_clear_errors(kwargs):
    with pytest.raises(ValueError):
        superposition_data(**kwargs)


def test_toy_model_stores_more_features_when_they_are_sparse():
    dense = train_toy_model(1.0, steps=1500, seed=0)
    sparse = train_toy_model(0.03, steps=1500, seed=0)
    assert dense.weights.shape == (5, 20) and dense.bias.shape == (20,)
    assert represented_features(dense.weights) <= 6
    assert represented_features(sparse.weights) > 6
    assert np.array_equal(dense.weights, train_toy_model(1.0, steps=1500, seed=0).weights)


def test_represented_features_counts_columns_by_length():
    w = np.array([[1.0, 0.0, 0.3], [0.0, 0.5, 0.3]])
    assert represented_features(w) == 2
    assert represented_features(w, threshold=0.4) == 3
    with pytest.raises(ValueError):
        train_toy_model(0.0)
