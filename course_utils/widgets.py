"""Small ipywidgets tools for looking at data."""

from __future__ import annotations

import io

import numpy as np


def image_png(image: np.ndarray, scale: int = 8) -> bytes:
    """One grayscale image in [0, 1] as PNG bytes, enlarged ``scale`` times (dark ink on white)."""
    import matplotlib.image as mpimg

    pixels = np.kron(np.clip(image, 0.0, 1.0), np.ones((scale, scale), dtype=np.float32))
    buffer = io.BytesIO()
    mpimg.imsave(buffer, pixels, cmap="gray_r", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def digit_browser(images, labels, *, start: int = 0):
    """A slider over ``images``: shows one digit and its label at a time."""
    import ipywidgets as widgets

    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3 or len(images) != len(labels) or len(images) == 0:
        raise ValueError(
            f"digit_browser needs images (n, h, w) and n labels; got {images.shape} and "
            f"{labels.shape}."
        )
    slider = widgets.IntSlider(
        value=start, min=0, max=len(images) - 1, description="index", continuous_update=True
    )
    picture = widgets.Image(format="png", width=196, height=196)
    caption = widgets.HTML()

    def show(index: int) -> None:
        picture.value = image_png(images[index])
        caption.value = f"<b>label {int(labels[index])}</b> &middot; image {index}"

    slider.observe(lambda change: show(change["new"]), names="value")
    show(start)
    browser = widgets.VBox([slider, picture, caption])
    browser.add_class("course-digit-browser")
    return browser
