"""Exercise checks: one module per lesson (``lesson00``, ``lesson01``, ...)."""

from .exercise import CheckFailed, Exercise, solution_code
from .feedback import Feedback, Outcome
from .validate import Incorrect, LearnerCodeError, NotAttempted

__all__ = [
    "CheckFailed",
    "Exercise",
    "Feedback",
    "Incorrect",
    "LearnerCodeError",
    "NotAttempted",
    "Outcome",
    "solution_code",
]
