"""Lossy compression with codes: a uniform quantiser, bits per image, PSNR and JPEG for comparison.

Lesson 13 compares an autoencoder's quantised codes with PCA's and with JPEG on a
rate-distortion curve (bits per image against PSNR).

>>> low, high = code_range(train_codes)               # per code unit, from the TRAINING codes
>>> decoded = uniform_quantise(test_codes, low, high, bits=4)
>>> psnr(images, reconstructions).mean()              # dB, per image, then averaged
"""

from __future__ import annotations

import io

import numpy as np


def code_range(train_codes) -> tuple[np.ndarray, np.ndarray]:
    """Per code unit, the smallest and largest value over the training codes (n, k)."""
    codes = np.asarray(train_codes, dtype=np.float64)
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(f"train_codes must have shape (n, k) with n >= 1, got {codes.shape}.")
    return codes.min(axis=0), codes.max(axis=0)


def _check_bits(bits) -> int:
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not 1 <= bits <= 24:
        raise ValueError(f"bits must be a whole number from 1 to 24, got {bits!r}.")
    return int(bits)


def quantise_indices(codes, low, high, bits: int) -> np.ndarray:
    """The integer level (0 .. 2**bits - 1) of every code value: values are clipped into
    [low, high] and rounded to the nearest of 2**bits evenly spaced levels whose first and last
    levels are ``low`` and ``high``."""
    levels = 2 ** _check_bits(bits)
    codes = np.asarray(codes, dtype=np.float64)
    low = np.asarray(low, dtype=np.float64)
    span = np.asarray(high, dtype=np.float64) - low
    safe = np.where(span > 0, span, 1.0)  # a unit that never varies gets level 0
    scaled = (np.clip(codes, low, low + span) - low) / safe * (levels - 1)
    return np.rint(scaled).astype(np.int64)


def dequantise(indices, low, high, bits: int) -> np.ndarray:
    """The code values that the integer levels stand for (inverse of ``quantise_indices``)."""
    levels = 2 ** _check_bits(bits)
    low = np.asarray(low, dtype=np.float64)
    span = np.asarray(high, dtype=np.float64) - low
    return low + np.asarray(indices, dtype=np.float64) * span / (levels - 1)


def uniform_quantise(codes, low, high, bits: int) -> np.ndarray:
    """Codes rounded to 2**bits evenly spaced values per unit between ``low`` and ``high``
    (values outside the range are clipped first). float32, same shape as ``codes``."""
    indices = quantise_indices(codes, low, high, bits)
    return dequantise(indices, low, high, bits).astype(np.float32)


def bits_per_image(code_size: int, bits: int) -> int:
    """Bits to store one image's code: ``code_size`` numbers of ``bits`` bits each.

    The decoder (or the PCA basis) and the per-unit ranges are shared by all images and not
    counted; nor is any entropy coding, which would lower the rate further.
    """
    return int(code_size) * _check_bits(bits)


def upper_envelope(table, budgets) -> dict[int, tuple[float, tuple[int, int] | None]]:
    """For every budget in bits per image, the best quality among the (code_size, bits) pairs
    that fit in it: ``{budget: (quality, (code_size, bits))}``, ``(-inf, None)`` if none fits.

    ``table`` maps ``(code_size, bits)`` to a quality (higher is better, e.g. mean PSNR); a pair
    fits when ``code_size * bits <= budget``. Comparing codecs by their envelopes compares them
    at equal bits, each at its best split of the bits between code size and precision.
    """
    envelope = {}
    for budget in budgets:
        fits = [(quality, pair) for pair, quality in table.items()
                if pair[0] * pair[1] <= budget]
        envelope[int(budget)] = max(fits) if fits else (float("-inf"), None)
    return envelope


def empirical_entropy_bits(indices) -> float:
    """Bits per image an ideal entropy coder would need for integer codes (n, k), coding each
    unit on its own with the frequencies of its levels in ``indices``: the sum over units of
    ``-sum p log2 p``. A fixed-length code spends ``k * bits``; JPEG, by contrast, is entropy
    coded (Huffman), so this is the fairer number to set beside a JPEG file size."""
    codes = np.asarray(indices)
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(f"indices must have shape (n, k) with n >= 1, got {codes.shape}.")
    total = 0.0
    for unit in codes.T:
        p = np.unique(unit, return_counts=True)[1] / len(unit)
        total += float(-(p * np.log2(p)).sum())
    return total


def psnr(images, reconstructions, max_value: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio of every image in dB: ``10 log10(max_value**2 / MSE)``, with
    the MSE over that image's pixels. Shape (n,). An exact reconstruction gives ``inf``."""
    x = np.asarray(images, dtype=np.float64)
    y = np.asarray(reconstructions, dtype=np.float64).reshape(x.shape)
    mse = np.mean((x - y).reshape(len(x), -1) ** 2, axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(max_value**2 / mse)


def jpeg_round_trip(images, quality: int) -> tuple[np.ndarray, np.ndarray]:
    """Every image saved as a greyscale JPEG (Pillow) at ``quality`` and read back.

    Returns ``(decoded images in [0, 1], file size of each image in bits)``. The file size
    includes JPEG's headers and tables (a few hundred bytes), which dominate for 28x28 images;
    see ``jpeg_header_bits``.
    """
    from PIL import Image

    if not 1 <= int(quality) <= 95:
        raise ValueError(f"quality must lie in 1..95, got {quality!r}.")
    pixels = np.clip(np.rint(np.asarray(images, dtype=np.float64) * 255), 0, 255).astype(np.uint8)
    decoded = np.empty(pixels.shape, dtype=np.float32)
    sizes = np.empty(len(pixels), dtype=np.int64)
    for i, image in enumerate(pixels):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality),
                                    optimize=True)
        sizes[i] = 8 * buffer.tell()
        buffer.seek(0)
        decoded[i] = np.asarray(Image.open(buffer), dtype=np.float32) / 255.0
    return decoded, sizes


def jpeg_header_bits(quality: int, shape: tuple[int, int] = (28, 28)) -> int:
    """The size in bits of an all-black image saved as JPEG at ``quality``: almost all of it
    is headers and tables, an estimate of the fixed cost in every file."""
    _, sizes = jpeg_round_trip(np.zeros((1, *shape)), quality)
    return int(sizes[0])
