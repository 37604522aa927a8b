"""The README's syllabus table agrees with the lessons it lists.

Each lesson notebook states "**Time**: about NN minutes" near its top; the README's syllabus
table repeats that time. A lesson may change its time, so both files are read on every run;
rows whose notebook does not exist yet (planned lessons) are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_utils.paths import NOTEBOOKS_DIR

README = Path(__file__).resolve().parent.parent / "README.md"
NOTEBOOK_TIME = re.compile(r"\*\*Time\*\*:?\**\s*about\s+(\d+)\s+min(?:ute)?s?\b", re.IGNORECASE)
README_TIME = re.compile(r"^(\d+)\s*min(?:ute)?s?$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _syllabus_rows() -> list[dict[str, str]]:
    """The syllabus table as dicts keyed by its header ('#', 'lesson', 'time', ...)."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Syllabus", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = _cells(lines[0])
    return [dict(zip(header, _cells(line), strict=False)) for line in lines[2:]]


ROWS = _syllabus_rows()


def test_the_syllabus_table_has_a_time_column_and_every_lesson():
    assert ROWS and all("time" in row and "#" in row for row in ROWS), (
        "README.md: the syllabus table needs the columns '#' and 'time'"
    )
    numbers = {row["#"] for row in ROWS}
    missing = [p.name for p in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
               if p.name[:2] not in numbers]
    assert not missing, f"README.md: the syllabus table has no row for {missing}"


def _notebook_minutes(path: Path) -> int | None:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found = NOTEBOOK_TIME.search(cell.source)
            if found:
                return int(found.group(1))
    return None


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"lesson{row.get('#', '?')}")
def test_readme_time_matches_the_lesson_notebook(row):
    notebooks = sorted(NOTEBOOKS_DIR.glob(f"{row['#']}_*.ipynb"))
    if not notebooks:
        pytest.skip(f"lesson {row['#']} has no notebook yet")
    notebook = notebooks[0]
    minutes = _notebook_minutes(notebook)
    assert minutes is not None, (
        f"notebooks/{notebook.name} states no time: add '**Time**: about NN minutes' to its "
        "first markdown cell"
    )
    readme = README_TIME.match(row["time"])
    assert readme is not None, (
        f"README.md, syllabus row {row['#']}: the time column says {row['time']!r}; "
        f"write it as '{minutes} min'"
    )
    assert int(readme.group(1)) == minutes, (
        f"README.md says lesson {row['#']} takes {readme.group(1)} min, but "
        f"notebooks/{notebook.name} says about {minutes} minutes: make the README's syllabus "
        "table's time column agree with the notebook"
    )
