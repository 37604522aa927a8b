import numpy as np

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
