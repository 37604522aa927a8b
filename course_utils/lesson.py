"""The first cell of every notebook: seed, mode, data source, style."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from .config import Budget
from .data import MnistData, load_mnist
from .plots import apply_style
from .reproducibility import DEFAULT_SEED, seed_everything


@dataclass(frozen=True)
class Lesson:
    """What a notebook needs to start: its seed, its budget and (optionally) MNIST."""

    seed: int
    budget: Budget
    data: MnistData | None

    def summary(self) -> str:
        import keras
        import tensorflow as tf

        mode_hint = (
            "fast: tiny epochs and samples, for tests"
            if self.budget.fast
            else "full (set COURSE_FAST=1 for a quick run)"
        )
        lines = [
            f"Mode:   {mode_hint}",
            f"Seed:   {self.seed}",
            f"Data:   {self.data.describe() if self.data else 'generated in this notebook'}",
            f"Stack:  Keras {keras.__version__} on TensorFlow {tf.__version__}"
            f" ({keras.backend.backend()} backend)",
        ]
        return "\n".join(lines)


def start_lesson(seed: int = DEFAULT_SEED, *, mnist: bool = True, quiet: bool = False) -> Lesson:
    """Seed everything, pick the fast/full budget, load MNIST, and print what was chosen."""
    seed_everything(seed)
    apply_style()
    with warnings.catch_warnings():  # the summary below says why a fallback was used
        warnings.simplefilter("ignore", UserWarning)
        data = load_mnist() if mnist else None
    lesson = Lesson(seed=seed, budget=Budget.from_env(), data=data)
    if not quiet:
        print(lesson.summary())
    return lesson
