"""Grade one submission: run it in a temporary copy, then read what its checks recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..checks.records import PROGRESS_FILE_VARIABLE, load_records
from ..paths import COURSE_ROOT
from .submissions import Submission, lesson_of_name, lessons_in, read_notebook

DID_NOT_RUN = "did not run"
NOT_GRADED = "not graded"
GRACE_SECONDS = 30  # after the time limit, for the kernel to start and the worker to stop
_RUNNING: dict[int, tuple[subprocess.Popen, Path]] = {}  # worker pid -> (process, status file)


@dataclass(frozen=True)
class Row:
    """One line of the report: one exercise of one learner (or one notebook that failed)."""

    learner: str
    notebook: str
    lesson: str
    exercise: str
    outcome: str
    message: str


@dataclass(frozen=True)
class Limits:
    timeout: float = 300.0  # seconds per notebook
    memory_mb: int = 4096  # resident memory of the kernel, MB
    full: bool = False


def grade(submission: Submission, limits: Limits) -> list[Row]:
    """The rows of one notebook: one per exercise of its lesson, never raises."""
    try:
        return _grade(submission, limits)
    except Exception as err:  # noqa: BLE001 - one broken submission must not stop the room
        return [_row(submission, "", "", NOT_GRADED,
                     f"the grader failed on this notebook: {type(err).__name__}: {err}")]


def _grade(submission: Submission, limits: Limits) -> list[Row]:
    notebook, problem = read_notebook(submission.path)
    named = lesson_of_name(submission.name)
    if notebook is None:
        return [_row(submission, named or "", "", NOT_GRADED, problem)]
    imported = lessons_in(notebook)
    lessons = imported or ([named] if named else [])
    if not lessons:
        return [_row(submission, "", "", NOT_GRADED,
                     "not a course exercise notebook: its name does not start with a lesson "
                     "number and it uses no course checks")]
    note = ""
    if named and imported and named not in imported:
        note = (f" (the file is named like lesson {named}'s notebook but holds lesson "
                f"{', '.join(imported)}'s exercises)")
    with tempfile.TemporaryDirectory(prefix="course-grade-") as scratch:
        status, records = _run(submission.path, Path(scratch), limits)
    return _rows(submission, lessons, status, records, note)


def _run(notebook: Path, scratch: Path, limits: Limits) -> tuple[dict, dict]:
    work = scratch / "work"
    work.mkdir()
    shutil.copy2(notebook, work / "submission.ipynb")
    status_file, records_file = scratch / "status.json", scratch / "records.json"
    env = _kernel_environment(scratch, records_file, limits)
    command = [sys.executable, "-m", "course_utils.grading.worker", "submission.ipynb",
               str(status_file), str(int(limits.timeout)), str(limits.memory_mb)]
    process = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _RUNNING[process.pid] = (process, status_file)
    try:
        process.wait(timeout=limits.timeout + GRACE_SECONDS)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        status = _read_json(status_file)
        _stop(process, status.get("kernel_pid"))
        _RUNNING.pop(process.pid, None)
    if timed_out:
        status.update(state="timeout",
                      error=f"the notebook ran longer than {limits.timeout:g} s and was stopped")
    return status, load_records(records_file)


def _kernel_environment(scratch: Path, records_file: Path, limits: Limits) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("COURSE_STRICT_CHECKS", "COURSE_FAST", "JPY_PARENT_PID"):
        env.pop(name, None)
    env.update({
        PROGRESS_FILE_VARIABLE: str(records_file),
        "COURSE_OFFLINE": "1",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(COURSE_ROOT), env.get("PYTHONPATH")])),
    })
    if not limits.full:
        env["COURSE_FAST"] = "1"
    for name in ("KERAS_HOME", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR"):
        folder = scratch / "home" / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    return env


def _stop(process: subprocess.Popen, kernel_pid) -> None:
    """Kill a worker that is still running, with its kernel (which has a session of its own).

    A worker that ended by itself has shut its kernel down already; its pids are left alone
    (they may have been reused by now)."""
    if process.poll() is not None:
        return
    for pid in (kernel_pid, process.pid):
        if isinstance(pid, int) and pid > 0:
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    process.wait()


def stop_all() -> None:
    """Kill every notebook still running (the grader was interrupted): no orphaned kernels."""
    for process, status_file in list(_RUNNING.values()):
        _stop(process, _read_json(status_file).get("kernel_pid"))


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _rows(submission: Submission, lessons: list[str], status: dict, records: dict,
          note: str) -> list[Row]:
    from ..checks.overview import course_exercises

    stopped = _why_checks_did_not_run(status)
    rows = []
    for exercise in course_exercises():
        if exercise.lesson not in lessons:
            continue
        record = records.get(f"{exercise.lesson}/{exercise.name}")
        if record:
            rows.append(_row(submission, exercise.lesson, exercise.name, record["outcome"],
                             str(record.get("message", "")) + note))
        else:
            rows.append(_row(submission, exercise.lesson, exercise.name, DID_NOT_RUN,
                             stopped + note))
    return rows


def _why_checks_did_not_run(status: dict) -> str:
    state, cell, error = status.get("state"), status.get("cell"), status.get("error", "")
    where = f" in code cell {cell}" if cell else ""
    if state == "finished":
        return "the notebook ran to the end, but this check was never called"
    if state in {"error", "timeout", "kernel died"}:
        return f"the notebook stopped{where} before this check: {error}"
    return "the notebook could not be started (no kernel came up)"


def _row(submission: Submission, lesson: str, exercise: str, outcome: str, message: str) -> Row:
    return Row(submission.learner, submission.name, lesson, exercise, outcome, message)
