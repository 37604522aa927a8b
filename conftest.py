"""Test-wide settings: fast, offline, quiet, and nothing written to the home directory.

Notebooks run under nbval. The kernel of each notebook inherits this process's environment when
it starts, so the hook below sets the strict-check expectation per folder just before that:
solutions must pass every check, untouched exercises must say "not attempted" for every check.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
_SCRATCH = Path(tempfile.mkdtemp(prefix="course-tests-"))

for _name in ("KERAS_HOME", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_CONFIG_DIR",
              "JUPYTER_RUNTIME_DIR"):
    os.environ[_name] = str(_SCRATCH / _name.lower())
    Path(os.environ[_name]).mkdir(parents=True, exist_ok=True)
os.environ.update(
    COURSE_PROGRESS_FILE=str(_SCRATCH / "course_progress.json"),  # not the repo's file
    COURSE_FAST="1",
    COURSE_OFFLINE="1",
    TF_CPP_MIN_LOG_LEVEL="3",
    PYDEVD_DISABLE_FILE_VALIDATION="1",
)
os.environ.pop("COURSE_STRICT_CHECKS", None)

_STRICTNESS = {"solutions": "1", "exercises": "not_attempted"}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's kernel starts, say which outcome its checks must have."""
    if item.path.suffix != ".ipynb":
        return
    folder = item.path.parent.name
    if folder in _STRICTNESS:
        os.environ["COURSE_STRICT_CHECKS"] = _STRICTNESS[folder]
    else:
        os.environ.pop("COURSE_STRICT_CHECKS", None)
