"""Diagrams drawn by code: the big picture of an autoencoder, with real images in it."""

from __future__ import annotations

import numpy as np


def _as_square_image(values, name: str) -> np.ndarray:
    """A (28, 28) or (784,) array (any square size) as a 2-D image in [0, 1]."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        side = int(round(np.sqrt(array.size)))
        if side * side != array.size:
            raise ValueError(f"{name}: {array.size} values do not make a square image.")
        array = array.reshape(side, side)
    if array.ndim != 2:
        raise ValueError(f"{name}: expected one image (h, w) or (h*w,); got shape {array.shape}.")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return np.clip(array, 0.0, 1.0)


def autoencoder_diagram(image, reconstruction, code=None, *, error: float | None = None,
                        title: str | None = None):
    """Input -> encoder -> code -> decoder -> reconstruction, and the error between them.

    ``image`` and ``reconstruction`` are one image each, (h, w) or flat, in [0, 1]; ``code`` is
    the 1-D code drawn as a strip of coloured cells (red positive, blue negative), or None for a
    plain strip. ``error`` defaults to the mean squared difference over pixels, the
    reconstruction error the course trains with. Returns the matplotlib Figure (not shown).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Polygon

    x = _as_square_image(image, "image")
    x_hat = _as_square_image(reconstruction, "reconstruction")
    if x.shape != x_hat.shape:
        raise ValueError(
            f"image and reconstruction must have the same shape; got {x.shape} and {x_hat.shape}."
        )
    z = None if code is None else np.asarray(code, dtype=np.float64).ravel()
    if z is not None and (z.size == 0 or not np.all(np.isfinite(z))):
        raise ValueError("code must hold at least one finite number.")
    if error is None:
        error = float(np.mean((x - x_hat) ** 2))
    pixels = x.size
    code_size = 8 if z is None else z.size

    fig, ax = plt.subplots(figsize=(9.5, 3.6))
    ax.axis("off")
    bottom, top = 1.1, 3.1
    ax.imshow(x, cmap="gray_r", vmin=0, vmax=1, extent=(0.0, 2.0, bottom, top))
    ax.imshow(x_hat, cmap="gray_r", vmin=0, vmax=1, extent=(8.0, 10.0, bottom, top))
    for left in (0.0, 8.0):
        ax.add_patch(plt.Rectangle((left, bottom), 2.0, 2.0, fill=False, lw=0.8, color="0.4"))
    ax.text(1.0, 3.25, f"input $x$\n{pixels} pixels", ha="center", va="bottom", fontsize=10)
    ax.text(9.0, 3.25, f"reconstruction $\\hat{{x}}$\n{pixels} pixels", ha="center",
            va="bottom", fontsize=10)

    # Encoder narrows, decoder widens: the bottleneck is the point of the picture.
    encoder = Polygon([(2.4, 0.9), (4.3, 1.6), (4.3, 2.6), (2.4, 3.3)], closed=True,
                      facecolor="#c6dbef", edgecolor="#2b6ca3")
    decoder = Polygon([(5.7, 1.6), (7.6, 0.9), (7.6, 3.3), (5.7, 2.6)], closed=True,
                      facecolor="#fdd0a2", edgecolor="#c45a00")
    ax.add_patch(encoder)
    ax.add_patch(decoder)
    ax.text(3.35, 2.1, "encoder", ha="center", va="center", fontsize=10)
    ax.text(6.65, 2.1, "decoder", ha="center", va="center", fontsize=10)

    strip = np.zeros((code_size, 1)) if z is None else z[:, None]
    limit = float(np.max(np.abs(strip))) or 1.0
    ax.imshow(strip, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
              extent=(4.75, 5.25, 1.3, 2.9), interpolation="nearest")
    ax.add_patch(plt.Rectangle((4.75, 1.3), 0.5, 1.6, fill=False, lw=0.8, color="0.3"))
    ax.text(5.0, 3.25, f"code $z$\n{code_size} numbers", ha="center", va="bottom", fontsize=10)

    for start, end in (((2.0, 2.1), (2.4, 2.1)), ((4.3, 2.1), (4.75, 2.1)),
                       ((5.25, 2.1), (5.7, 2.1)), ((7.6, 2.1), (8.0, 2.1))):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12,
                                     color="0.2"))
    ax.add_patch(FancyArrowPatch((1.0, 1.0), (9.0, 1.0), arrowstyle="<|-|>", mutation_scale=12,
                                 connectionstyle="arc3,rad=0.18", color="#b2182b", lw=1.4))
    ax.text(5.0, -0.3,
            f"reconstruction error: mean over pixels of $(x - \\hat{{x}})^2$ = {error:.4f}",
            ha="center", va="center", fontsize=10, color="#b2182b")
    ax.set(xlim=(-0.2, 10.2), ylim=(-0.6, 4.1), aspect="equal")  # imshow reset them
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_autoencoder_diagram(image, reconstruction, code=None, *, error: float | None = None,
                             title: str | None = None) -> None:
    """Draw :func:`autoencoder_diagram` and show it."""
    import matplotlib.pyplot as plt

    autoencoder_diagram(image, reconstruction, code, error=error, title=title)
    plt.show()
