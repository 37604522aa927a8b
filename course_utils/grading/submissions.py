"""Finding the notebooks to grade and deciding which lesson each one holds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import EXERCISES_DIR

LESSON_PREFIX = re.compile(r"^(\d\d)_")
LARGEST_NOTEBOOK = 50_000_000  # bytes
CHECKS_IMPORT = re.compile(r"checks(?:\.|\s+import\s+)lesson(\d\d)\b")


@dataclass(frozen=True)
class Submission:
    """One notebook of one learner."""

    learner: str
    path: Path
    home: Path | None = None  # the learner's folder: links may not lead out of it

    @property
    def name(self) -> str:
        return self.path.name


def course_lessons() -> dict[str, str]:
    """Lesson number -> the exercise notebook's file name, e.g. ``{"00": "00_welcome.ipynb"}``."""
    return {path.name[:2]: path.name for path in sorted(EXERCISES_DIR.glob("[0-9][0-9]_*.ipynb"))}


def find_submissions(paths: list[Path]) -> list[Submission]:
    """The notebooks under ``paths``, each with its learner's name.

    - a notebook file: the learner is the name of the folder it is in;
    - a folder holding notebooks: one learner's folder (the learner is the folder's name);
    - a folder of folders: a room, one subfolder per learner (notebooks directly inside it).

    Anything named ``*.ipynb`` counts, so a folder or a link named like a notebook gets its own
    row (saying why it cannot be graded), and so does a learner's folder with no notebook.
    """
    found: list[Submission] = []
    for path in map(Path, paths):
        if path.is_file():
            found.append(Submission(path.resolve().parent.name, path, path.absolute().parent))
        elif path.is_dir() and _notebooks(path):
            found += [Submission(path.resolve().name, nb, path.absolute())
                      for nb in _notebooks(path)]
        elif path.is_dir():
            for learner in sorted(p for p in path.iterdir() if p.is_dir()):
                notebooks = _notebooks(learner)
                found += [Submission(learner.name, nb, learner.absolute()) for nb in notebooks] or [
                    Submission(learner.name, learner, learner.absolute())]
        else:
            raise FileNotFoundError(f"{path}: no such file or folder.")
    return found


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))


def read_notebook(submission: Submission | Path) -> tuple[dict | None, str]:
    """The notebook as JSON, or None and why it cannot be graded."""
    if isinstance(submission, Submission):
        path, home = submission.path, submission.home
    else:
        path, home = Path(submission), None
    if path.is_dir() and not path.name.endswith(".ipynb"):
        return None, "no notebook (.ipynb) was handed in: the folder has none"
    if path.is_dir():
        return None, "this is a folder named like a notebook, not a notebook file"
    if home is not None and not path.resolve().is_relative_to(home.parent.resolve() / home.name):
        return None, ("this is a link to a file outside the learner's folder (the room, another "
                      "learner's or the course's files); it is not graded")
    if not path.exists() and path.is_symlink():
        return None, "the file cannot be read (a link to nothing)"
    try:
        if path.stat().st_size > LARGEST_NOTEBOOK:
            return None, f"the file is larger than {LARGEST_NOTEBOOK // 1_000_000} MB"
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"the file cannot be read ({type(err).__name__}: {err})"
    if not text.strip():
        return None, "the file is empty"
    try:
        notebook = json.loads(text)
    except ValueError as err:
        return None, f"the file is not valid notebook JSON ({err})"
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None, "the file is JSON but not a notebook (it has no list of cells)"
    return notebook, ""


def lessons_in(notebook: dict) -> list[str]:
    """The lessons whose checks the notebook's code imports, in order of appearance."""
    found: list[str] = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        for lesson in CHECKS_IMPORT.findall(source):
            if lesson not in found:
                found.append(lesson)
    return found


def lesson_of_name(name: str) -> str | None:
    """The lesson a file name claims (``03_training (1).ipynb`` -> "03"), if it is a course one."""
    match = LESSON_PREFIX.match(name)
    return match.group(1) if match and match.group(1) in course_lessons() else None
