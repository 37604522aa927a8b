"""The grader's own evaluation of the answers a notebook handed in.

    python -m course_utils.grading.evaluate ANSWERS_DIR SECONDS MEMORY_MB LESSON...  (or BOOT)

Run by :mod:`course_utils.grading.runner` in a fresh sandbox, after the notebook's own sandbox
has ended. This process imports the lessons' checks first, from the read-only course, before any
of the learner's code exists in it, and never runs learner code itself: each exercise's answer is
unpickled and checked in a forked child (unpickling a learner's function is running the learner's
code), which sends back one small JSON verdict on a pipe of its own. The parent validates it and
prints one JSON line per exercise. A child cannot reach the parent's output, its memory (the
parent is not dumpable and the sandbox has no capabilities) or the other exercises' children
(each is killed, with anything it started, before the next one begins).
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import select
import signal
import sys
import time
from pathlib import Path

from ..checks.exercise import Exercise
from ..checks.feedback import Outcome
from ..checks.records import MESSAGE_LIMIT, answer_file

EVALUATE = Exercise.evaluate  # taken before any learner code can exist in this process
VERDICTS = {o.value for o in (Outcome.CORRECT, Outcome.INCORRECT, Outcome.NOT_ATTEMPTED,
                              Outcome.RAISED, Outcome.CHECK_ERROR)}
LARGEST_VERDICT = 16_384  # bytes
SANDBOXED = "COURSE_GRADING_SANDBOXED"
# How the runner starts this module: ``course_utils`` without its ``__init__`` (which loads
# matplotlib for the notebooks; the checks load what they need), saving seconds per notebook.
BOOT = ("import sys, types; package = types.ModuleType('course_utils'); "
        "package.__path__ = [{folder!r}]; sys.modules['course_utils'] = package; "
        "from course_utils.grading.evaluate import main; sys.exit(main(*sys.argv[1:]))")


def _child(exercise, path: Path, pipe: int) -> None:
    """In the forked child: load the answer, check it with the pristine evaluate, report."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        args, kwargs = pickle.loads(path.read_bytes())
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise TypeError("the handed-in answer is not (args, kwargs)")
    except BaseException as err:  # noqa: BLE001 - a broken or hostile pickle
        verdict = {"outcome": "unloadable", "message": f"{type(err).__name__}: {err}"}
    else:
        feedback = EVALUATE(exercise, *args, **kwargs)
        verdict = {"outcome": feedback.outcome.value, "message": feedback.message}
    verdict["message"] = str(verdict["message"])[:MESSAGE_LIMIT]
    os.write(pipe, json.dumps(verdict).encode()[:LARGEST_VERDICT])
    os._exit(0)


def _read(pipe: int, pid: int, deadline: float, memory_kb: int) -> tuple[bytes, str]:
    """The child's verdict, and "timeout" or "memory" if it had to be stopped."""
    from .worker import _resident_kb

    data = b""
    while len(data) <= LARGEST_VERDICT:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, "timeout"
        if (_resident_kb(pid) or 0) > memory_kb:
            return data, "memory"
        if not select.select([pipe], [], [], min(left, 0.1))[0]:
            continue
        chunk = os.read(pipe, 4096)
        if not chunk:
            break
        data += chunk
    return data, ""


def _kill_all_but_me() -> None:
    """Kill every process of this sandbox except its init (pid 1) and this one."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in (1, os.getpid()):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def evaluate(exercise, answers: Path, deadline: float, memory_mb: int = 4096) -> dict:
    path = answer_file(answers, exercise.lesson, exercise.name)
    error = answer_file(answers, exercise.lesson, exercise.name, ".error")
    if not path.is_file():
        if error.is_file():
            return {"outcome": "unpicklable", "message": error.read_text(errors="replace")}
        return {"outcome": "not handed in", "message": ""}
    if time.monotonic() >= deadline:
        return {"outcome": "timeout", "message": ""}
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_end)
        try:
            _child(exercise, path, write_end)
        finally:
            os._exit(1)
    os.close(write_end)
    data, stopped = _read(read_end, pid, deadline, memory_mb * 1024)
    os.close(read_end)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    if os.environ.get(SANDBOXED) == "1":  # in its own PID namespace: nothing else is ours
        _kill_all_but_me()
    if stopped:
        return {"outcome": stopped, "message": ""}
    try:
        verdict = json.loads(data.decode())
    except (ValueError, UnicodeDecodeError):
        return {"outcome": "no verdict", "message": ""}
    if not isinstance(verdict, dict):
        return {"outcome": "no verdict", "message": ""}
    return verdict


def main(answers: str, seconds: str, memory_mb: str, *lessons: str) -> int:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
    except (OSError, AttributeError):
        pass
    modules = [importlib.import_module(f"course_utils.checks.lesson{lesson}")
               for lesson in lessons]
    for module in modules:
        for exercise in module.EXERCISES:
            deadline = time.monotonic() + float(seconds)
            verdict = evaluate(exercise, Path(answers), deadline, int(memory_mb))
            out.write(json.dumps({
                "lesson": exercise.lesson, "exercise": exercise.name,
                "outcome": str(verdict.get("outcome", "no verdict")),
                "message": str(verdict.get("message", ""))[:MESSAGE_LIMIT],
            }) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
