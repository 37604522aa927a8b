"""Where checks write down their outcomes, so a learner (and a grader) can see them later.

Every ``check(...)`` records its outcome in a small JSON file: by default
``.course_progress.json`` in the course folder (ignored by git), or the file named by the
environment variable ``COURSE_PROGRESS_FILE`` (the grader gives each notebook its own). Recording
is best-effort: a read-only folder, a broken file or a full disk is ignored silently and never
makes a check fail.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from ..paths import COURSE_ROOT

PROGRESS_FILE_VARIABLE = "COURSE_PROGRESS_FILE"
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


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it: never a half-written file."""
    handle, temporary = tempfile.mkstemp(prefix=".course_progress-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
