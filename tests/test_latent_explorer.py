"""The latent explorer: sliders per code unit, live decoding, a dropdown of real digits."""

import numpy as np
import pytest

from course_utils.latent_explorer import latent_explorer, show_latent_explorer


def decoder(codes):
    """A stand-in decoder: the image's brightness follows the code's first unit."""
    codes = np.asarray(codes, dtype=np.float32)
    return np.ones((len(codes), 28, 28), np.float32) * (0.5 + 0.1 * codes[:, :1, None])


@pytest.fixture
def explorer():
    codes = np.array([[0.0, 1.0, -1.0], [2.0, 0.0, 0.5], [-1.0, -1.0, 0.0]], np.float32)
    return latent_explorer(decoder, codes, np.array([7, 2, 1]))


def _parts(explorer):
    controls, view = explorer.children
    dropdown, *sliders = controls.children
    picture, caption = view.children
    return dropdown, sliders, picture, caption


def test_one_slider_per_code_unit_and_a_css_class(explorer):
    dropdown, sliders, _, caption = _parts(explorer)
    assert "course-latent-explorer" in explorer._dom_classes
    assert [s.description for s in sliders] == ["unit 1", "unit 2", "unit 3"]
    assert [s.value for s in sliders] == [0.0, 1.0, -1.0]
    assert "a 7" in dropdown.options[0][0] and "+1.00" in caption.value


def test_moving_a_slider_redraws_the_image(explorer):
    _, sliders, picture, caption = _parts(explorer)
    before = picture.value
    sliders[0].value = 2.0
    assert picture.value != before and "+2.00" in caption.value


def test_the_dropdown_jumps_to_a_real_code_with_one_decode():
    calls = []

    def counting(codes):
        calls.append(1)
        return decoder(codes)

    codes = np.array([[0.0, 1.0], [2.0, 0.5]], np.float32)
    widget = latent_explorer(counting, codes, np.array([3, 4]))
    dropdown, sliders, _, _ = _parts(widget)
    calls.clear()
    dropdown.value = 1
    assert [s.value for s in sliders] == [2.0, 0.5]
    assert len(calls) == 1


def test_a_keras_decoder_works_and_bad_codes_are_refused():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(784, activation="sigmoid"),
                              keras.layers.Reshape((28, 28))])
    widget = latent_explorer(model, np.zeros((4, 2), np.float32), np.arange(4))
    assert _parts(widget)[2].value[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="codes"):
        latent_explorer(decoder, np.zeros(3), np.arange(3))


def test_show_displays_a_static_picture_then_the_widget(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a[0]))
    import matplotlib

    matplotlib.use("Agg")
    show_latent_explorer(decoder, np.zeros((2, 3), np.float32), np.array([1, 2]))
    assert "Latent explorer" in shown[-1]["text/plain"]


def test_the_static_picture_shows_the_sliders_state(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figures = []
    monkeypatch.setattr("IPython.display.display",
                        lambda *a, **k: figures.append(a[0]) if isinstance(a[0], Figure) else None)
    codes = np.array([[0.5, -1.25, 2.0], [0.0, 0.0, 0.0]], np.float32)
    show_latent_explorer(decoder, codes, np.array([7, 1]))
    controls = figures[0].axes[0]
    assert [round(bar.get_width(), 2) for bar in controls.patches] == [0.5, -1.25, 2.0]
    assert "test digit 0 (a 7)" in controls.get_title()
    labels = [t.get_text() for t in controls.get_yticklabels()]
    assert labels == ["unit 1: +0.50", "unit 2: -1.25", "unit 3: +2.00"]
