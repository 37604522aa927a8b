"""Sparse autoencoders: gradients, TopK, training on toy data, metrics."""

import numpy as np
import pytest

from course_utils import sae
from course_utils.superposition import superposition_data


def _random_sae(k=None, l1=0.0, seed=0, linear=False):
    rng = np.random.default_rng(seed)
    return sae.SparseAutoencoder(rng.normal(size=(5, 7)), rng.normal(size=7) * 0.1,
                                 rng.normal(size=(7, 5)), rng.normal(size=5), k=k, l1=l1,
                                 linear=linear)


def _loss(model, x):
    z = model.encode(x)
    return np.mean((model.decode(z) - x) ** 2) + model.l1 * z.sum(axis=1).mean()


@pytest.mark.parametrize(("k", "l1", "linear"), [(None, 0.0, False), (None, 0.05, False),
                                                  (3, 0.0, False), (None, 0.0, True)])
def test_gradients_match_finite_differences(k, l1, linear):
    model = _random_sae(k, l1, linear=linear)
    for name in ("w_enc", "b_enc", "w_dec", "b_dec"):
        setattr(model, name, getattr(model, name).astype(np.float64))
    x = np.random.default_rng(1).normal(size=(6, 5))
    loss, grads = sae._gradients(model, x)
    assert np.isclose(loss, _loss(model, x))
    for param, grad in zip((model.w_enc, model.b_enc, model.w_dec, model.b_dec), grads,
                           strict=True):
        flat, g = param.reshape(-1), grad.reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 6)):
            old = flat[i]
            flat[i] = old + 1e-6
            up = _loss(model, x)
            flat[i] = old - 1e-6
            down = _loss(model, x)
            flat[i] = old
            assert np.isclose(g[i], (up - down) / 2e-6, rtol=1e-3, atol=1e-7)


def test_topk_keeps_k_per_row_then_relu_in_encode():
    pre = np.array([[3.0, -1.0, 2.0, 0.5], [-3.0, -1.0, -2.0, 0.5]])
    assert np.array_equal(sae.topk(pre, 2), [[3.0, 0, 2.0, 0], [0, -1.0, 0, 0.5]])
    model = _random_sae(k=2)
    z = model.encode(np.random.default_rng(0).normal(size=(20, 5)))
    assert z.min() >= 0 and (z > 0).sum(axis=1).max() <= 2


def test_metrics_on_small_examples():
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    assert sae.fvu(x, x) == 0.0
    assert sae.fvu(x, np.tile(x.mean(0), (2, 1))) == pytest.approx(1.0)
    z = np.array([[0.0, 1.0, 0.0], [2.0, 0.5, 0.0]])
    assert sae.l0(z) == 1.5 and sae.dead_latents(z) == 1
    assert np.allclose(sae.firing_frequency(z), [0.5, 1.0, 0.0])
    true = np.eye(3)
    found = np.array([[2.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.1, 1.0]])
    assert sae.feature_recovery(true, found) == pytest.approx(2 / 3)  # sign matters
    assert sae.matched_share(found, true) == pytest.approx(2 / 3)
    assert sae.matched_share(found, true, alive=[True, False, False]) == 1.0
    assert sae.feature_recovery(true, found, signed=False) == pytest.approx(1.0)
    assert sae.feature_recovery(true, found, 0.999) == pytest.approx(1 / 3)


def test_linear_control_has_signed_dense_latents_and_reconstructs():
    train = superposition_data(4000, p_active=0.05, seed=1)
    model = sae.train_sae(train.activations, 8, linear=True, epochs=20, seed=0)
    z = model.encode(train.activations)
    assert model.linear and z.min() < 0
    assert sae.fvu(train.activations, model(train.activations)) < 0.1
    with pytest.raises(ValueError, match="linear"):
        sae.train_sae(train.activations, 8, linear=True, k=2)


def test_topk_sae_recovers_toy_features_and_is_deterministic():
    train = superposition_data(4000, p_active=0.05, seed=1)
    a = sae.train_sae(train.activations, 48, k=2, epochs=10, seed=0)
    b = sae.train_sae(train.activations, 48, k=2, epochs=10, seed=0)
    assert np.array_equal(a.w_dec, b.w_dec)
    assert a.history["loss"][-1] < a.history["loss"][0]
    test = superposition_data(1000, p_active=0.05, seed=2).activations
    assert sae.fvu(test, a(test)) < 0.3
    assert sae.l0(a.encode(test)) <= 2
    assert sae.feature_recovery(train.directions, sae.decoder_directions(a)) >= 0.6


def test_bad_arguments_get_clear_errors():
    x = np.zeros((10, 3), np.float32)
    with pytest.raises(ValueError, match="k must"):
        sae.train_sae(x, 4, k=5)
    with pytest.raises(ValueError, match="negative"):
        sae.train_sae(x, 4, l1=-1.0)
    with pytest.raises(ValueError, match="no variance"):
        sae.fvu(x, x)
