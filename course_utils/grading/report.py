"""The grading report: a CSV (one row per learner x exercise), an HTML grid, a terminal table."""

from __future__ import annotations

import csv
import html
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..checks.feedback import _LOOK, Outcome
from ..checks.overview import course_exercises
from .runner import DID_NOT_RUN, NOT_GRADED, Row

COLUMNS = ("learner", "notebook", "lesson", "exercise", "outcome", "message", "tampering")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection
COLOURS = {outcome.value: colour for outcome, (_, colour) in _LOOK.items()}
COLOURS.update({DID_NOT_RUN: "#9e9e9e", NOT_GRADED: "#000000"})
SHORT = {Outcome.CORRECT.value: "✓", Outcome.INCORRECT.value: "✗",
         Outcome.NOT_ATTEMPTED.value: "·", Outcome.RAISED.value: "E",
         Outcome.CHECK_ERROR.value: "!", DID_NOT_RUN: "-", NOT_GRADED: "?"}


def csv_field(value: object) -> str:
    """A field a spreadsheet shows as text: one starting like a formula gets a leading ``'``."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(rows: Iterable[Row], path: Path) -> None:
    """The whole report, written to a temporary file and renamed (never half a file)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        writer.writerows([csv_field(getattr(row, c)) for c in COLUMNS] for row in rows)
    os.replace(temporary, path)


class CsvAppender:
    """Rows appended (and flushed to disk) as each notebook finishes: a grader that is stopped
    or killed leaves every row it had."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        with open(path, "w", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerow(COLUMNS)

    def add(self, rows: Iterable[Row]) -> None:
        with self._lock, open(self.path, "a", newline="", encoding="utf-8") as stream:
            csv.writer(stream).writerows([csv_field(getattr(row, c)) for c in COLUMNS]
                                         for row in rows)
            stream.flush()
            os.fsync(stream.fileno())


def _grid(rows: list[Row]) -> tuple[list[str], list[str], dict]:
    """Learners, exercise columns ("lesson/exercise", or a notebook name when it had none)
    and the cell of each (learner, column)."""
    learners = sorted({row.learner for row in rows})
    columns: list[str] = []
    cells: dict[tuple[str, str], Row] = {}
    for row in rows:
        column = f"{row.lesson}/{row.exercise}" if row.exercise else f"{row.notebook} (notebook)"
        if column not in columns:
            columns.append(column)
        cells[row.learner, column] = row
    try:
        order = {f"{e.lesson}/{e.name}": i for i, e in enumerate(course_exercises())}
    except Exception:  # noqa: BLE001 - a broken lesson's checks must not lose the report
        order = {}
    columns.sort(key=lambda column: (order.get(column, len(order)), column))
    return learners, columns, cells


def share_correct(rows: list[Row], column_rows: list[Row | None]) -> float:
    graded = [row for row in column_rows if row is not None]
    return sum(row.outcome == Outcome.CORRECT.value for row in graded) / max(len(graded), 1)


def write_html(rows: list[Row], path: Path, title: str = "Exercise report") -> None:
    learners, columns, cells = _grid(rows)
    head = "".join(f'<th title="{html.escape(c)}">{html.escape(c)}</th>' for c in columns)
    body = []
    for learner in learners:
        tds = []
        for column in columns:
            row = cells.get((learner, column))
            if row is None:
                tds.append('<td class="none">no notebook</td>')
                continue
            tip = f"{row.outcome}: {row.message}"
            mark = ""
            if row.tampering:
                tip += f"\nTAMPERING: {row.tampering}"
                mark = ' <b>⚠ tampering</b>'
            tds.append(f'<td style="background:{COLOURS.get(row.outcome, "#000")}" '
                       f'title="{html.escape(tip, quote=True)}">{html.escape(row.outcome)}'
                       f'{mark}</td>')
        body.append(f"<tr><th>{html.escape(learner)}</th>{''.join(tds)}</tr>")
    shares = "".join(
        f"<td>{share_correct(rows, [cells.get((lr, c)) for lr in learners]):.0%}</td>"
        for c in columns
    )
    body.append(f'<tr class="share"><th>share correct</th>{shares}</tr>')
    legend = " ".join(f'<span style="background:{colour}">{html.escape(name)}</span>'
                      for name, colour in COLOURS.items() if name in
                      {row.outcome for row in rows})
    path.write_text(f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>
body {{ font-family: sans-serif; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 6px; font-size: 12px; }}
td {{ color: white; text-align: center; }} td.none {{ color: #999; }}
tr.share td {{ color: black; font-weight: bold; }}
span {{ color: white; padding: 2px 6px; margin-right: 4px; }}
</style></head><body><h1>{html.escape(title)}</h1>
<p>{len(learners)} learners, {len(columns)} exercises. Hover over a cell for the check's
message. {legend}</p>
<table><tr><th>learner</th>{head}</tr>{''.join(body)}</table></body></html>
""", encoding="utf-8")


def terminal_table(rows: list[Row]) -> str:
    """A compact grid: one line per learner, one symbol per exercise, and the share correct."""
    learners, columns, cells = _grid(rows)
    width = max([len(_printable(lr)) for lr in learners] + [12])
    lines = [f"{'':<{width}} " + " ".join(f"{i + 1:>2}" for i in range(len(columns)))]
    for learner in learners:
        symbols = [SHORT.get(cells[learner, c].outcome, "?") if (learner, c) in cells else " "
                   for c in columns]
        lines.append(f"{_printable(learner):<{width}} " + " ".join(f"{s:>2}" for s in symbols))
    shares = [share_correct(rows, [cells.get((lr, c)) for lr in learners]) for c in columns]
    lines.append(f"{'% correct':<{width}} " + " ".join(f"{round(100 * s):>2}"[-2:] if s < 1
                                                       else "##" for s in shares))
    lines.append("")
    lines += [f"{i + 1:>3}: {_printable(c)}" for i, c in enumerate(columns)]
    lines.append("✓ correct  ✗ not quite yet  · not attempted  E raised  ! check error  "
                 "- did not run  ? not graded   (## = 100 %)")
    counts = defaultdict(int)
    for row in rows:
        counts[row.outcome] += 1
    lines.append(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
    tampered = sorted({_printable(f"{row.learner}/{row.notebook}") for row in rows
                       if row.tampering})
    if tampered:
        lines.append(f"TAMPERING noticed in {len(tampered)} notebook(s): {', '.join(tampered)} "
                     "(see the CSV's tampering column)")
    return "\n".join(lines)


def _printable(text: str) -> str:
    """Control characters (terminal escapes in a folder's name) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)
