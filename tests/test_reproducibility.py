import numpy as np
import pytest

from course_utils import seed_everything


def _train_tiny_autoencoder(seed: int) -> list[float]:
    import keras

    seed_everything(seed)
    x = np.random.default_rng(0).random((64, 16), dtype=np.float32)
    inputs = keras.Input(shape=(16,))
    code = keras.layers.Dense(4, activation="relu")(inputs)
    outputs = keras.layers.Dense(16, activation="sigmoid")(code)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, x, epochs=3, batch_size=16, shuffle=True, verbose=0)
    return history.history["loss"]


def test_two_runs_with_the_same_seed_give_identical_losses():
    assert _train_tiny_autoencoder(7) == _train_tiny_autoencoder(7)


def test_another_seed_gives_other_losses():
    assert _train_tiny_autoencoder(7) != _train_tiny_autoencoder(8)


@pytest.mark.parametrize("bad", [-1, 1.5, "42", None])
def test_bad_seed_is_refused_clearly(bad):
    with pytest.raises(ValueError, match="seed must be"):
        seed_everything(bad)
