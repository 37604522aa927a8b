"""Test-wide settings: fast, offline, quiet, and nothing written to the home directory.

Notebooks run under nbval. The kernel of each notebook inherits this process's environment when
it starts, so the hook below sets the strict-check expectation per folder just before that:
solutions must pass every check, untouched exercises must say "not attempted" for every check.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# Seconds per test file, as benchmarks/test_suite.py last measured them (used to order files).
_MEASURED = ROOT / "benchmarks" / "test_suite_results.json"
_GUESS_SECONDS = {".ipynb": 25.0, ".py": 3.0}  # files the measurement does not know yet
_KNOWN_SLOW = {"tests/test_grading.py", "tests/test_grading_hostile.py", "tests/test_e2e_lab.py",
               "tests/test_site.py"}  # each runs notebooks, a server or a browser: minutes
_MEMORY_PER_WORKER = 2 * 1024**3  # a worker and its notebook kernel with TensorFlow: ~1-1.5 GB
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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker per CPU this process may use (a container's CPU limit counts), but
    no more than the memory holds. PYTEST_XDIST_AUTO_NUM_WORKERS=N overrides it."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist reads the variable itself
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf (Windows): trust the CPUs
        memory = None
    workers = cpus or 1
    if memory:
        workers = min(workers, max(1, memory // _MEMORY_PER_WORKER))
    return workers


def _expected_seconds() -> dict[str, float]:
    try:
        return dict(json.loads(_MEASURED.read_text(encoding="utf-8"))["seconds_per_file"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Longest files first (order kept within a file). With `--dist loadfile` and
    `--no-loadscope-reorder` xdist hands out files in this order, so no long file (the grading
    or browser tests, a heavy notebook) starts last while the other workers sit idle."""
    measured = _expected_seconds()
    seconds: dict[Path, float] = {}
    for item in items:
        if item.path not in seconds:
            relative = item.path.relative_to(ROOT).as_posix() if item.path.is_relative_to(
                ROOT) else str(item.path)
            guess = 120.0 if relative in _KNOWN_SLOW else _GUESS_SECONDS.get(item.path.suffix, 3.0)
            seconds[item.path] = measured.get(relative, guess)
    items.sort(key=lambda item: -seconds[item.path])  # stable: each file's order is kept


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
