"""Progress bars: one tqdm bar per training run, for ``fit`` and for hand-written loops."""

from __future__ import annotations

import keras
from tqdm.auto import tqdm


class EpochProgress(keras.callbacks.Callback):
    """A single progress bar over epochs that shows the latest losses (use with ``verbose=0``).

    >>> model.fit(x, x, epochs=20, verbose=0, callbacks=[EpochProgress("dense AE")])
    """

    def __init__(self, description: str = "training"):
        super().__init__()
        self.description = description
        self.bar = None

    def on_train_begin(self, logs=None):
        self.shown: dict[str, str] = {}
        self.epochs_done = 0
        self.bar = tqdm(total=self.params.get("epochs"), desc=self.description, unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.shown = {k: f"{v:.4g}" for k, v in (logs or {}).items() if "loss" in k or "mse" in k}
        self.epochs_done = epoch + 1
        self.bar.set_postfix(self.shown, refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
        # One plain line too: stored notebooks on code hosts do not render the widget bar.
        losses = ", ".join(f"{k} {v}" for k, v in self.shown.items())
        print(f"{self.description}: {self.epochs_done} epochs, {losses}")


def progress(iterable, description: str = "training", **kwargs):
    """A tqdm bar around any iterable, e.g. the steps of a GradientTape loop."""
    return tqdm(iterable, desc=description, **kwargs)
