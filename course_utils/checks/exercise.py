"""The exercise object a learner uses: ``check(...)``, ``hint()``, ``solution()``."""

from __future__ import annotations

import inspect
import json
import traceback
from collections.abc import Callable, Sequence

from ..config import strict_expectation
from ..paths import SOLUTIONS_DIR, lesson_notebook
from ..solution_blocks import exercise_name, strip_markers
from .feedback import Feedback, Outcome, show
from .records import grading_folder, hand_in, record_outcome
from .validate import Incorrect, LearnerCodeError, NotAttempted


class CheckFailed(AssertionError):
    """Raised only in strict mode (``COURSE_STRICT_CHECKS``) when an outcome is not the one
    the tests expect: "correct" for solutions, "not attempted" for untouched exercises."""


class Exercise:
    """One exercise: a checker function, layered hints and the solution from the notebook.

    The checker receives what the learner passes to ``check`` and raises ``Incorrect`` or
    ``NotAttempted`` (from :mod:`course_utils.checks.validate`) or returns a success message.
    """

    def __init__(
        self,
        *,
        lesson: str,
        name: str,
        title: str,
        checker: Callable[..., str | None],
        hints: Sequence[str],
    ):
        if not hints:
            raise ValueError(f"Exercise {name!r} needs at least one hint.")
        self.lesson = lesson
        self.name = name
        self.title = title
        self.checker = checker
        self.hints = list(hints)
        self._next_hint = 0

    @property
    def label(self) -> str:
        return f"{self.lesson} · {self.name}: {self.title}"

    def __repr__(self) -> str:
        usage = f"{self.name}.check({', '.join(inspect.signature(self.checker).parameters)})"
        return f"<Exercise {self.label} — use {usage}, .hint(), .solution()>"

    # -- checking --------------------------------------------------------------------------
    def evaluate(self, *args, **kwargs) -> Feedback:
        """Run the checker and return its feedback. Never raises."""
        try:
            inspect.signature(self.checker).bind(*args, **kwargs)
        except TypeError:
            params = ", ".join(inspect.signature(self.checker).parameters)
            return self._feedback(
                Outcome.INCORRECT, f"Call the check as `check({params})`: pass your answer in."
            )
        try:
            message = self.checker(*args, **kwargs)
        except NotAttempted as err:
            return self._feedback(Outcome.NOT_ATTEMPTED, str(err))
        except Incorrect as err:
            return self._feedback(Outcome.INCORRECT, str(err))
        except LearnerCodeError as err:
            return self._feedback(
                Outcome.RAISED,
                f"{err.summary}\nIt happened {err.where}",
            )
        except Exception as err:  # noqa: BLE001 - a bug in the checker must not reach learners
            return self._feedback(
                Outcome.CHECK_ERROR,
                f"{type(err).__name__}: {err}. Your answer may be right; please report this.",
                details="".join(traceback.format_exception(err)[-3:]),
            )
        return self._feedback(Outcome.CORRECT, message or "Well done!")

    def check(self, *args, **kwargs) -> None:
        """Check an answer and show the feedback. In strict mode, an unexpected outcome raises."""
        hand_in(self.lesson, self.name, args, kwargs)  # only while the grader runs the notebook
        feedback = self.evaluate(*args, **kwargs)
        record_outcome(self.lesson, self.name, feedback.outcome.value, feedback.message)
        show(feedback)
        expected = strict_expectation()
        if expected is not None and feedback.outcome.value != expected:
            raise CheckFailed(f"Strict checks expected '{expected}', got: {feedback}")

    # -- help ------------------------------------------------------------------------------
    def hint(self, number: int | None = None) -> None:
        """Show the next hint (or hint ``number``, counting from 1)."""
        show(self.hint_feedback(number))

    def hint_feedback(self, number: int | None = None) -> Feedback:
        total = len(self.hints)
        if number is None:
            index = min(self._next_hint, total - 1)
            self._next_hint = index + 1
        elif isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= total:
            index = number - 1
        else:
            return self._feedback(Outcome.HINT, f"There are hints 1 to {total}; try `hint(1)`.")
        more = " Call `hint()` again for the next one." if index + 1 < total else ""
        return self._feedback(
            Outcome.HINT, f"({index + 1} of {total}) {self.hints[index]}{more}"
        )

    def solution(self) -> None:
        """Show the solution code, read from ``solutions/NN_*.ipynb``."""
        show(self.solution_feedback())

    def solution_feedback(self) -> Feedback:
        if grading_folder() is not None:
            return self._feedback(
                Outcome.SOLUTION, "Solutions are not available while a notebook is being graded."
            )
        try:
            code = solution_code(self.lesson, self.name)
        except LookupError as err:
            return self._feedback(Outcome.SOLUTION, str(err))
        return self._feedback(Outcome.SOLUTION, "One way to solve it:", details=code)

    def _feedback(self, outcome: Outcome, message: str, details: str = "") -> Feedback:
        return Feedback(exercise=self.label, outcome=outcome, message=message, details=details)


def solution_code(lesson: str, name: str) -> str:
    """The code of exercise ``name`` in the lesson's solutions notebook, markers removed."""
    path = lesson_notebook(SOLUTIONS_DIR, lesson)
    if path is None:
        raise LookupError(f"No solutions notebook for lesson {lesson} in {SOLUTIONS_DIR}.")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parts = [
        strip_markers(_source(cell))
        for cell in cells
        if cell["cell_type"] == "code" and exercise_name(_source(cell)) == name
    ]
    if not parts:
        raise LookupError(f"The solutions notebook {path.name} has no cell for `{name}`.")
    return "\n\n".join(parts)


def _source(cell: dict) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source
