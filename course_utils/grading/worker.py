"""Run one notebook top to bottom in a fresh kernel; write what happened to a status file.

    python -m course_utils.grading.worker NOTEBOOK STATUS_JSON CELL_TIMEOUT MEMORY_MB

Run by :mod:`course_utils.grading.runner` in a subprocess whose working folder is a temporary
copy of the submission, with the environment the grader chose. It limits its own address space
to MEMORY_MB before it starts the kernel, which inherits the limit. The status file
is rewritten at the start of each cell (so a grader that has to kill this process still knows
where the notebook was) and once at the end.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _write(status_path: Path, **status) -> None:
    temporary = status_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(status), encoding="utf-8")
    os.replace(temporary, status_path)


def limit_memory(memory_mb: int) -> None:
    """Cap the address space of this process and of every process it starts (POSIX only)."""
    try:
        import resource
    except ImportError:  # Windows: no limit
        return
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(notebook_path: str, status_file: str, cell_timeout: str, memory_mb: str) -> int:
    limit_memory(int(memory_mb))
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    status_path = Path(status_file)
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
        state.update(state="kernel died", error="the kernel died (out of memory, or the code "
                                                "ended its own process)")
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
    sys.exit(main(*sys.argv[1:5]))
