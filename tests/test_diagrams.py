"""The big-picture diagram of lesson 00: drawn from real arrays, readable, and strict on input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.diagrams import autoencoder_diagram, show_autoencoder_diagram  # noqa: E402


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    x = rng.random((28, 28))
    return x, np.clip(x + 0.1 * rng.standard_normal((28, 28)), 0, 1)


def test_diagram_names_every_part_and_prints_the_error(images):
    x, x_hat = images
    fig = autoencoder_diagram(x, x_hat, np.linspace(-1, 1, 32), title="big picture")
    text = _texts(fig)
    for part in ("input", "encoder", "code", "32 numbers", "decoder", "reconstruction",
                 "784 pixels", "reconstruction error"):
        assert part in text, part
    assert f"{np.mean((x - x_hat) ** 2):.4f}" in text
    assert fig.axes[0].get_title() == "big picture"
    plt.close(fig)


def test_diagram_accepts_flat_images_and_no_code(images):
    x, x_hat = images
    fig = autoencoder_diagram(x.ravel(), x_hat.ravel(), error=0.5)
    text = _texts(fig)
    assert "8 numbers" in text and "0.5000" in text
    plt.close(fig)


@pytest.mark.parametrize(
    ("image", "reconstruction", "code", "message"),
    [
        (np.zeros((28, 28)), np.zeros((14, 14)), None, "same shape"),
        (np.zeros(100 + 1), np.zeros(101), None, "square image"),
        (np.zeros((2, 28, 28)), np.zeros((2, 28, 28)), None, "one image"),
        (np.full((28, 28), np.nan), np.zeros((28, 28)), None, "NaN"),
        (np.zeros((28, 28)), np.zeros((28, 28)), [np.nan], "finite"),
    ],
)
def test_diagram_rejects_bad_input_clearly(image, reconstruction, code, message):
    with pytest.raises(ValueError, match=message):
        autoencoder_diagram(image, reconstruction, code)
    plt.close("all")


def test_show_draws_and_shows(images, monkeypatch):
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    show_autoencoder_diagram(*images)
    assert len(shown) == 1 and "encoder" in _texts(shown[0])
    plt.close("all")
