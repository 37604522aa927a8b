"""Where the course's folders are (the package lives in the course repository)."""

from __future__ import annotations

from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = COURSE_ROOT / "notebooks"
SOLUTIONS_DIR = COURSE_ROOT / "solutions"
EXERCISES_DIR = COURSE_ROOT / "exercises"


def lesson_notebook(folder: Path, lesson: str) -> Path | None:
    """The notebook ``NN_*.ipynb`` of a lesson in ``folder``, or None if there is none."""
    matches = sorted(folder.glob(f"{lesson}_*.ipynb"))
    return matches[0] if matches else None
