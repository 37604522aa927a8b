"""Where checks write down their outcomes, so a learner (and a grader) can see them later.

Every ``check(...)`` records its outcome in a small JSON file: by default
``.course_progress.json`` in the course folder (ignored by git), or the file named by the
environment variable ``COURSE_PROGRESS_FILE`` (the grader gives each notebook its own). Recording
is best-effort: a read-only folder, a broken file or a full disk is ignored silently and never
makes a check fail.

While the grader runs a notebook (``python -m course_utils.grade``) it also names a folder in
``COURSE_GRADING_ANSWERS``: each ``check(...)`` then hands the answer it was given in there
(pickled), and the grader evaluates it again itself, with check code the notebook could not
change. The record above is then only compared with the grader's verdict, never trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from ..paths import COURSE_ROOT

PROGRESS_FILE_VARIABLE = "COURSE_PROGRESS_FILE"
GRADING_VARIABLE = "COURSE_GRADING_ANSWERS"  # set by the grader only
DEFAULT_PROGRESS_FILE = COURSE_ROOT / ".course_progress.json"
MESSAGE_LIMIT = 500  # characters of a check's message kept in the record


def progress_file() -> Path:
    """The file outcomes are recorded in (``COURSE_PROGRESS_FILE`` or the course default)."""
    named = os.environ.get(PROGRESS_FILE_VARIABLE, "").strip()
    return Path(named) if named else DEFAULT_PROGRESS_FILE


def load_records(path: Path | None = None) -> dict[str, dict]:
    """The recorded outcomes keyed by ``"lesson/exercise"``; empty if there are none or the
    file cannot be read."""
    path = progress_file() if path is None else Path(path)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(records, dict):
        return {}
    return {key: value for key, value in records.items()
            if isinstance(value, dict) and isinstance(value.get("outcome"), str)}


def record_outcome(lesson: str, exercise: str, outcome: str, message: str,
                   path: Path | None = None) -> bool:
    """Record the latest outcome of one exercise. Returns False (silently) if it could not."""
    path = progress_file() if path is None else Path(path)
    try:
        records = load_records(path)
        records[f"{lesson}/{exercise}"] = {
            "lesson": lesson,
            "exercise": exercise,
            "outcome": outcome,
            "message": message[:MESSAGE_LIMIT],
            "time": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        _write_atomically(path, json.dumps(records, indent=1, sort_keys=True))
    except (OSError, ValueError, TypeError):
        return False
    return True


def _write_atomically(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it: never a half-written file."""
    handle, temporary = tempfile.mkstemp(prefix=".course_progress-", dir=path.parent)
    try:
        with (os.fdopen(handle, "wb") if isinstance(text, bytes)
              else os.fdopen(handle, "w", encoding="utf-8")) as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def grading_folder() -> Path | None:
    """The folder answers are handed in to while the grader runs this notebook, else None."""
    named = os.environ.get(GRADING_VARIABLE, "").strip()
    return Path(named) if named else None


def answer_file(folder: Path, lesson: str, exercise: str, suffix: str = ".pkl") -> Path:
    return Path(folder) / f"{lesson}-{exercise}{suffix}"


def hand_in(lesson: str, exercise: str, args: tuple, kwargs: dict) -> None:
    """While graded: pickle the arguments of a check (the latest call wins) for the grader.

    Functions defined in the notebook are pickled by value (cloudpickle). An answer that cannot
    be pickled leaves a ``.error`` file saying why. Never raises; a no-op outside grading."""
    folder = grading_folder()
    if folder is None:
        return
    target = answer_file(folder, lesson, exercise)
    try:
        try:
            import cloudpickle as pickler
        except ImportError:  # pragma: no cover - cloudpickle comes with scikit-learn's joblib
            import pickle as pickler
        try:
            data = pickler.dumps((args, kwargs))
        except Exception as err:  # noqa: BLE001 - anything a learner's value raises
            answer_file(folder, lesson, exercise, ".error").write_text(
                f"{type(err).__name__}: {err}"[:MESSAGE_LIMIT], encoding="utf-8")
            target.unlink(missing_ok=True)
            return
        answer_file(folder, lesson, exercise, ".error").unlink(missing_ok=True)
        _write_atomically(target, data)
    except Exception:  # noqa: BLE001, S110 - handing in is best-effort, like recording
        pass
