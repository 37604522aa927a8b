import keras
import numpy as np
import pytest

from course_utils.models import Autoencoder, dense_autoencoder, dense_decoder, dense_encoder
from course_utils.progress import EpochProgress


def test_dense_autoencoder_shapes_and_parts():
    model = dense_autoencoder(code_size=8, hidden=(32,))
    assert isinstance(model, Autoencoder)
    x = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    assert model.encoder(x).shape == (3, 8)
    assert model.decoder(model.encoder(x)).shape == (3, 28, 28)
    assert model(x).shape == (3, 28, 28)
    out = np.asarray(model(x))
    assert out.min() >= 0.0 and out.max() <= 1.0  # sigmoid output for [0, 1] pixels
    # 784*32+32 + 32*8+8 (encoder) + 8*32+32 + 32*784+784 (decoder)
    assert model.count_params() == 784 * 32 + 32 + 32 * 8 + 8 + 8 * 32 + 32 + 32 * 784 + 784


def test_encoder_and_decoder_alone():
    assert dense_encoder(4, hidden=()).count_params() == 784 * 4 + 4
    assert dense_decoder(4, hidden=(), output_activation=None).output_shape == (None, 28, 28)


def test_fit_with_epoch_progress():
    model = dense_autoencoder(code_size=4, hidden=(16,))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(1).random((32, 28, 28), dtype=np.float32)
    history = model.fit(x, x, epochs=2, batch_size=16, verbose=0,
                        callbacks=[EpochProgress("test")])
    assert len(history.history["loss"]) == 2


def test_report_metric_prints_and_records(tmp_path, monkeypatch, capsys):
    import json

    from course_utils.reporting import report_metric

    monkeypatch.delenv("COURSE_METRICS_FILE", raising=False)
    assert report_metric("test_mse", np.float32(0.25), label="test MSE") == 0.25
    assert "test MSE: 0.25" in capsys.readouterr().out
    target = tmp_path / "metrics.jsonl"
    monkeypatch.setenv("COURSE_METRICS_FILE", str(target))
    report_metric("test_mse", 0.125)
    assert json.loads(target.read_text()) == {"name": "test_mse", "value": 0.125}


def test_an_unbuilt_autoencoder_builds_on_first_use():
    encoder = dense_encoder(4, hidden=(8,))
    decoder = dense_decoder(4, hidden=(8,))
    model = Autoencoder(encoder, decoder)
    x = np.zeros((32, 28, 28), dtype=np.float32)
    assert model.predict(x, verbose=0).shape == (32, 28, 28)


def test_epoch_progress_prints_a_summary_line(capsys):
    model = dense_autoencoder(code_size=2, hidden=())
    model.compile(optimizer="adam", loss="mse")
    x = np.zeros((8, 28, 28), dtype=np.float32)
    model.fit(x, x, epochs=2, verbose=0, callbacks=[EpochProgress("tiny AE")])
    assert "tiny AE: 2 epochs, loss" in capsys.readouterr().out


# -- saving and loading ------------------------------------------------------------------------
def _images(n=16, seed=2):
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def _tied_autoencoder(code_size=8):
    from course_utils.layers import DenseTranspose

    encoder = dense_encoder(code_size, hidden=(32,))
    _, hidden, code = encoder.layers
    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            DenseTranspose(code, activation="relu"),
            DenseTranspose(hidden, activation="sigmoid"),
            keras.layers.Reshape((28, 28)),
        ],
        name="tied_decoder",
    )
    model = Autoencoder(encoder, decoder, name="tied_autoencoder")
    model.build((None, 28, 28))
    return model


def _weights(model):
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def _assert_same_weights(original, loaded):
    # Variable paths depend on the name scope a model was built in; compare values in order.
    assert [w.name for w in original.weights] == [w.name for w in loaded.weights]
    for before, after in zip(_weights(original), _weights(loaded), strict=True):
        np.testing.assert_array_equal(before, after)


def test_a_trained_autoencoder_survives_save_and_load(tmp_path):
    model = dense_autoencoder(code_size=4, hidden=(16,),
                              kernel_regularizer=keras.regularizers.L2(1e-4))
    model.compile(optimizer="adam", loss="mse")
    x = _images()
    model.fit(x, x, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, Autoencoder)
    assert loaded.name == model.name
    _assert_same_weights(model, loaded)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    np.testing.assert_allclose(loaded.encoder(x), model.encoder(x), atol=1e-6)
    assert loaded.count_params() == model.count_params()
    loaded.fit(x, x, epochs=1, batch_size=8, verbose=0)  # still compiled, still trains


def test_get_config_round_trip_builds_an_equal_architecture():
    model = dense_autoencoder(code_size=3, hidden=(8,), code_activation="tanh")
    clone = Autoencoder.from_config(model.get_config())
    clone.build((None, 28, 28))
    assert [layer.name for layer in clone.encoder.layers] == [
        layer.name for layer in model.encoder.layers
    ]
    assert clone.encoder.get_layer("code").activation is keras.activations.tanh
    assert clone.count_params() == model.count_params()


def test_a_tied_autoencoder_survives_save_and_load_and_stays_tied(tmp_path):
    from course_utils.layers import DenseTranspose

    model = _tied_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    x = _images()
    model.fit(x, x, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "tied.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    _assert_same_weights(model, loaded)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert loaded.count_params() == model.count_params()  # shared kernels counted once

    # The decoder's layers are tied to the LOADED encoder's Dense layers, not to copies.
    first, second = (layer for layer in loaded.decoder.layers
                     if isinstance(layer, DenseTranspose))
    assert first.tied is loaded.encoder.get_layer("code")
    assert second.tied is loaded.encoder.layers[1]
    assert first.tied is not model.encoder.get_layer("code")

    # Changing the encoder's kernel changes the decoder: one kernel, two uses.
    code_kernel = loaded.encoder.get_layer("code").kernel
    decoded_before = keras.ops.convert_to_numpy(loaded.decoder(loaded.encoder(x)))
    code_kernel.assign(keras.ops.convert_to_numpy(code_kernel) * 2.0)
    np.testing.assert_allclose(first.kernel, keras.ops.transpose(code_kernel))
    assert not np.allclose(decoded_before, loaded.decoder(loaded.encoder(x)))

    # Training the loaded model updates the shared kernel once and the decoder follows it.
    before = keras.ops.convert_to_numpy(loaded.encoder.layers[1].kernel).copy()
    loaded.fit(x, x, epochs=1, batch_size=8, verbose=0)
    after = keras.ops.convert_to_numpy(loaded.encoder.layers[1].kernel)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(second.kernel, after.T)
    # The original model is untouched by training its loaded copy.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.encoder.layers[1].kernel),
                                  _weights(model)[0])


def test_a_tied_decoder_saved_alone_says_how_to_save_it(tmp_path):
    model = _tied_autoencoder()
    path = tmp_path / "decoder.keras"
    model.decoder.save(path)
    with pytest.raises(ValueError, match="save and load the whole"):
        keras.models.load_model(path)


def test_tied_dense_autoencoder_shares_the_encoder_kernels():
    from course_utils.models import tied_dense_autoencoder

    tied = tied_dense_autoencoder(32)
    untied = dense_autoencoder(32)
    assert tied.count_params() == 105_520  # 784-128-32 encoder plus two decoder biases
    assert untied.count_params() == 209_968
    images = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    assert tuple(tied(images).shape) == (3, 28, 28)
    first = tied.decoder.layers[0]
    assert first.tied is tied.encoder.layers[-1]  # 32 -> 128 reuses the code layer's kernel
