"""A learner's own progress: the latest outcome of every exercise of the course, in one table.

    from course_utils import show_progress
    show_progress()        # every lesson; show_progress("03") for one

It reads what the checks recorded (:mod:`course_utils.checks.records`) in this copy of the
course; nothing is sent anywhere.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
from dataclasses import dataclass
from pathlib import Path

from .feedback import _LOOK, Outcome
from .records import load_records

NOT_CHECKED = "not checked yet"


@dataclass(frozen=True)
class ProgressRow:
    lesson: str
    exercise: str
    title: str
    outcome: str  # an Outcome value, or NOT_CHECKED
    when: str


def course_exercises() -> list:
    """Every exercise of the course, lesson by lesson, in notebook order."""
    from . import __path__ as checks_path

    exercises = []
    for info in sorted(pkgutil.iter_modules(checks_path), key=lambda i: i.name):
        if info.name.startswith("lesson"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            exercises.extend(module.EXERCISES)
    return exercises


def progress_rows(lessons: tuple[str, ...] = (), path: Path | None = None) -> list[ProgressRow]:
    """One row per exercise (of ``lessons``, or of every lesson) with its latest outcome."""
    records = load_records(path)
    rows = []
    for exercise in course_exercises():
        if lessons and exercise.lesson not in lessons:
            continue
        record = records.get(f"{exercise.lesson}/{exercise.name}", {})
        rows.append(ProgressRow(exercise.lesson, exercise.name, exercise.title,
                                record.get("outcome", NOT_CHECKED), record.get("time", "")))
    return rows


class ProgressTable:
    """The rows, shown as a coloured table in Jupyter and as text elsewhere."""

    def __init__(self, rows: list[ProgressRow]):
        self.rows = rows

    @property
    def summary(self) -> str:
        correct = sum(row.outcome == Outcome.CORRECT.value for row in self.rows)
        tried = sum(row.outcome != NOT_CHECKED for row in self.rows)
        return (f"{correct} of {len(self.rows)} exercises correct; "
                f"{tried} checked at least once.")

    def __str__(self) -> str:
        lines = [self.summary, "", f"{'lesson':<7}{'exercise':<28}{'latest outcome':<28}when"]
        lines += [f"{row.lesson:<7}{row.exercise:<28}{_heading(row.outcome):<28}{row.when}"
                  for row in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{row.lesson}</td><td><code>{html.escape(row.exercise)}</code></td>"
            f"<td>{html.escape(row.title)}</td>"
            f'<td style="color:{_colour(row.outcome)};font-weight:bold">'
            f"{html.escape(_heading(row.outcome))}</td><td>{row.when}</td></tr>"
            for row in self.rows
        )
        return (f"<p>{html.escape(self.summary)}</p><table><tr><th>lesson</th><th>exercise</th>"
                f"<th>task</th><th>latest outcome</th><th>when</th></tr>{cells}</table>")


def show_progress(*lessons: str | int, path: Path | None = None) -> ProgressTable:
    """The latest outcome of every exercise, or of the given lessons (``show_progress("00")``
    or ``show_progress(0, 1)``); shown as a table when it is the last line of a cell."""
    return ProgressTable(progress_rows(tuple(_lesson_number(n) for n in lessons), path))


def _lesson_number(lesson: str | int) -> str:
    return f"{lesson:02d}" if isinstance(lesson, int) else str(lesson).zfill(2)


def _outcome(value: str) -> Outcome | None:
    try:
        return Outcome(value)
    except ValueError:
        return None


def _heading(value: str) -> str:
    outcome = _outcome(value)
    return _LOOK[outcome][0] if outcome else value


def _colour(value: str) -> str:
    outcome = _outcome(value)
    return _LOOK[outcome][1] if outcome else "#9e9e9e"
