"""Widgets are stored with a static picture beside them, so a code host shows something."""

import numpy as np
import pytest


def test_static_preview_is_stored_before_the_widget(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils import widgets

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    images = np.random.default_rng(0).random((12, 28, 28), dtype=np.float32)
    browser = widgets.digit_browser(images, np.arange(12) % 10)

    def draw():
        fig, ax = plt.subplots()
        ax.imshow(images[0])
        return fig

    widgets.show_with_static_preview(browser, draw, description="Digit browser")
    (figure, _), (bundle, options) = shown
    assert isinstance(figure, matplotlib.figure.Figure)
    assert options == {"raw": True}
    assert bundle["text/plain"].startswith("Digit browser (interactive")
    assert "VBox" not in bundle["text/plain"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == browser.model_id


def test_show_digit_browser_draws_the_starting_digits(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_utils import widgets

    bundles, titles = [], []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: bundles.append(obj))
    monkeypatch.setattr(plt, "show", lambda: titles.append(plt.gcf()._suptitle.get_text()))
    images = np.random.default_rng(1).random((30, 28, 28), dtype=np.float32)
    assert widgets.show_digit_browser(images, np.arange(30) % 10, start=5) is None
    assert titles and "images 5 to 14" in titles[0]
    assert bundles[-1]["text/plain"].startswith("Digit browser")
    plt.close("all")


def test_static_preview_needs_a_drawing_function():
    from course_utils import widgets

    with pytest.raises(TypeError, match="draw_static should be a function"):
        widgets.show_with_static_preview(object(), "not a function")
