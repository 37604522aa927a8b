"""Small ipywidgets tools for looking at data, each stored with a static picture beside it.

A live widget is only live in a running kernel. A notebook read on a code host (GitHub, GitLab,
nbviewer) shows a widget as the text ``VBox(children=...``, so every explorer in the course is
displayed with :func:`show_with_static_preview`: first a matplotlib picture of the state the
widget starts in (this one survives in the stored notebook), then the widget itself, whose
plain-text form says what it is instead of dumping its children::

    explorer = my_latent_explorer(model, codes)           # any ipywidgets widget
    show_with_static_preview(
        explorer,
        lambda: show_images(decoded_start, title="Static preview: where the explorer starts"),
        description="Latent explorer",
    )
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

LIVE_NOTE = "interactive: run the notebook to use it; the picture above shows where it starts"


def image_png(image: np.ndarray, scale: int = 8) -> bytes:
    """One grayscale image in [0, 1] as PNG bytes, enlarged ``scale`` times (dark ink on white)."""
    import matplotlib.image as mpimg

    pixels = np.kron(np.clip(image, 0.0, 1.0), np.ones((scale, scale), dtype=np.float32))
    buffer = io.BytesIO()
    mpimg.imsave(buffer, pixels, cmap="gray_r", vmin=0.0, vmax=1.0, format="png")
    return buffer.getvalue()


def widget_bundle(widget, description: str) -> dict:
    """The widget's display data, with a readable plain-text form instead of ``VBox(...)``.

    Front ends that run widgets (JupyterLab, Notebook 7, VS Code) use the widget-view entry;
    everything else (a code host, a terminal, ``nbconvert --to markdown``) shows the text.
    """
    bundle = dict(widget._repr_mimebundle_() or {})
    bundle["text/plain"] = f"{description} ({LIVE_NOTE})"
    return bundle


def show_with_static_preview(
    widget, draw_static: Callable[[], object], *, description: str = "Interactive widget"
) -> None:
    """Display a static matplotlib picture of the widget's starting state, then the widget.

    ``draw_static`` draws that picture: it may show it itself (e.g. call a ``course_utils.plots``
    helper, which calls ``plt.show()``) or return a matplotlib Figure, which is shown and closed
    here. The picture is stored in the notebook's outputs, so a reader who cannot run the widget
    still sees what it shows; ``description`` is the widget's text form in the stored notebook.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display
    from matplotlib.figure import Figure

    if not callable(draw_static):
        raise TypeError(
            "draw_static should be a function that draws the picture (e.g. a lambda); got "
            f"{type(draw_static).__name__}."
        )
    figure = draw_static()
    if isinstance(figure, Figure):
        display(figure)
        plt.close(figure)
    else:
        plt.show()
    display(widget_bundle(widget, description), raw=True)


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
    if not 0 <= start < len(images):
        raise ValueError(f"start must be an index from 0 to {len(images) - 1}; got {start}.")
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


def show_digit_browser(images, labels, *, start: int = 0, preview: int = 10) -> None:
    """Display the digit browser with a static picture of the ``preview`` digits it starts on.

    Returns nothing (a returned widget would be displayed a second time by Jupyter).
    """
    from .plots import show_images

    browser = digit_browser(images, labels, start=start)
    stop = min(start + preview, len(images))

    def draw() -> None:
        show_images(
            np.asarray(images)[start:stop],
            labels=[f"{index}: {int(label)}" for index, label in
                    zip(range(start, stop), np.asarray(labels)[start:stop], strict=True)],
            title=f"Static preview: images {start} to {stop - 1} (index: label); "
                  "the slider below starts at image " + str(start),
        )

    show_with_static_preview(browser, draw, description="Digit browser")
