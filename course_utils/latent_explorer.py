"""A live latent explorer: one slider per code unit, the decoded image redrawn as they move.

::

    show_latent_explorer(vae.decoder, test_codes, test_labels)

A dropdown sets every slider to the code of a real (test) digit; moving a slider decodes the
new code at once. The decoder is called directly on one ``(1, k)`` tensor (a few milliseconds
for a dense decoder), not through ``predict``, so the picture follows the slider. The outer box
has the CSS class ``course-latent-explorer``; :func:`show_latent_explorer` displays it with a
static picture of its starting state (see ``course_utils.widgets``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .widgets import image_png, show_with_static_preview


def decode_function(decoder) -> Callable[[np.ndarray], np.ndarray]:
    """A cheap ``code (k,) -> image (h, w)`` from a Keras decoder or any callable on (1, k)."""
    def decode(code: np.ndarray) -> np.ndarray:
        batch = np.asarray(code, dtype=np.float32).reshape(1, -1)
        try:
            out = decoder(batch, training=False)
        except TypeError:  # a plain function without `training`
            out = decoder(batch)
        return np.asarray(out, dtype=np.float32)[0]
    return decode


def _check_codes(codes, labels) -> tuple[np.ndarray, np.ndarray]:
    codes = np.asarray(codes, dtype=np.float32)
    labels = np.asarray(labels)
    if codes.ndim != 2 or len(codes) == 0 or len(codes) != len(labels):
        raise ValueError(f"latent_explorer needs codes (n, k) and n labels; got {codes.shape} "
                         f"and {labels.shape}.")
    return codes, labels


def latent_explorer(decoder, codes, labels, *, start: int = 0, limit: float = 3.0,
                    step: float = 0.1, choices: int = 20):
    """The explorer widget for ``codes`` (n, k) of real digits with their ``labels``.

    One ``FloatSlider`` per code unit (range ``-limit`` to ``limit``, numbered from 1); a dropdown
    over the first ``choices`` codes; the decoded image (PNG) and a caption with the code.
    """
    import ipywidgets as widgets

    codes, labels = _check_codes(codes, labels)
    if not 0 <= start < len(codes):
        raise ValueError(f"start must be an index from 0 to {len(codes) - 1}; got {start}.")
    decode = decode_function(decoder)
    k = codes.shape[1]
    options = [(f"test digit {i}: a {int(labels[i])}", i)
               for i in range(min(max(choices, start + 1), len(codes)))]
    dropdown = widgets.Dropdown(options=options, value=start, description="start from")
    sliders = [
        widgets.FloatSlider(value=float(np.clip(codes[start, u], -limit, limit)), min=-limit,
                            max=limit, step=step, description=f"unit {u + 1}",
                            continuous_update=True, readout_format=".2f")
        for u in range(k)
    ]
    picture = widgets.Image(format="png", width=196, height=196)
    caption = widgets.HTML()
    state = {"holding": False}

    def redraw(_change=None) -> None:
        if state["holding"]:
            return
        code = np.array([s.value for s in sliders], dtype=np.float32)
        picture.value = image_png(decode(code))
        caption.value = "code: (" + ", ".join(f"{v:+.2f}" for v in code) + ")"

    def jump(change) -> None:
        state["holding"] = True  # one decode for the new code, not one per slider
        try:
            for slider, value in zip(sliders, codes[change["new"]], strict=True):
                slider.value = float(np.clip(value, -limit, limit))
        finally:
            state["holding"] = False
        redraw()

    for slider in sliders:
        slider.observe(redraw, names="value")
    dropdown.observe(jump, names="value")
    redraw()
    explorer = widgets.HBox([widgets.VBox([dropdown, *sliders]),
                             widgets.VBox([picture, caption])])
    explorer.add_class("course-latent-explorer")
    return explorer


def show_latent_explorer(decoder, codes, labels, *, start: int = 0, limit: float = 3.0,
                         step: float = 0.1, choices: int = 20) -> None:
    """Display the explorer after a static picture of where it starts. Returns nothing."""
    import matplotlib.pyplot as plt

    codes, labels = _check_codes(codes, labels)
    explorer = latent_explorer(decoder, codes, labels, start=start, limit=limit, step=step,
                               choices=choices)
    decode = decode_function(decoder)
    start_code = np.clip(codes[start], -limit, limit)

    def draw():
        # The controls' state beside the picture: the dropdown's choice and every slider.
        fig, (controls, view) = plt.subplots(
            1, 2, figsize=(6.2, max(2.6, 0.32 * len(start_code) + 0.9)),
            gridspec_kw={"width_ratios": [1.4, 1]})
        units = np.arange(1, len(start_code) + 1)
        controls.barh(units, start_code, color="C0", height=0.55)
        controls.axvline(0.0, color="grey", lw=0.8)
        controls.set(xlim=(-limit, limit), yticks=units, xlabel="slider value",
                     yticklabels=[f"unit {u}: {v:+.2f}" for u, v in zip(units, start_code,
                                                                         strict=True)])
        controls.invert_yaxis()
        controls.set_title(f"start from: test digit {start} (a {int(labels[start])})",
                           fontsize=9)
        view.imshow(decode(start_code), cmap="gray_r", vmin=0, vmax=1)
        view.set_title("decoded code", fontsize=9)
        view.axis("off")
        fig.suptitle("Static preview of the explorer's controls and picture", fontsize=10)
        fig.tight_layout()
        return fig

    show_with_static_preview(explorer, draw, description="Latent explorer")
