"""Grade a room's exercise notebooks in one command.

    python -m course_utils.grade SUBMISSIONS... [--out report.csv] [--html report.html]
                                 [--jobs N] [--timeout S] [--memory-mb M] [--full] [--no-sandbox]

SUBMISSIONS: a room folder with one subfolder per learner (``room/alice/03_training.ipynb``),
one learner's folder, or single notebook files (the learner is the folder they are in). Each
notebook runs top to bottom in its own kernel, in a sandbox holding a temporary copy (the
submission is never modified), offline, in fast mode unless ``--full``, under a time and memory
limit; the answers its checks were given are then evaluated again by the grader, with the
course's own checks, and become one row per learner x exercise. A check that did not run is
"did not run", never "correct". Rows are written as each notebook finishes.
``make grade SUBMISSIONS=room`` runs this.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grading import sandbox
from .grading.report import CsvAppender, terminal_table, write_csv, write_html
from .grading.runner import Limits, Row, grade, stop_all
from .grading.submissions import find_submissions


def grade_all(paths: list[Path], limits: Limits, jobs: int = 1, log=print,
              on_rows=None) -> list[Row]:
    """Grade every notebook under ``paths``, ``jobs`` at a time; rows in submission order.

    ``on_rows(rows)`` is called with each notebook's rows as soon as it is graded."""
    submissions = find_submissions(paths)
    log(f"Grading {len(submissions)} notebooks, {jobs} at a time "
        f"({'full' if limits.full else 'fast'} mode, at most {limits.timeout:g} s and "
        f"{limits.memory_mb} MB each).")

    def run(index_and_submission):
        index, submission = index_and_submission
        start = time.monotonic()
        rows = grade(submission, limits)
        if on_rows is not None:
            on_rows(rows)
        correct = sum(row.outcome == "correct" for row in rows)
        log(f"[{index + 1}/{len(submissions)}] {submission.learner}/{submission.name}: "
            f"{correct}/{len(rows)} correct ({time.monotonic() - start:.0f} s)")
        return rows

    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        results = list(pool.map(run, enumerate(submissions)))
    finally:  # on Ctrl-C too: no notebook keeps running after the grader stops
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
    return [row for rows in results for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.grade",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, metavar="SUBMISSIONS")
    parser.add_argument("--out", type=Path, default=Path("report.csv"), help="CSV report")
    parser.add_argument("--html", type=Path, default=None, help="HTML report (a grid)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds per cell, and per exercise of the grader's own check")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                        help="memory limit per kernel (resident memory, MB)")
    parser.add_argument("--full", action="store_true", help="full mode instead of fast mode")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run notebooks without a sandbox (only notebooks you trust)")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    why = sandbox.unavailable()
    if why and not args.no_sandbox:
        print(f"Cannot grade safely: {why}.\nThe grader runs every notebook in a sandbox. "
              f"To grade without one, add --no-sandbox. {sandbox.EXPOSED_WITHOUT_SANDBOX}",
              file=sys.stderr)
        return 2
    if args.no_sandbox:
        print(f"WARNING: grading without a sandbox. {sandbox.EXPOSED_WITHOUT_SANDBOX}",
              file=sys.stderr)
    appender = CsvAppender(args.out)
    limits = Limits(args.timeout, args.memory_mb, args.full, sandbox=not args.no_sandbox)
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:  # a kill (SIGTERM) stops the notebooks and keeps the rows already written
        previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        rows = grade_all(args.paths, limits, args.jobs, on_rows=appender.add)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    write_csv(rows, args.out)  # the same rows, in submission order
    print(f"\n{terminal_table(rows)}\n\nCSV: {args.out}")
    if args.html:
        write_html(rows, args.html)
        print(f"HTML: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
