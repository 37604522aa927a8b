"""Helpers for the hands-on autoencoder course: data, seeding, budgets, plots and checks."""

import os

# Hide TensorFlow's C++ log lines in notebooks (a learner can still override it). Level 3 also
# hides a harmless "NodeDef mentions attribute use_unbounded_threadpool" error line that
# Keras 3 + TensorFlow 2.21 print on every fit; real failures still raise Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .config import Budget, is_fast, is_offline, strict_checks
from .data import DataError, MnistData, load_mnist
from .lesson import Lesson, start_lesson
from .reproducibility import seed_everything


def show_progress(*lessons):
    """The latest outcome of every exercise in this copy of the course (or of ``lessons``)."""
    from .checks.overview import show_progress as table

    return table(*lessons)


__all__ = [
    "Budget",
    "DataError",
    "Lesson",
    "MnistData",
    "is_fast",
    "is_offline",
    "load_mnist",
    "seed_everything",
    "show_progress",
    "start_lesson",
    "strict_checks",
]
