"""Run the course notebooks in fast and full mode and report time, memory and headline metrics.

Each notebook is executed in memory (the stored file is never written) in a fresh kernel with
``COURSE_OFFLINE=1``, temporary ``KERAS_HOME``/``MPLCONFIGDIR``/``IPYTHONDIR``, and
``COURSE_METRICS_FILE`` pointing to a temporary file where ``report_metric`` records the
notebook's headline numbers. A last cell, appended to the in-memory copy, prints the kernel's
peak resident memory.

    python benchmarks/run_notebooks.py                     # notebooks/, fast and full mode
    python benchmarks/run_notebooks.py --mode fast --only 03
    python benchmarks/run_notebooks.py --solutions --only 00 03
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
BUDGET_SECONDS = {"fast": 30.0, "full": 180.0}  # course-plan limits per notebook
RSS_MARKER = "BENCHMARK_PEAK_RSS_KB"
RSS_CELL = (
    "import resource\n"
    f"print('{RSS_MARKER}', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


@dataclass
class Run:
    notebook: str
    mode: str
    seconds: float
    peak_rss_mb: float | None
    metrics: dict[str, float]
    status: str

    @property
    def budget(self) -> str:
        return "ok" if self.seconds <= BUDGET_SECONDS[self.mode] else "OVER"


@contextlib.contextmanager
def kernel_environment(mode: str, scratch: Path, metrics_file: Path):
    """Set the variables the kernel inherits; restore the parent's environment afterwards."""
    saved = dict(os.environ)
    os.environ.update(
        COURSE_OFFLINE="1",
        COURSE_METRICS_FILE=str(metrics_file),
        TF_CPP_MIN_LOG_LEVEL="3",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    for name in ("KERAS_HOME", "MPLCONFIGDIR", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
        folder = scratch / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[name] = str(folder)
    os.environ.pop("COURSE_STRICT_CHECKS", None)
    if mode == "fast":
        os.environ["COURSE_FAST"] = "1"
    else:
        os.environ.pop("COURSE_FAST", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _peak_rss_mb(notebook: nbformat.NotebookNode) -> float | None:
    for output in notebook.cells[-1].get("outputs", []):
        match = re.search(rf"{RSS_MARKER} (\d+)", output.get("text", ""))
        if match:
            return int(match.group(1)) / 1024  # Linux reports kilobytes
    return None


def _read_metrics(path: Path) -> dict[str, float]:
    metrics: dict[str, float] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            metrics[record["name"]] = record["value"]
    return metrics


def run_notebook(path: Path, mode: str, timeout: int) -> Run:
    """Execute an in-memory copy of ``path`` in ``mode``; never raises for a failing cell."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(RSS_CELL))
    with tempfile.TemporaryDirectory(prefix="course-bench-") as scratch:
        metrics_file = Path(scratch) / "metrics.jsonl"
        with kernel_environment(mode, Path(scratch), metrics_file):
            client = NotebookClient(
                notebook, timeout=timeout, kernel_name="python3",
                resources={"metadata": {"path": str(path.parent)}},
            )
            status = "ok"
            start = time.perf_counter()
            try:
                client.execute()
            except CellTimeoutError:
                status = f"timeout ({timeout} s per cell)"
            except CellExecutionError as err:
                status = "error: " + str(err).strip().splitlines()[-1][:60]
            seconds = time.perf_counter() - start
        metrics = _read_metrics(metrics_file)
    return Run(str(path.relative_to(ROOT)), mode, seconds, _peak_rss_mb(notebook), metrics,
               status)


def select(only: list[str], solutions: bool) -> list[Path]:
    folders = ["notebooks"] + (["solutions"] if solutions else [])
    paths = [path for folder in folders for path in sorted((ROOT / folder).glob("[0-9][0-9]_*"))
             if path.suffix == ".ipynb"]
    if only:
        paths = [path for path in paths if path.name[:2] in only]
    return paths


def print_table(runs: list[Run]) -> None:
    header = (f"{'notebook':<42}{'mode':<6}{'seconds':>9}{'budget':>8}{'peak RSS MB':>13}  "
              f"{'metrics':<22}status")
    print(header)
    print("-" * len(header))
    for run in runs:
        rss = f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb is not None else "?"
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in run.metrics.items()) or "-"
        print(f"{run.notebook:<42}{run.mode:<6}{run.seconds:>9.1f}{run.budget:>8}{rss:>13}  "
              f"{metrics:<22}{run.status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["fast", "full", "both"], default="both")
    parser.add_argument("--only", nargs="+", default=[], metavar="NN",
                        help="lesson numbers to run, e.g. --only 00 03")
    parser.add_argument("--solutions", action="store_true",
                        help="also run solutions/NN_*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    paths = select(args.only, args.solutions)
    if not paths:
        parser.error("no notebooks match")
    modes = ["fast", "full"] if args.mode == "both" else [args.mode]
    runs = []
    for path in paths:
        for mode in modes:
            print(f"running {path.relative_to(ROOT)} ({mode}) ...", file=sys.stderr, flush=True)
            runs.append(run_notebook(path, mode, args.timeout))
    print()
    print_table(runs)
    return 0 if all(run.status == "ok" for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
