"""Grade one submission: run it in a sandbox, then evaluate its answers with the grader's checks.

1. The notebook runs top to bottom in its own sandbox (:mod:`.sandbox`, :mod:`.worker`); each
   ``check(...)`` it calls hands its answer in (:func:`course_utils.checks.records.hand_in`).
2. After that sandbox has ended (with every process the notebook started), a fresh sandbox
   evaluates the handed-in answers with the course's own, read-only checks (:mod:`.evaluate`).
3. The grade is that evaluation. The notebook's own records are read only to compare: a record
   that says "correct" where the grader's check does not is reported as tampering.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..checks.records import GRADING_VARIABLE, PROGRESS_FILE_VARIABLE
from . import sandbox
from .evaluate import BOOT, SANDBOXED, VERDICTS
from .submissions import Submission, lesson_of_name, lessons_in, read_notebook

DID_NOT_RUN = "did not run"
NOT_GRADED = "not graded"
GRACE_SECONDS = 30  # after the time limit, for the kernel to start and the worker to stop
RECORDS, ANSWERS = "records.json", "answers"
_RUNNING: dict[int, tuple[subprocess.Popen, dict]] = {}  # pid -> (process, its last status)
_FINAL = {"finished", "error", "timeout", "kernel died"}


@dataclass(frozen=True)
class Row:
    """One line of the report: one exercise of one learner (or one notebook that failed)."""

    learner: str
    notebook: str
    lesson: str
    exercise: str
    outcome: str
    message: str
    tampering: str = ""  # what the grader noticed the notebook tried, if anything


@dataclass(frozen=True)
class Limits:
    timeout: float = 300.0  # seconds per cell (and per exercise of the grader's evaluation)
    memory_mb: int = 4096  # resident memory of the kernel, MB
    full: bool = False
    sandbox: bool = True  # False only with --no-sandbox


def grade(submission: Submission, limits: Limits) -> list[Row]:
    """The rows of one notebook: one per exercise of its lesson, never raises."""
    try:
        return _grade(submission, limits)
    except Exception as err:  # noqa: BLE001 - one broken submission must not stop the room
        return [_row(submission, "", "", NOT_GRADED,
                     f"the grader failed on this notebook: {type(err).__name__}: {err}")]


def _grade(submission: Submission, limits: Limits) -> list[Row]:
    notebook, problem = read_notebook(submission)
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
        work, handin = Path(scratch) / "work", Path(scratch) / "handin"
        work.mkdir()
        (handin / ANSWERS).mkdir(parents=True)
        (work / "submission.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
        status = _run_notebook(work, handin, limits)
        records = _read_records(handin / RECORDS)
        verdicts, problem = _evaluate(handin, lessons, limits)
    return _rows(submission, lessons, status, records, verdicts, problem, note, limits)


def _modes(limits: Limits, home: Path | None) -> dict[str, str]:
    env = {"COURSE_OFFLINE": "1", "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if not limits.full:
        env["COURSE_FAST"] = "1"
    base = Path(sandbox.HOME) if home is None else home
    for name in ("KERAS_HOME", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR"):
        env[name] = str(base / name.lower())
        if home is not None:
            (base / name.lower()).mkdir(parents=True, exist_ok=True)
    if home is None:
        env["HOME"] = sandbox.HOME
    else:
        env["HOME"] = str(home)
    return env


def _start(argv: list[str], limits: Limits, env: dict[str, str], cwd: Path,
           writable: dict[Path, str], readonly: dict[Path, str]) -> subprocess.Popen:
    """Start ``argv`` in a sandbox (or, with --no-sandbox, directly in ``cwd``)."""
    command = argv
    if limits.sandbox:
        inside = {**writable, **readonly}.get(cwd, sandbox.HOME)
        command = sandbox.command(argv, writable=writable, readonly=readonly, cwd=inside)
    return subprocess.Popen(command, cwd=None if limits.sandbox else cwd,
                            env=sandbox.environment(env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _communicate(process: subprocess.Popen, seconds: float,
                 sandboxed: bool) -> tuple[str, bool]:
    """Everything the process printed, and whether it had to be killed for taking too long."""
    lines: list[bytes] = []
    status: dict = {}
    _RUNNING[process.pid] = (process, status)

    def read() -> None:
        for raw in process.stdout:
            if len(lines) < 10_000:
                lines.append(raw)
            if not sandboxed:  # only then is the kernel's pid one the grader can use
                try:
                    pid = json.loads(raw).get("kernel_pid")
                except (ValueError, AttributeError):
                    continue
                if isinstance(pid, int) and pid > 1:
                    status["kernel_pid"] = pid

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        process.wait(timeout=seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _stop(process, status.get("kernel_pid"))
        _RUNNING.pop(process.pid, None)
    reader.join(timeout=10)
    return b"".join(lines).decode("utf-8", errors="replace"), timed_out


def _run_notebook(work: Path, handin: Path, limits: Limits) -> dict:
    inside = Path(sandbox.HANDIN) if limits.sandbox else handin
    env = _modes(limits, None if limits.sandbox else work.parent / "home")
    env.update({PROGRESS_FILE_VARIABLE: str(inside / RECORDS),
                GRADING_VARIABLE: str(inside / ANSWERS)})
    argv = [sys.executable, "-m", "course_utils.grading.worker", "submission.ipynb",
            str(int(limits.timeout)), str(limits.memory_mb)]
    process = _start(argv, limits, env, work, {work: sandbox.WORK, handin: sandbox.HANDIN}, {})
    out, timed_out = _communicate(process, limits.timeout + GRACE_SECONDS, limits.sandbox)
    status = _last_status(out)
    if timed_out:
        status.update(state="timeout",
                      error=f"the notebook ran longer than {limits.timeout:g} s and was stopped")
    elif status.get("state") not in _FINAL:
        status.update(state="worker killed", error=(
            f"the process running the notebook was killed before it could report (exit status "
            f"{process.returncode}); the notebook's code may have killed it"))
    return status


def _last_status(out: str) -> dict:
    """The worker's last status line, as plain, checked data (it comes out of the sandbox)."""
    status: dict = {}
    for line in out.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            status = value
    cell = status.get("cell")
    return {"state": str(status.get("state", ""))[:40],
            "cell": cell if isinstance(cell, int) and not isinstance(cell, bool) else None,
            "error": str(status.get("error", ""))[:300]}


def _evaluate(handin: Path, lessons: list[str], limits: Limits) -> tuple[dict, str]:
    """The grader's verdicts keyed "lesson/exercise", and a problem that stopped them (or "")."""
    answers = handin / ANSWERS
    try:
        mode = os.lstat(answers).st_mode
    except OSError:
        mode = 0
    if not stat.S_ISDIR(mode):  # a symlink here would be bound into the evaluation's sandbox
        return {}, "the notebook removed or replaced the folder its answers are handed in to"
    expected = {f"{e.lesson}/{e.name}" for e in lesson_exercises(lessons)}
    inside = sandbox.ANSWERS if limits.sandbox else str(answers)
    home = handin.parent / "evaluation-home"
    env = _modes(limits, None if limits.sandbox else home)
    if limits.sandbox:
        env[SANDBOXED] = "1"
    boot = BOOT.format(folder=str(Path(__file__).resolve().parent.parent))
    argv = [sys.executable, "-c", boot, inside, str(limits.timeout), str(limits.memory_mb),
            *lessons]
    process = _start(argv, limits, env, home, {}, {answers: sandbox.ANSWERS})
    out, timed_out = _communicate(process, limits.timeout * len(expected) + GRACE_SECONDS,
                                  limits.sandbox)
    verdicts: dict[str, dict] = {}
    for line in out.splitlines():
        try:
            value = json.loads(line)
            key = f"{value['lesson']}/{value['exercise']}"
        except (ValueError, KeyError, TypeError):
            continue
        if key in expected and key not in verdicts:
            verdicts[key] = {"outcome": str(value.get("outcome", ""))[:40],
                             "message": str(value.get("message", ""))[:500]}
    problem = ""
    if len(verdicts) < len(expected):
        problem = ("the grader's evaluation ran out of time" if timed_out else
                   f"the grader's evaluation stopped early (exit status {process.returncode})")
    return verdicts, problem


def lesson_exercises(lessons: list[str]) -> list:
    """The exercises of the given lessons, in notebook order (only their checks are imported)."""
    return [exercise for lesson in sorted(lessons) for exercise in
            importlib.import_module(f"course_utils.checks.lesson{lesson}").EXERCISES]


def _read_records(path: Path) -> dict:
    """The notebook's own records (only to compare): a small regular file, never a link."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return {}
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            return {}
        data = os.read(handle, 1_000_001)
    finally:
        os.close(handle)
    try:
        records = json.loads(data.decode("utf-8")) if len(data) <= 1_000_000 else {}
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(records, dict):
        return {}
    return {key: value for key, value in records.items()
            if isinstance(value, dict) and isinstance(value.get("outcome"), str)}


def _stop(process: subprocess.Popen, kernel_pid) -> None:
    """Kill a worker that is still running, with everything it started.

    In the sandbox, killing ``bwrap`` kills everything inside it. Without one, the worker's
    process group and the kernel's (a session of its own) are killed."""
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
    for process, status in list(_RUNNING.values()):
        _stop(process, status.get("kernel_pid"))


def _rows(submission: Submission, lessons: list[str], status: dict, records: dict,
          verdicts: dict, problem: str, note: str, limits: Limits) -> list[Row]:
    stopped = _why_checks_did_not_run(status)
    rows = []
    for exercise in lesson_exercises(lessons):
        key = f"{exercise.lesson}/{exercise.name}"
        outcome, message = _outcome(verdicts.get(key), stopped, problem, limits)
        recorded = records.get(key, {}).get("outcome")
        tampering = ""
        if recorded == "correct" and outcome != "correct":
            tampering = (f"the notebook's own record says 'correct' but the grader's check says "
                         f"'{outcome}': its checks or its records file were changed")
        rows.append(Row(submission.learner, submission.name, exercise.lesson, exercise.name,
                        outcome, message + note, tampering))
    return rows


def _outcome(verdict: dict | None, stopped: str, problem: str, limits: Limits) -> tuple[str, str]:
    """The row's outcome and message from the grader's verdict on one exercise."""
    if verdict is None:
        return (NOT_GRADED, problem) if problem else (DID_NOT_RUN, stopped)
    outcome, message = verdict["outcome"], verdict["message"]
    if outcome in VERDICTS:
        return outcome, message
    if outcome == "not handed in":
        return DID_NOT_RUN, stopped
    return NOT_GRADED, {
        "unpicklable": "the grader could not take this answer out of the notebook to check it "
                       f"itself ({message})",
        "unloadable": f"the answer handed in could not be loaded by the grader ({message})",
        "timeout": f"the grader's check of this answer ran longer than {limits.timeout:g} s",
        "memory": f"the grader's check of this answer used more than {limits.memory_mb} MB",
    }.get(outcome, "the grader's check of this answer ended without a verdict (the answer's "
                   "code may have ended it)")


def _why_checks_did_not_run(status: dict) -> str:
    state, cell, error = status.get("state"), status.get("cell"), status.get("error", "")
    where = f" in code cell {cell}" if cell else ""
    if state == "finished":
        return "the notebook ran to the end, but this check was never called"
    if state in {"error", "timeout", "kernel died"}:
        return f"the notebook stopped{where} before this check: {error}"
    if state == "worker killed":
        return f"the notebook stopped{where} before this check: {error}"
    return "the notebook could not be started (no kernel came up)"


def _row(submission: Submission, lesson: str, exercise: str, outcome: str, message: str) -> Row:
    return Row(submission.learner, submission.name, lesson, exercise, outcome, message)
