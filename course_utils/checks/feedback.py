"""What a check says: an outcome and a message, shown as rich HTML in Jupyter, text elsewhere."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    CORRECT = "correct"
    INCORRECT = "incorrect"
    NOT_ATTEMPTED = "not attempted"
    RAISED = "your code raised an error"
    CHECK_ERROR = "the check itself failed"
    HINT = "hint"
    SOLUTION = "solution"


_LOOK = {  # outcome: (heading, colour)
    Outcome.CORRECT: ("Correct", "#2e7d32"),
    Outcome.INCORRECT: ("Not quite yet", "#e65100"),
    Outcome.NOT_ATTEMPTED: ("Not attempted yet", "#616161"),
    Outcome.RAISED: ("Your code raised an error", "#c62828"),
    Outcome.CHECK_ERROR: ("The check itself failed (a bug in the course, not in your code)",
                          "#6a1b9a"),
    Outcome.HINT: ("Hint", "#1565c0"),
    Outcome.SOLUTION: ("Solution", "#37474f"),
}


@dataclass(frozen=True)
class Feedback:
    """The result of a check, a hint or a solution request."""

    exercise: str
    outcome: Outcome
    message: str
    details: str = ""  # preformatted text: a traceback excerpt or solution code

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    @property
    def heading(self) -> str:
        return _LOOK[self.outcome][0]

    def __str__(self) -> str:
        text = f"[{self.heading}] {self.exercise}: {self.message}"
        return f"{text}\n{self.details}" if self.details else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        heading, colour = _LOOK[self.outcome]
        details = (
            f'<pre style="margin:6px 0 0 0;padding:6px;background:#f6f8fa;overflow-x:auto">'
            f"{html.escape(self.details)}</pre>"
            if self.details
            else ""
        )
        return (
            f'<div class="course-feedback course-{self.outcome.name.lower()}" '
            f'style="border-left:5px solid {colour};padding:6px 10px;margin:4px 0">'
            f'<b style="color:{colour}">{html.escape(heading)}</b> '
            f'<span style="color:#555">({html.escape(self.exercise)})</span><br>'
            f"{_inline_code(self.message)}{details}</div>"
        )


def _inline_code(text: str) -> str:
    """Escape text for HTML and turn `backticks` into <code> and newlines into <br>."""
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped).replace("\n", "<br>")


def show(feedback: Feedback) -> None:
    """Display feedback: rich output inside IPython/Jupyter, plain text otherwise."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython is a dependency
        print(feedback)
        return
    if get_ipython() is None:
        print(feedback)
    else:
        display(feedback)
