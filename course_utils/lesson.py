"""The first cell of every notebook: seed, mode, data source, style."""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass

import numpy as np

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
    keras: bool = True

    def summary(self) -> str:
        mode_hint = (
            "fast: tiny epochs and samples, for tests"
            if self.budget.fast
            else "full (set COURSE_FAST=1 for a quick run)"
        )
        lines = [
            f"Mode:   {mode_hint}",
            f"Seed:   {self.seed}",
            f"Data:   {self.data.describe() if self.data else 'generated in this notebook'}",
            f"Stack:  {_stack()}" if self.keras else
            f"Stack:  NumPy {np.__version__} (this notebook needs no Keras)",
        ]
        return "\n".join(lines)


def _stack() -> str:
    import keras
    import tensorflow as tf

    return (f"Keras {keras.__version__} on TensorFlow {tf.__version__}"
            f" ({keras.backend.backend()} backend)")


def start_lesson(
    seed: int = DEFAULT_SEED, *, mnist: bool = True, quiet: bool = False, keras: bool = True
) -> Lesson:
    """Seed everything, pick the fast/full budget, load MNIST, and print what was chosen.

    ``keras=False`` is for notebooks that use only NumPy/SciPy: it seeds Python and NumPy and
    skips importing TensorFlow, which is most of a notebook's start-up time.
    """
    if keras:
        seed_everything(seed)
    else:
        random.seed(seed)
        np.random.seed(seed)
    apply_style()
    with warnings.catch_warnings():  # the summary below says why a fallback was used
        warnings.simplefilter("ignore", UserWarning)
        data = load_mnist() if mnist else None
    lesson = Lesson(seed=seed, budget=Budget.from_env(), data=data, keras=keras)
    if not quiet:
        print(lesson.summary())
    return lesson
