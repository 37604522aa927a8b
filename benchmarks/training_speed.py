"""How much do the course's training loops cost on top of a bare training step?

Trains the lesson-03 model (dense autoencoder 784-128-32-128-784, Adam, MSE) on the bundled
MNIST training images three ways, with the same data, batch size and number of epochs:

- ``bare``: a minimal ``tf.function`` step called on pre-cut batches (the lower bound);
- ``hand loop``: ``course_utils.training.fit_by_hand`` with ``make_train_step`` (lesson 03);
- ``fit``: ``model.compile`` + ``model.fit`` with the course's ``EpochProgress`` bar;
- ``fit`` with ``steps_per_execution=32``: the same, 32 steps per call into TensorFlow.

The first epoch of each run (tracing, warm-up) is not timed. Each way runs ``--repeats`` times
on a fresh model; the table shows the median wall-clock and CPU seconds per epoch and their
ratios to ``bare``. See benchmarks/README.md.

    python benchmarks/training_speed.py [--epochs 5] [--batch-size 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_utils.quiet import import_tensorflow  # noqa: E402

tf = import_tensorflow()  # before Keras, so that TensorFlow's start-up notices stay hidden

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_utils.data import load_mnist  # noqa: E402
from course_utils.models import dense_autoencoder  # noqa: E402
from course_utils.progress import EpochProgress  # noqa: E402
from course_utils.reproducibility import seed_everything  # noqa: E402
from course_utils.training import fit_by_hand, make_train_step  # noqa: E402

TARGET_RATIO = 1.1


def _fresh_model(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return dense_autoencoder(32, hidden=(128,))


Timing = tuple[float, float]  # (wall-clock seconds, CPU seconds of this process)


def _now() -> Timing:
    return time.perf_counter(), time.process_time()


def _since(start: Timing) -> Timing:
    wall, cpu = _now()
    return wall - start[0], cpu - start[1]


class _EpochTimer(keras.callbacks.Callback):
    """Wall-clock and CPU seconds of each epoch of ``fit``."""

    def __init__(self):
        super().__init__()
        self.seconds: list[Timing] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = _now()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(_since(self._start))


def time_bare(x: np.ndarray, epochs: int, batch_size: int, seed: int) -> list[Timing]:
    """Seconds per epoch of a minimal tf.function step on shuffled NumPy batches."""
    model = _fresh_model(seed)
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function(reduce_retracing=True)
    def step(batch):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(batch - model(batch, training=True)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    rng = np.random.default_rng(seed)
    seconds = []
    for _ in range(epochs):
        start = _now()  # every way shuffles and cuts its batches each epoch: time it here too
        shuffled = x[rng.permutation(len(x))]
        batches = [tf.constant(shuffled[i:i + batch_size]) for i in range(0, len(x), batch_size)]
        for batch in batches:
            loss = step(batch)
        float(loss)  # wait for the last step
        seconds.append(_since(start))
    return seconds


def time_hand_loop(x: np.ndarray, epochs: int, batch_size: int, seed: int) -> list[Timing]:
    """Seconds per epoch of lesson 03's hand loop (one epoch per call, so each is timed)."""
    model = _fresh_model(seed)
    step = make_train_step(model, keras.optimizers.Adam(1e-3))
    seconds = []
    for epoch in range(epochs):
        start = _now()
        fit_by_hand(model, step, x, epochs=1, batch_size=batch_size, seed=seed + epoch,
                    description="hand loop")
        seconds.append(_since(start))
    return seconds


def time_fit(x: np.ndarray, epochs: int, batch_size: int, seed: int,
             steps_per_execution: int = 1) -> list[Timing]:
    """Seconds per epoch of compile/fit with the course's progress bar."""
    model = _fresh_model(seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse",
                  steps_per_execution=steps_per_execution)
    timer = _EpochTimer()
    model.fit(x, x, epochs=epochs, batch_size=batch_size, verbose=0,
              callbacks=[EpochProgress("fit"), timer])
    return timer.seconds


def time_fit_32_steps(x: np.ndarray, epochs: int, batch_size: int, seed: int) -> list[Timing]:
    return time_fit(x, epochs, batch_size, seed, steps_per_execution=32)


BARE = "bare tf.function step"
WAYS: dict[str, Callable[[np.ndarray, int, int, int], list[Timing]]] = {
    BARE: time_bare,
    "hand loop (course_utils.training)": time_hand_loop,
    "model.fit": time_fit,
    "model.fit, steps_per_execution=32": time_fit_32_steps,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per run (default 5)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="runs per way (default 3)")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.repeats < 1 or args.batch_size < 1:
        parser.error("--epochs, --repeats and --batch-size must be positive")

    seed_everything(42)
    x = load_mnist(offline=True).x_train
    print(f"data: {len(x)} bundled MNIST training images; batch size {args.batch_size}; "
          f"{args.epochs} timed epochs after 1 warm-up epoch; median of {args.repeats} runs")
    # Interleave the ways so that a burst of load from other processes hits all of them.
    wall_runs: dict[str, list[float]] = {name: [] for name in WAYS}
    cpu_runs: dict[str, list[float]] = {name: [] for name in WAYS}
    for repeat in range(args.repeats):
        for name, way in WAYS.items():
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):  # progress bars and summaries
                per_epoch = way(x, args.epochs + 1, args.batch_size, repeat)[1:]  # skip warm-up
            wall_runs[name].append(statistics.median(wall for wall, _ in per_epoch))
            cpu_runs[name].append(statistics.median(cpu for _, cpu in per_epoch))
    wall = {name: statistics.median(values) for name, values in wall_runs.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_runs.items()}

    print(f"\n{'training':<36}{'wall s/epoch':>13}{'vs bare':>9}{'CPU s/epoch':>13}"
          f"{'CPU vs bare':>13}  runs (wall s/epoch)")
    for name in WAYS:
        shown = ", ".join(f"{v:.3f}" for v in wall_runs[name])
        print(f"{name:<36}{wall[name]:>13.3f}{wall[name] / wall[BARE]:>8.2f}x"
              f"{cpu[name]:>13.3f}{cpu[name] / cpu[BARE]:>12.2f}x  {shown}")
    slow = [name for name in WAYS if wall[name] / wall[BARE] > TARGET_RATIO]
    verdict = "all within" if not slow else f"above target (wall clock): {', '.join(slow)}; target"
    print(f"\n{verdict} {TARGET_RATIO:.1f}x of the bare step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
