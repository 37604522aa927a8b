"""Run one notebook top to bottom in a fresh kernel; report what happened on stdout.

    python -m course_utils.grading.worker NOTEBOOK CELL_TIMEOUT MEMORY_MB

Run by :mod:`course_utils.grading.runner`, inside the notebook's sandbox, in a folder holding a
copy of the submission. A watchdog kills the kernel when its resident memory passes MEMORY_MB.
One JSON line of status is written at the start of each cell (so a grader that has to kill this
process still knows where the notebook was) and one at the end. Only this process can write
them: the kernel gets /dev/null as its stdout and stderr, and this process is not dumpable, so
the kernel (same user, no capabilities) cannot open its file descriptors or memory. The status
is still treated by the grader as untrusted data; grades never come from here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path


def _private_stdout():
    """A private copy of stdout for the status lines; fds 1 and 2 become /dev/null, which is
    what the kernel inherits."""
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    _not_dumpable()
    return out


def _not_dumpable() -> None:
    """Linux: other processes of the same user may not ptrace this one or open /proc/<pid>/fd."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def _write(out, **status) -> None:
    out.write(json.dumps(status) + "\n")
    out.flush()


class MemoryWatch:
    """Kill the kernel when its resident memory passes ``memory_mb`` (Linux: read from /proc).

    Elsewhere the address space of this process and its children is capped instead."""

    def __init__(self, memory_mb: int):
        self.limit_kb = memory_mb * 1024
        self.exceeded = False
        self._pid: int | None = None
        if not Path("/proc/self/status").exists():
            try:
                import resource

                limit = memory_mb * 1024 * 1024
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            except (ImportError, ValueError, OSError):
                pass

    def watch(self, pid: int | None) -> None:
        if pid is None or self._pid is not None or not Path(f"/proc/{pid}/status").exists():
            return
        self._pid = pid
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            rss_kb = _resident_kb(self._pid)
            if rss_kb is None:
                return
            if rss_kb > self.limit_kb:
                self.exceeded = True
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
                return
            time.sleep(0.1)


def _resident_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def main(notebook_path: str, cell_timeout: str, memory_mb: str) -> int:
    status_path = _private_stdout()
    memory = MemoryWatch(int(memory_mb))
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(notebook_path, as_version=4)
    state = {"state": "starting", "cell": None, "kernel_pid": None, "error": ""}
    start = time.monotonic()

    def number_of(index: int) -> int:  # code cells counted from 1, as a learner sees them
        return sum(c.cell_type == "code" for c in notebook.cells[: index + 1])

    client = NotebookClient(
        notebook, timeout=int(cell_timeout), kernel_name="python3", allow_errors=False,
        record_timing=False, resources={"metadata": {"path": os.getcwd()}},
    )

    def on_cell_start(cell, cell_index, **_):
        if state["kernel_pid"] is None and client.km is not None:
            state["kernel_pid"] = getattr(client.km.provisioner, "pid", None)
            memory.watch(state["kernel_pid"])
        state.update(state="running", cell=number_of(cell_index))
        _write(status_path, **state)

    def on_cell_executed(cell, **_):
        cell.outputs = []  # the grader needs the checks' records, not megabytes of output

    client.on_cell_start = on_cell_start
    client.on_cell_executed = on_cell_executed
    try:
        client.execute()
        state.update(state="finished", error="")
    except CellTimeoutError:
        state.update(state="timeout", error=f"a cell ran longer than {cell_timeout} s")
    except DeadKernelError:
        why = (f"it used more than {memory_mb} MB of memory and was stopped" if memory.exceeded
               else "out of memory, or the code ended its own process")
        state.update(state="kernel died", error=f"the kernel died ({why})")
    except CellExecutionError as err:
        state.update(state="error", error=_error_line(err))
    except Exception as err:  # noqa: BLE001 - whatever happens, the grader gets a status
        state.update(state="error", error=f"{type(err).__name__}: {err}"[:300])
    state["seconds"] = round(time.monotonic() - start, 1)
    _write(status_path, **state)
    return 0


def _error_line(err) -> str:
    name, value = getattr(err, "ename", ""), getattr(err, "evalue", "")
    return f"{name}: {value}"[:300] if name else str(err).strip().splitlines()[-1][:300]


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
