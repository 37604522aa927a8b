"""Grade a room's exercise notebooks in one command.

    python -m course_utils.grade SUBMISSIONS... [--out report.csv] [--html report.html]
                                 [--jobs N] [--timeout S] [--memory-mb M] [--full]

SUBMISSIONS: a room folder with one subfolder per learner (``room/alice/03_training.ipynb``),
one learner's folder, or single notebook files (the learner is the folder they are in). Each
notebook runs top to bottom in its own kernel, in a temporary copy (the submission is never
modified), offline, in fast mode unless ``--full``, under a time and memory limit; its checks
record their outcomes, which become one row per learner x exercise. A check that did not run is
"did not run", never "correct". ``make grade SUBMISSIONS=room`` runs this.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .grading.report import terminal_table, write_csv, write_html
from .grading.runner import Limits, Row, grade, stop_all
from .grading.submissions import find_submissions


def grade_all(paths: list[Path], limits: Limits, jobs: int = 1, log=print) -> list[Row]:
    """Grade every notebook under ``paths``, ``jobs`` at a time; rows in submission order."""
    submissions = find_submissions(paths)
    log(f"Grading {len(submissions)} notebooks, {jobs} at a time "
        f"({'full' if limits.full else 'fast'} mode, at most {limits.timeout:g} s and "
        f"{limits.memory_mb} MB each).")

    def run(index_and_submission):
        index, submission = index_and_submission
        start = time.monotonic()
        rows = grade(submission, limits)
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
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per notebook")
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                        help="memory limit per kernel (resident memory, MB)")
    parser.add_argument("--full", action="store_true", help="full mode instead of fast mode")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        parser.error(f"no such file or folder: {', '.join(missing)}")
    rows = grade_all(args.paths, Limits(args.timeout, args.memory_mb, args.full), args.jobs)
    write_csv(rows, args.out)
    print(f"\n{terminal_table(rows)}\n\nCSV: {args.out}")
    if args.html:
        write_html(rows, args.html)
        print(f"HTML: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
