"""Execute lesson and solution notebooks in place, in full mode, so they read well when stored.

    python tools/execute_notebooks.py                 # notebooks/ and solutions/
    python tools/execute_notebooks.py notebooks/00_welcome.ipynb

Exercise notebooks are never executed here: they are stored without outputs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int = 600) -> float:
    """Run one notebook top to bottom and save it with its outputs; return the seconds taken."""
    if path.resolve().parent == (ROOT / "exercises").resolve():
        raise SystemExit(f"Refusing to store outputs in an exercise notebook: {path}")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(
        [*ROOT.glob("notebooks/[0-9][0-9]_*.ipynb"), *ROOT.glob("solutions/[0-9][0-9]_*.ipynb")]
    )
    os.environ.pop("COURSE_FAST", None)  # stored notebooks show full-mode results
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # as course_utils sets it
    for path in paths:
        print(f"{path}: {execute(path):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
