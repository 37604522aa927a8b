"""course_utils.compression: the uniform quantiser, bits per image, PSNR and the JPEG round trip."""

import numpy as np
import pytest

from course_utils.compression import (
    bits_per_image,
    code_range,
    dequantise,
    empirical_entropy_bits,
    jpeg_header_bits,
    jpeg_round_trip,
    psnr,
    quantise_indices,
    uniform_quantise,
    upper_envelope,
)


def test_code_range_is_per_unit():
    low, high = code_range(np.array([[0.0, 5.0], [2.0, -1.0], [1.0, 3.0]]))
    np.testing.assert_array_equal(low, [0.0, -1.0])
    np.testing.assert_array_equal(high, [2.0, 5.0])


@pytest.mark.parametrize("bits", [1, 2, 3, 8])
def test_quantiser_has_2_to_the_bits_levels_with_both_ends(bits):
    codes = np.linspace(-0.5, 1.5, 2001)[:, None]  # beyond the range on both sides
    q = uniform_quantise(codes, np.array([0.0]), np.array([1.0]), bits)
    levels = np.unique(q)
    assert len(levels) == 2**bits
    assert levels[0] == 0.0 and levels[-1] == 1.0  # clipped, ends included
    np.testing.assert_allclose(np.diff(levels), 1 / (2**bits - 1), rtol=1e-5)


def test_quantiser_error_is_at_most_half_a_step_inside_the_range():
    rng = np.random.default_rng(0)
    codes = rng.uniform(-2, 3, (500, 4))
    low, high = code_range(codes)
    q = uniform_quantise(codes, low, high, 4)
    step = (high - low) / 15
    assert np.all(np.abs(q - codes) <= step / 2 + 1e-6)


def test_indices_and_dequantise_round_trip_and_constant_units():
    codes = np.array([[0.0, 7.0], [0.5, 7.0], [1.0, 7.0]])
    low, high = code_range(codes)
    idx = quantise_indices(codes, low, high, 2)
    np.testing.assert_array_equal(idx[:, 1], 0)  # a constant unit needs no division by zero
    np.testing.assert_array_equal(idx[:, 0], [0, 2, 3])  # 1.5 rounds to even: 2
    np.testing.assert_allclose(dequantise(idx, low, high, 2)[:, 1], 7.0)


@pytest.mark.parametrize("bits", [0, 25, 2.5, True, "4"])
def test_bad_bits_are_refused(bits):
    with pytest.raises(ValueError, match="bits"):
        uniform_quantise(np.zeros((2, 2)), np.zeros(2), np.ones(2), bits)


def test_bits_per_image():
    assert bits_per_image(16, 4) == 64


def test_psnr_per_image():
    x = np.zeros((2, 4, 4))
    y = x.copy()
    y[0] += 0.1  # MSE 0.01 -> 20 dB
    y[1] += 0.01  # MSE 1e-4 -> 40 dB
    np.testing.assert_allclose(psnr(x, y), [20.0, 40.0])
    np.testing.assert_allclose(psnr(x * 255, y * 255, max_value=255), [20.0, 40.0])
    assert np.isinf(psnr(x, x)).all()


def test_jpeg_round_trip_sizes_grow_with_quality():
    rng = np.random.default_rng(0)
    images = rng.random((3, 28, 28)).astype(np.float32)
    low_q, low_bits = jpeg_round_trip(images, 10)
    high_q, high_bits = jpeg_round_trip(images, 90)
    assert low_q.shape == images.shape and low_q.dtype == np.float32
    assert 0.0 <= low_q.min() and low_q.max() <= 1.0
    assert (high_bits > low_bits).all()
    assert psnr(images, high_q).mean() > psnr(images, low_q).mean()
    assert 0 < jpeg_header_bits(50) < low_bits.min()
    with pytest.raises(ValueError, match="quality"):
        jpeg_round_trip(images, 0)


def test_upper_envelope_takes_the_best_pair_that_fits_the_budget():
    table = {(8, 2): 13.0, (4, 4): 12.0, (8, 4): 16.0, (32, 2): 15.0, (16, 4): 18.0}
    env = upper_envelope(table, [8, 16, 32, 63, 64])
    assert env[8] == (float("-inf"), None)
    assert env[16] == (13.0, (8, 2))  # 8 x 2 = 16 fits exactly (<=), beats 4 x 4
    assert env[32] == (16.0, (8, 4))
    assert env[63] == (16.0, (8, 4))  # 32 x 2 = 64 does not fit in 63
    assert env[64] == (18.0, (16, 4))


def test_empirical_entropy_bits():
    codes = np.array([[0, 5], [1, 5], [2, 5], [3, 5]])
    assert empirical_entropy_bits(codes) == pytest.approx(2.0)  # 4 equally likely + constant
    with pytest.raises(ValueError, match="shape"):
        empirical_entropy_bits(np.arange(4))
