"""Plot helpers with one consistent style: image grids, signed weights, reconstructions, curves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

STYLE = {
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.frameon": False,
    "image.cmap": "gray_r",
}


def apply_style() -> None:
    """Use the course's plot style for every figure that follows."""
    plt.rcParams.update(STYLE)


def _as_images(images, name: str = "images") -> np.ndarray:
    """Accept (n, 28, 28), (n, 784) or (n, h, w, 1) arrays; return (n, h, w)."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(f"{name}: rows of length {arr.shape[1]} are not square images.")
        arr = arr.reshape(-1, side, side)
    if arr.ndim != 3:
        raise ValueError(f"{name}: expected a batch of images, got shape {arr.shape}.")
    return arr


def show_images(
    images,
    labels: Sequence | None = None,
    *,
    ncols: int = 10,
    title: str | None = None,
    size: float = 1.1,
):
    """Draw a grid of images, with optional labels above each one."""
    arr = _as_images(images)
    n = len(arr)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * bool(title)))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < n:
            ax.imshow(arr[i], vmin=0.0, vmax=1.0)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def show_reconstructions(originals, reconstructions, *, n: int = 10, title: str | None = None):
    """Draw originals (top row) above their reconstructions (bottom row)."""
    top, bottom = _as_images(originals, "originals"), _as_images(reconstructions, "reconstructions")
    n = min(n, len(top), len(bottom))
    fig, axes = plt.subplots(2, n, figsize=(1.1 * n, 2.5), squeeze=False)
    for i in range(n):
        for row, batch in enumerate((top, bottom)):
            axes[row, i].imshow(batch[i], vmin=0.0, vmax=1.0)
            axes[row, i].axis("off")
    axes[0, 0].set_title("original", fontsize=9, loc="left")
    axes[1, 0].set_title("reconstruction", fontsize=9, loc="left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def show_signed_weights(
    weights,
    *,
    ncols: int = 10,
    titles: Sequence | None = None,
    row_labels: Sequence[str] | None = None,
    shared_scale: bool = False,
    title: str | None = None,
    size: float = 1.1,
):
    """Draw weight vectors of 784 values as 28x28 images, red positive and blue negative.

    ``weights`` is an array (n, 784), drawn in rows of ``ncols``, or a list of such arrays, each
    drawn as one row (labelled by ``row_labels``). ``titles`` holds one title per image (a flat
    list, or a list per row). Each image gets its own symmetric colour scale, so its pattern
    shows whatever its size; with ``shared_scale=True`` all share one, so small units look blank.
    """
    if isinstance(weights, (list, tuple)):
        rows = [np.asarray(w, dtype=np.float32).reshape(len(w), 28, 28) for w in weights]
        ncols = max(len(r) for r in rows)
    else:
        flat = np.asarray(weights, dtype=np.float32).reshape(-1, 28, 28)
        ncols = max(1, min(ncols, len(flat)))
        rows = [flat[i:i + ncols] for i in range(0, len(flat), ncols)]
    if titles is not None and not isinstance(weights, (list, tuple)):
        titles = [list(titles[i:i + ncols]) for i in range(0, len(titles), ncols)]
    fig, axes = plt.subplots(len(rows), ncols, squeeze=False,
                             figsize=(size * ncols, (size + 0.2 * bool(titles)) * len(rows)
                                      + 0.3 * bool(title)))
    largest = max(float(np.abs(r).max()) for r in rows) or 1.0
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            ax.spines[:].set_visible(False)  # keeps room for a row label, unlike axis("off")
            if c >= len(row):
                ax.axis("off")
                continue
            scale = largest if shared_scale else (float(np.abs(row[c]).max()) or 1.0)
            ax.imshow(row[c], cmap="RdBu_r", vmin=-scale, vmax=scale)
            if titles is not None:
                ax.set_title(str(titles[r][c]), fontsize=8)
        if row_labels is not None:
            axes[r, 0].set_ylabel(row_labels[r], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def _quantity(keys: Sequence[str]) -> str:
    """A y-axis label naming what the curves measure (their shared metric name)."""
    names = {key.removeprefix("val_") for key in keys}
    if len(names) == 1:
        name = names.pop()
        return "MSE" if name == "mse" else name.replace("_", " ")
    return "loss" if all("loss" in name for name in names) else ", ".join(sorted(names))


def plot_history(
    history,
    keys: Sequence[str] | None = None,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    ax=None,
):
    """Training curves from a Keras ``History``, its ``.history`` dict, or any dict of lists.

    The y axis is labelled ``ylabel``, or by the metric the curves share (e.g. "loss").
    Draws on ``ax`` if given (and returns nothing); otherwise makes and shows its own figure.
    """
    curves: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(curves, Mapping):
        raise TypeError("plot_history expects a Keras History or a dict of metric lists.")
    keys = list(keys) if keys is not None else list(curves)
    missing = [key for key in keys if key not in curves]
    if missing:
        raise KeyError(f"plot_history: no curve named {missing}; available: {list(curves)}.")
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys:
        values = curves[key]
        ax.plot(np.arange(1, len(values) + 1), values, marker="o" if len(values) < 15 else None,
                label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel or _quantity(keys))
    ax.legend()
    if title:
        ax.set_title(title)
    if own_figure:
        plt.show()
