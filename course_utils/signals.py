"""Synthetic heartbeat-like 1-D signals, generated with NumPy: normal beats and abnormal ones.

Each signal is a window of ``length`` samples holding one beat drawn as a sum of Gaussian bumps
(a small P wave, a sharp QRS complex, a broad T wave), with random timing, amplitudes and widths,
a slow baseline wander and sensor noise. An abnormal beat has one of three defects:

- ``"wide QRS"``: the spike is three times wider and lower, and there is no P wave (the shape of
  a premature ventricular beat);
- ``"inverted T"``: the T wave points down;
- ``"no P wave"``: the small bump before the spike is missing.

These are caricatures for a lesson, not a medical model. The same seed gives the same signals.

>>> beats = heartbeats(500, abnormal_fraction=0.2, seed=0)
>>> beats.signals.shape, beats.labels.mean()          # ((500, 192), 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LENGTH = 192
ABNORMAL_KINDS = ("wide QRS", "inverted T", "no P wave")
NORMAL = "normal"


@dataclass(frozen=True)
class Beats:
    """``signals`` (n, length) float32; ``labels`` (n,) 1 for abnormal; ``kinds`` (n,) names."""

    signals: np.ndarray
    labels: np.ndarray
    kinds: np.ndarray


def _bump(t: np.ndarray, centre: float, width: float, height: float) -> np.ndarray:
    return height * np.exp(-0.5 * ((t - centre) / width) ** 2)


def beat(kind: str = NORMAL, *, length: int = LENGTH, rng: np.random.Generator | int = 0,
         noise: float = 0.03) -> np.ndarray:
    """One window of ``length`` samples with one beat of the given kind (float32)."""
    if kind != NORMAL and kind not in ABNORMAL_KINDS:
        raise ValueError(f"kind must be {NORMAL!r} or one of {ABNORMAL_KINDS}, got {kind!r}.")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    t = np.arange(length, dtype=np.float64)
    scale = length / LENGTH
    r = length * 0.45 + rng.uniform(-8, 8) * scale  # where the spike is
    size = rng.uniform(0.85, 1.15)
    stretch = rng.uniform(0.9, 1.1)  # heart rate: the P and T waves sit nearer or further
    qrs_width, qrs_height = 2.5 * scale * rng.uniform(0.9, 1.1), size
    p_height, t_height = 0.15 * size * rng.uniform(0.8, 1.2), 0.3 * size * rng.uniform(0.8, 1.2)
    if kind == "wide QRS":
        qrs_width, qrs_height, p_height = 3 * qrs_width, 0.75 * qrs_height, 0.0
    elif kind == "inverted T":
        t_height = -t_height
    elif kind == "no P wave":
        p_height = 0.0
    signal = (
        _bump(t, r - 30 * scale * stretch, 6 * scale, p_height)  # P wave
        + _bump(t, r - 2.5 * qrs_width, qrs_width, -0.12 * qrs_height)  # Q
        + _bump(t, r, qrs_width, qrs_height)  # R
        + _bump(t, r + 2.5 * qrs_width, qrs_width, -0.25 * qrs_height)  # S
        + _bump(t, r + 45 * scale * stretch, 12 * scale, t_height)  # T wave
    )
    wander = 0.05 * np.sin(2 * np.pi * (t / length * rng.uniform(0.3, 1.0) + rng.random()))
    signal = signal + wander + rng.normal(0.0, noise, length)
    return signal.astype(np.float32)


def heartbeats(n: int, *, abnormal_fraction: float = 0.0, length: int = LENGTH,
               noise: float = 0.03, seed: int = 0) -> Beats:
    """``n`` windows, a share ``abnormal_fraction`` of them abnormal (kinds in equal shares,
    order shuffled). Labels are 1 for abnormal beats, 0 for normal ones."""
    if not 0.0 <= abnormal_fraction <= 1.0:
        raise ValueError(f"abnormal_fraction must lie in [0, 1], got {abnormal_fraction!r}.")
    if n < 0 or length < 32:
        raise ValueError(f"need n >= 0 and length >= 32, got n={n!r}, length={length!r}.")
    rng = np.random.default_rng(seed)
    n_abnormal = int(round(n * abnormal_fraction))
    kinds = np.array([NORMAL] * (n - n_abnormal)
                     + [ABNORMAL_KINDS[i % len(ABNORMAL_KINDS)] for i in range(n_abnormal)])
    kinds = kinds[rng.permutation(n)] if n else kinds
    signals = np.stack([beat(k, length=length, rng=rng, noise=noise) for k in kinds]) if n else (
        np.zeros((0, length), dtype=np.float32))
    return Beats(signals=signals, labels=(kinds != NORMAL).astype(np.int64), kinds=kinds)
