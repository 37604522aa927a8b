"""Generative models of three families trained for the same wall-clock budget, and scored.

Lesson 08 compares an autoencoder with a Gaussian on its codes, a VAE and a GAN on MNIST. A fair
comparison gives each the same *seconds* of training (their steps cost different amounts), scores
each at checkpoints along the way with the clock paused, and repeats over seeds.

>>> run = train_for_seconds("GAN", x_train, real_features, seconds=15, seed=0,
...                         checkpoints=(5, 10, 15))
>>> run.scores["GAN"][-1]["frechet_distance"]

- :data:`FAMILIES`: name -> how to build and compile the model, and how to sample from it
  (``"AE + Gaussian"``; ``"VAE"`` with two samplers, the prior and a Gaussian fitted to its
  posterior means, Ghosh et al. 2020; ``"GAN"``, :func:`course_utils.gan.mnist_gan`).
- :class:`WallClock`: a Keras callback that stops ``fit`` after a number of seconds and calls a
  function at checkpoints, its time not counted.
- :func:`train_for_seconds`: one run, scored at each checkpoint (Fréchet distance, precision,
  recall, density, coverage, steps, and the digit histogram of the samples).
- :func:`summarise`: mean and sd (ddof=1) over seeds at a budget, from a results file's runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from course_utils.features import classify, mnist_features
from course_utils.gan import mnist_gan, mnist_gan_optimizers
from course_utils.generation import generation_scores
from course_utils.latent import GaussianCodes
from course_utils.models import dense_autoencoder
from course_utils.progress import progress_bar
from course_utils.vae import dense_vae

CODE_SIZE = 16
HIDDEN = (512, 256)
BATCH_SIZE = 64
STEPS_PER_EXECUTION = 16
SCORES = ("frechet_distance", "precision", "recall", "density", "coverage")

Sampler = Callable[[keras.Model, np.ndarray, int, int], np.ndarray]


def _decode(decoder, codes) -> np.ndarray:
    return np.asarray(decoder.predict(np.asarray(codes, "float32"), batch_size=500, verbose=0))


def _ae_model(seed: int) -> keras.Model:
    model = dense_autoencoder(CODE_SIZE, HIDDEN)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse",
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


def _vae_model(seed: int) -> keras.Model:
    model = dense_vae(CODE_SIZE, HIDDEN, seed=seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=STEPS_PER_EXECUTION)
    return model


def _gan_model(seed: int) -> keras.Model:
    model = mnist_gan(seed=seed)
    d_optimizer, g_optimizer = mnist_gan_optimizers()
    model.compile(d_optimizer=d_optimizer, g_optimizer=g_optimizer,
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


def ae_gaussian_samples(model, x_train, n: int, seed: int) -> np.ndarray:
    """Decode ``n`` codes drawn from a Gaussian fitted to the training images' codes."""
    codes = model.encoder.predict(x_train, batch_size=500, verbose=0)
    return _decode(model.decoder, GaussianCodes.fit(codes).sample(n, seed=seed))


def vae_prior_samples(model, x_train, n: int, seed: int) -> np.ndarray:
    """Decode ``n`` codes drawn from the VAE's prior N(0, I)."""
    codes = np.random.default_rng(seed).normal(size=(n, model.decoder.input_shape[-1]))
    return _decode(model.decoder, codes)


def vae_fitted_samples(model, x_train, n: int, seed: int) -> np.ndarray:
    """Decode ``n`` codes drawn from a Gaussian fitted to the posterior means of the training
    images (Ghosh et al. 2020 fit such an "ex-post" density to a deterministic AE's codes)."""
    z_mean, _ = model.encoder.predict(x_train, batch_size=500, verbose=0)
    return _decode(model.decoder, GaussianCodes.fit(z_mean).sample(n, seed=seed))


def gan_samples(model, x_train, n: int, seed: int) -> np.ndarray:
    """``n`` images from the generator."""
    return model.generate(n, seed=seed)


@dataclass(frozen=True)
class Family:
    """How to build one family's compiled model from a seed, and its ways of sampling."""

    build: Callable[[int], keras.Model]
    samplers: dict[str, Sampler]
    fits_targets: bool = False  # fit(x, x) rather than fit(x)


FAMILIES: dict[str, Family] = {
    "AE + Gaussian": Family(_ae_model, {"AE + Gaussian": ae_gaussian_samples}, fits_targets=True),
    "VAE": Family(_vae_model, {"VAE, prior": vae_prior_samples,
                               "VAE, fitted Gaussian": vae_fitted_samples}),
    "GAN": Family(_gan_model, {"GAN": gan_samples}),
}


def training_steps(model) -> int:
    """Optimizer steps taken so far (a GAN: generator steps)."""
    optimizer = getattr(model, "g_optimizer", None) or model.optimizer
    return int(optimizer.iterations.numpy())


class WallClock(keras.callbacks.Callback):
    """Stop ``fit`` after ``seconds`` of training; call ``at_checkpoint(model, seconds, steps)``
    the first time the clock passes each of ``checkpoints`` seconds. The clock is paused while
    ``at_checkpoint`` runs. The clock starts when the first call into TensorFlow returns (so
    the one-off tracing is not counted; ``tracing_seconds`` holds it). A progress bar counts the
    seconds. Use ``fit(..., epochs=<large>)``.
    """

    def __init__(self, seconds: float, checkpoints: Iterable[float] = (),
                 at_checkpoint: Callable | None = None, description: str = "training"):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0, got {seconds!r}.")
        self.seconds = float(seconds)
        self.checkpoints = sorted({float(c) for c in checkpoints if 0 < c <= seconds})
        self.at_checkpoint = at_checkpoint
        self.description = description

    def on_train_begin(self, logs=None):
        self.pending = list(self.checkpoints)
        self.paused = 0.0
        self.bar = progress_bar(total=max(1, round(self.seconds)), desc=self.description, unit="s")
        self.start = time.perf_counter()
        self.tracing_seconds = None

    def elapsed(self) -> float:
        """Seconds of training so far (checkpoint time excluded)."""
        return time.perf_counter() - self.start - self.paused

    def on_train_batch_end(self, batch, logs=None):
        if self.tracing_seconds is None:  # the first execution: tracing, not training
            self.tracing_seconds = time.perf_counter() - self.start
            self.start = time.perf_counter()
        now = self.elapsed()
        while self.pending and now >= self.pending[0]:
            self.pending.pop(0)
            begin = time.perf_counter()
            if self.at_checkpoint is not None:
                self.at_checkpoint(self.model, now, training_steps(self.model))
            self.paused += time.perf_counter() - begin
        shown = min(int(now), self.bar.total)
        if shown > self.bar.n:
            self.bar.update(shown - self.bar.n)
        if now >= self.seconds:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.bar.update(self.bar.total - self.bar.n)  # ends at 100 %
        self.bar.close()


@dataclass
class BudgetRun:
    """One training run: the model and, per sampler, one score dict per checkpoint."""

    family: str
    seed: int
    model: keras.Model
    seconds: float = 0.0
    steps: int = 0
    tracing_seconds: float = 0.0
    scores: dict[str, list[dict]] = field(default_factory=dict)

    def samples(self, sampler: str, x_train, n: int = 100, seed: int = 0) -> np.ndarray:
        """``n`` fresh samples from the trained model with one of its family's samplers."""
        return FAMILIES[self.family].samplers[sampler](self.model, x_train, n, seed)


def score_samples(images, real_features) -> dict:
    """Fréchet distance, precision, recall, density, coverage and the digit histogram."""
    scores = generation_scores(real_features, mnist_features(images))
    scores["classes"] = np.bincount(classify(images), minlength=10).tolist()
    return scores


def train_for_seconds(family: str, x_train, real_features, *, seconds: float, seed: int = 0,
                      checkpoints: Sequence[float] = (), n_samples: int = 1000,
                      batch_size: int = BATCH_SIZE) -> BudgetRun:
    """Train one model of ``family`` for ``seconds`` of wall-clock time and score it.

    Each checkpoint (and the end, at ``seconds``) draws ``n_samples`` images with every sampler
    of the family and scores them against ``real_features`` with the clock paused.
    Learning rates are constant, so a checkpoint at t seconds is what a t-second run gives.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {list(FAMILIES)}, got {family!r}.")
    spec = FAMILIES[family]
    keras.utils.set_random_seed(seed)
    x_train = np.asarray(x_train, "float32")
    model = spec.build(seed)
    run = BudgetRun(family, seed, model, scores={name: [] for name in spec.samplers})

    def at_checkpoint(model, now, steps):
        for name, sampler in spec.samplers.items():
            scores = score_samples(sampler(model, x_train, n_samples, seed), real_features)
            run.scores[name].append({"seconds": round(now, 2), "steps": steps, **scores})

    clock = WallClock(seconds, (*checkpoints, seconds), at_checkpoint,
                      description=f"{family}, seed {seed}")
    targets = (x_train,) if spec.fits_targets else ()
    model.fit(x_train, *targets, epochs=10**6, batch_size=batch_size, verbose=0,
              callbacks=[clock])
    run.seconds, run.steps = clock.elapsed(), training_steps(model)
    run.tracing_seconds = clock.tracing_seconds or 0.0
    return run


def at_budget(checkpoints: Sequence[dict], seconds: float) -> dict:
    """The first checkpoint at or after ``seconds`` (the last one if none is)."""
    for checkpoint in checkpoints:
        if checkpoint["seconds"] >= seconds - 1e-9:
            return checkpoint
    return checkpoints[-1]


def summarise(runs: Sequence[dict], seconds: float,
              columns: Sequence[str] = (*SCORES, "steps")) -> dict[str, dict[str, tuple]]:
    """Per sampler: ``{column: (mean, sd with ddof=1, n seeds)}`` at the ``seconds`` budget.

    ``runs`` are a results file's run records: ``{"sampler", "seed", "checkpoints": [...]}``.
    """
    by_sampler: dict[str, list[dict]] = {}
    for run in runs:
        by_sampler.setdefault(run["sampler"], []).append(at_budget(run["checkpoints"], seconds))
    table = {}
    for sampler, points in by_sampler.items():
        table[sampler] = {}
        for column in columns:
            values = np.array([p[column] for p in points], dtype=float)
            sd = float(values.std(ddof=1)) if len(values) > 1 else float("nan")
            table[sampler][column] = (float(values.mean()), sd, len(values))
    return table


def format_cell(column: str, mean: float, sd: float) -> str:
    """``mean ± sd`` with the digits that suit the column (steps 0, FD 1, the rest 2)."""
    digits = 0 if column == "steps" else 1 if column == "frechet_distance" else 2
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def format_table(table: dict[str, dict[str, tuple]], seconds: float) -> str:
    """A plain-text table of :func:`summarise`'s output: mean ± sd per column."""
    columns = list(next(iter(table.values())))
    lines = [f"{'model':<22}" + "".join(f"{c.replace('frechet_distance', 'FD'):>16}"
                                         for c in columns)]
    for sampler, row in table.items():
        cells = [format_cell(column, *row[column][:2]) for column in columns]
        lines.append(f"{sampler:<22}" + "".join(f"{cell:>16}" for cell in cells))
    n = next(iter(next(iter(table.values())).values()))[2]
    lines.append(f"after {seconds:g} s of training; mean ± sd (ddof=1) over {n} seeds")
    return "\n".join(lines)
