"""Time to grade a room: N copies of one notebook, graded with ``--jobs J``.

    python benchmarks/grading.py [--copies 40] [--jobs 2] [--notebook solutions/00_welcome.ipynb]
                                 [--no-sandbox]

Each copy sits in its own learner folder, as handed in; the script runs
``course_utils.grade.grade_all`` on the room (fast mode, the default limits, each notebook in its
sandbox unless ``--no-sandbox``, then the grader's own evaluation of its answers) and prints the
wall time, the time per notebook and the outcome counts. Every copy of a solutions notebook must
come out correct on every exercise.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import tempfile
import time
from pathlib import Path

from course_utils.grade import grade_all
from course_utils.grading.runner import Limits

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--notebook", type=Path, default=ROOT / "solutions" / "00_welcome.ipynb")
    parser.add_argument("--no-sandbox", action="store_true", help="to measure what it costs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as scratch:
        room = Path(scratch)
        for index in range(args.copies):
            learner = room / f"learner{index + 1:02d}"
            learner.mkdir()
            shutil.copy(args.notebook, learner / args.notebook.name)
        start = time.perf_counter()
        limits = Limits(sandbox=not args.no_sandbox)
        rows = grade_all([room], limits, jobs=args.jobs, log=lambda _: None)
        seconds = time.perf_counter() - start
    counts = collections.Counter(row.outcome for row in rows)
    mode = "no sandbox" if args.no_sandbox else "sandbox"
    print(f"{'notebook':<22}{'mode':>11}{'copies':>7}{'jobs':>5}{'wall s':>8}{'s/notebook':>11}"
          "  outcomes")
    print(f"{args.notebook.name:<22}{mode:>11}{args.copies:>7}{args.jobs:>5}{seconds:>8.0f}"
          f"{seconds / args.copies:>11.1f}  {dict(counts)}")


if __name__ == "__main__":
    main()
