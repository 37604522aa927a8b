"""For every lesson's checks module: solutions exist, hints exist, bad input never raises."""

import importlib
import inspect
import pkgutil

import numpy as np
import pytest

import course_utils.checks as checks_package
from course_utils.checks import Exercise, Outcome, solution_code

LESSON_MODULES = [
    importlib.import_module(f"course_utils.checks.{info.name}")
    for info in sorted(pkgutil.iter_modules(checks_package.__path__), key=lambda i: i.name)
    if info.name.startswith("lesson")
]
ALL_EXERCISES = [ex for module in LESSON_MODULES for ex in module.EXERCISES]


def _raises(*args, **kwargs):
    raise RuntimeError("learner bug")


BAD_ANSWERS = {
    "None": None,
    "string": "my answer",
    "number": 3,
    "list": [1, 2, 3],
    "nan array": np.full((2, 784), np.nan),
    "wrong-shape array": np.zeros((3, 3)),
    "function returning None": lambda *a, **k: None,
    "function returning NaN": lambda *a, **k: np.full((5, 28, 28), np.nan, dtype=np.float32),
    "function returning a string": lambda *a, **k: "done",
    "function returning wrong shape": lambda *a, **k: np.zeros((2, 2), dtype=np.float32),
    "function that raises": _raises,
}


def test_there_is_a_checks_module_per_lesson():
    assert [m.LESSON for m in LESSON_MODULES] == sorted({m.LESSON for m in LESSON_MODULES})
    assert LESSON_MODULES, "no lesson checks found"


@pytest.mark.parametrize("exercise", ALL_EXERCISES, ids=lambda e: f"{e.lesson}-{e.name}")
def test_every_exercise_has_hints_and_a_solution_in_the_notebook(exercise: Exercise):
    assert exercise.hints
    assert solution_code(exercise.lesson, exercise.name).strip()
    feedback = exercise.solution_feedback()
    assert feedback.outcome is Outcome.SOLUTION and feedback.details


@pytest.mark.parametrize("exercise", ALL_EXERCISES, ids=lambda e: f"{e.lesson}-{e.name}")
@pytest.mark.parametrize("kind", list(BAD_ANSWERS))
def test_bad_answers_get_feedback_not_an_exception(exercise: Exercise, kind: str, monkeypatch):
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)
    answer = BAD_ANSWERS[kind]
    n_args = len(inspect.signature(exercise.checker).parameters)
    feedback = exercise.evaluate(*([answer] * n_args))
    assert feedback.outcome in {Outcome.INCORRECT, Outcome.NOT_ATTEMPTED, Outcome.RAISED}, feedback
    assert len(feedback.message) > 20  # says something specific
    exercise.check(*([answer] * n_args))  # and check() itself does not raise
