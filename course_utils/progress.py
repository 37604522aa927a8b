"""Progress bars: one tqdm bar per training run, for ``fit`` and for hand-written loops.

In a notebook the bar is drawn as one line of text that is updated in place (an updatable
display). A saved notebook therefore keeps the bar's *final* state, which is what a reader on a
code host sees; a tqdm widget would be saved as its first, empty state. Elsewhere (scripts,
tests) the bar goes to standard error as usual.
"""

from __future__ import annotations

import keras
from tqdm import tqdm


class _NotebookLine:
    """A file-like target for tqdm that shows only the latest line, in one notebook output."""

    encoding = "utf-8"

    def __init__(self):
        from IPython.display import Pretty, display

        self._pretty = Pretty
        self._handle = display(Pretty(""), display_id=True)
        self._shown = ""

    def write(self, text: str) -> None:
        lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
        latest = next((line for line in reversed(lines) if line), "")
        if latest and latest != self._shown:
            self._shown = latest
            self._handle.update(self._pretty(latest))

    def flush(self) -> None:
        """Nothing to flush: every write updates the display."""


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def progress_bar(iterable=None, **kwargs) -> tqdm:
    """A tqdm bar that keeps its final state in a saved notebook."""
    if _in_notebook():
        kwargs.setdefault("file", _NotebookLine())
        kwargs.setdefault("ncols", 100)
        kwargs.setdefault("ascii", False)
    return tqdm(iterable, **kwargs)


class EpochProgress(keras.callbacks.Callback):
    """A single progress bar over epochs that shows the latest losses (use with ``verbose=0``).

    >>> model.fit(x, x, epochs=20, verbose=0, callbacks=[EpochProgress("dense AE")])

    When training stops early (``EarlyStopping``), the bar ends at the epochs actually run and
    the summary line says so.
    """

    def __init__(self, description: str = "training"):
        super().__init__()
        self.description = description
        self.bar = None

    def on_train_begin(self, logs=None):
        self.shown: dict[str, str] = {}
        self.epochs_done = 0
        self.planned = self.params.get("epochs")
        self.bar = progress_bar(total=self.planned, desc=self.description, unit="epoch")

    def on_epoch_end(self, epoch, logs=None):
        self.shown = {k: f"{v:.4g}" for k, v in (logs or {}).items() if "loss" in k or "mse" in k}
        self.epochs_done = epoch + 1
        self.bar.set_postfix(self.shown, refresh=False)
        self.bar.update(1)

    def on_train_end(self, logs=None):
        stopped_early = self.planned is not None and self.epochs_done < self.planned
        if self.bar is not None:
            if stopped_early:  # the bar ends full, at the epochs that were run
                self.bar.total = self.epochs_done
                self.bar.refresh()
            self.bar.close()
        # One plain line too: what the run ended with, in words.
        losses = ", ".join(f"{k} {v}" for k, v in self.shown.items())
        early = f" (stopped early; {self.planned} planned)" if stopped_early else ""
        print(f"{self.description}: {self.epochs_done} epochs{early}, {losses}")


def progress(iterable, description: str = "training", **kwargs):
    """A tqdm bar around any iterable, e.g. the steps of a GradientTape loop."""
    return progress_bar(iterable, desc=description, **kwargs)
